"""Attrition as a value: the invariant, steps in protocol order, groups, overlap and unassigned."""

import pandas as pd
import pytest
from cohort_helpers import TDM1, cohort, d, index_doses, people

from retrostudy.cohort import Attrition, GroupCount, Step
from retrostudy.errors import CohortError

T = {"drug": "trastuzumab", "window": ["-inf", -1]}
P = {"drug": "pertuzumab", "window": ["-inf", -1]}
GROUPS = {
    "reference": "Tmab",
    "group": [
        {"name": "Tmab/Pmab", "label": "T and P", "when": {"all": [T, P]}},
        {"name": "Tmab", "label": "T only", "when": {"all": [T, {"not": P}]}},
    ],
}


def _frames():
    # A: T+P; B: T; C: P only (no group); D: nothing; E: prior T-DM1
    adm = index_doses("A", "B", "C", "D", "E") + [
        {"patient_id": "A", "drug": "trastuzumab", "date": d(-60)},
        {"patient_id": "A", "drug": "pertuzumab", "date": d(-60)},
        {"patient_id": "B", "drug": "trastuzumab", "date": d(-60)},
        {"patient_id": "C", "drug": "pertuzumab", "date": d(-60)},
        {"patient_id": "E", "drug": "trastuzumab", "date": d(-60)},
        {"patient_id": "E", "drug": TDM1, "date": d(-300)},  # before the window
    ]
    return {"patients": people("A", "B", "C", "D", "E"), "drug_administrations": pd.DataFrame(adm)}


def test_steps_in_protocol_order_and_unassigned_reported():
    criteria = [
        {
            "label": "Prior T-DM1",
            "action": "exclude",
            "when": {"drug": TDM1, "window": ["-inf", -1]},
        },
        {"label": "Any HER2 therapy before", "action": "include", "when": {"any": [T, P]}},
    ]
    c = cohort(_frames(), criteria, GROUPS)
    a = c.attrition
    assert a.identified == 5 and a.analysed == 2
    assert [(s.label, s.kind, s.n_in, s.n_excluded, s.n_remaining) for s in a.steps] == [
        ("Prior T-DM1", "exclude", 5, 1, 4),
        ("Any HER2 therapy before", "include", 4, 1, 3),
        ("Matched no group", "unassigned", 3, 1, 2),
    ]
    assert a.groups == (
        GroupCount(name="Tmab/Pmab", label="T and P", n=1),
        GroupCount(name="Tmab", label="T only", n=1),
    )
    assert a.unassigned == ("C",) and a.overlap == ()
    assert dict(zip(c.excluded["patient_id"], c.excluded["step"], strict=True)) == {
        "E": "Prior T-DM1",
        "D": "Any HER2 therapy before",
        "C": "Matched no group",
    }
    assert dict(zip(c.patients["patient_id"], c.patients["group"], strict=True)) == {
        "A": "Tmab/Pmab",
        "B": "Tmab",
    }
    assert a.identified == len(c.excluded) + len(c.patients)


def test_rows_render_the_flow_chart():
    c = cohort(_frames(), [], GROUPS)
    rows = c.attrition.rows()
    assert [(r["kind"], r["n_remaining"]) for r in rows] == [
        ("identified", 5),
        ("unassigned", 3),
        ("analysed", 3),
        ("group", 1),
        ("group", 2),
    ]
    assert rows[0]["label"] == "Identified"
    frame = c.attrition.to_frame()
    assert frame["n_remaining"].tolist() == [5, 3, 3, 1, 2]


def test_overlapping_groups_raise_naming_the_patients():
    groups = {"group": [{"name": "T", "when": T}, {"name": "P", "when": P}]}
    with pytest.raises(CohortError) as info:
        cohort(_frames(), [], groups)
    (problem,) = info.value.problems
    assert problem.message == "patient A matches several groups: T, P"
    assert problem.code == "group_overlap" and "on_overlap" in problem.hint


def test_overlap_reported_when_asked():
    groups = {"on_overlap": "report", "group": [{"name": "T", "when": T}, {"name": "P", "when": P}]}
    c = cohort(_frames(), [], groups)
    assert c.attrition.overlap == ("A",)
    assert [(s.label, s.n_excluded) for s in c.attrition.steps] == [
        ("Matched no group", 1),
        ("Matched several groups", 1),
    ]
    assert dict(zip(c.patients["patient_id"], c.patients["group"], strict=True)) == {
        "B": "T",
        "C": "P",
        "E": "T",
    }


def test_unassigned_as_error():
    groups = {**GROUPS, "on_unassigned": "error"}
    with pytest.raises(CohortError) as info:
        cohort(_frames(), [], groups)
    assert sorted(p.message for p in info.value.problems) == [
        "patient C matches no group",
        "patient D matches no group",
    ]


def test_no_groups_keeps_everyone_with_missing_group():
    c = cohort(_frames(), [])
    assert c.attrition.analysed == 5 and c.attrition.groups == ()
    assert c.patients["group"].isna().all()


def test_no_one_identified():
    frames = {
        "patients": people("A"),
        "drug_administrations": pd.DataFrame(
            [{"patient_id": "A", "drug": TDM1, "date": pd.Timestamp("2018-01-01")}]
        ),
    }
    c = cohort(frames, [{"label": "x", "action": "exclude", "when": T}], GROUPS)
    assert c.attrition.identified == 0 and c.attrition.analysed == 0 and len(c.patients) == 0


def _step(label, n_in, n_excluded):
    return Step(
        label=label, kind="exclude", n_in=n_in, n_excluded=n_excluded, n_remaining=n_in - n_excluded
    )


def test_invariant_checked_on_construction():
    ok = dict(
        identified_label="x",
        identified=10,
        steps=(_step("a", 10, 3),),
        groups=(GroupCount(name="g", label="", n=7),),
        analysed=7,
    )
    Attrition(**ok)
    with pytest.raises(CohortError, match=r"identified \(10\) != excluded \(3\) \+ analysed \(6\)"):
        Attrition(**{**ok, "analysed": 6})
    with pytest.raises(CohortError, match="sum of group sizes"):
        Attrition(**{**ok, "groups": (GroupCount(name="g", label="", n=6),)})
    with pytest.raises(CohortError, match="does not follow"):
        Attrition(**{**ok, "steps": (_step("a", 9, 3),)})


def test_rows_have_the_same_keys():
    c = cohort(_frames(), [], GROUPS)
    keys = {tuple(r) for r in c.attrition.rows()}
    assert keys == {
        ("kind", "label", "group", "n_in", "n_excluded", "excluded_label", "n_remaining")
    }
    assert [r["group"] for r in c.attrition.rows()][-2:] == ["Tmab/Pmab", "Tmab"]


def test_attrition_html_lists_every_step_and_escapes_labels():
    attrition = Attrition(
        identified_label="Treated <2015 & HER2+",
        identified=10,
        steps=(Step(label="Age < 18", kind="exclude", n_in=10, n_excluded=3, n_remaining=7),),
        groups=(GroupCount(name="a", label="A & B", n=4), GroupCount(name="b", label="C", n=3)),
        analysed=7,
    )
    text = attrition._repr_html_()
    assert "Treated &lt;2015 &amp; HER2+" in text and "Age &lt; 18" in text
    assert "A &amp; B" in text and "<2015" not in text
    assert text.count("<tr>") == 1 + len(attrition.rows())  # header + identified, step,
    # analysed and one row per group
    assert attrition.to_frame()["n_remaining"].tolist() == [10, 7, 7, 4, 3]
