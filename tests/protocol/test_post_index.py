"""Immortal time (issue 16 item 6): criteria and groups may not look past the index day
unless the protocol says so (``allow_post_index = true``), and then the report warns of
immortal-time bias naming the criterion or group; baseline covariate windows reaching past
index are stated in the Methods. Protocols here are an eribulin study, not the example."""

from __future__ import annotations

import pandas as pd
import pytest

from retrostudy.errors import ProtocolError
from retrostudy.protocol import parse_protocol
from retrostudy.protocol.timing import (
    covariate_window_sentences,
    post_index_warnings,
    post_index_windows,
)

ERIBULIN = "eribulin"
MANY_DOSES = {"drug": ERIBULIN, "window": [1, "inf"], "min_count": 6}


def _raw(groups=None, criteria=(), **blocks):
    raw = {
        "study": {"title": "Eribulin dose intensity"},
        "index": {"drug": ERIBULIN, "label": "Started eribulin"},
        "criteria": list(criteria),
        **blocks,
    }
    if groups is not None:
        raw["groups"] = {"reference": "fewer", "group": groups}
    return raw


def _dose_groups(allow=False):
    many = {"name": "6+ doses", "when": MANY_DOSES}
    fewer = {"name": "fewer", "when": {"not": MANY_DOSES}}
    if allow:
        many["allow_post_index"] = fewer["allow_post_index"] = True
    return [many, fewer]


def _problems(raw):
    with pytest.raises(ProtocolError) as info:
        parse_protocol(raw, source="eribulin.toml")
    return info.value.problems


def test_groups_defined_after_index_are_refused_naming_key_window_and_hint():
    problems = _problems(_raw(_dose_groups()))
    assert [(p.key, p.value, p.code, p.file) for p in problems] == [
        ("groups.group.0.when.drug.window", '[1, "inf"]', "post_index_window", "eribulin.toml"),
        ("groups.group.1.when.not.drug.window", '[1, "inf"]', "post_index_window",
         "eribulin.toml"),
    ]
    first = problems[0]
    assert first.message == (
        'group "6+ doses" uses records after the index date: window [1, "inf"] reaches '
        "without limit past the index day (day 0)"
    )
    assert "immortal-time bias" in first.hint
    assert "groups.group.0.allow_post_index = true" in first.hint


@pytest.mark.parametrize("action", ["include", "exclude"])
def test_a_criterion_looking_past_index_is_refused(action):
    when = {"all": [{"drug": "paclitaxel", "window": ["-inf", -1]},
                    {"observation": "ecog", "value": ["0", "1"], "window": [-30, 7]}]}
    (problem,) = _problems(_raw(criteria=[{"label": "Fit", "action": action, "when": when}]))
    assert problem.key == "criteria.0.when.all.1.observation.window"
    assert problem.value == "[-30, 7]"
    assert "7 days past the index day" in problem.message
    assert "criteria.0.allow_post_index = true" in problem.hint


@pytest.mark.parametrize("window", [[0, 0], ["-inf", 0], [-30, 0], ["-inf", -1]])
def test_the_index_day_itself_is_allowed(window):
    p = parse_protocol(_raw(criteria=[
        {"label": "ECOG known", "action": "include",
         "when": {"observation": "ecog", "window": window}}]))
    assert post_index_windows(p) == () and post_index_warnings(p) == ()


def test_allowed_post_index_groups_parse_and_warn_of_immortal_time_bias():
    p = parse_protocol(_raw(_dose_groups(allow=True)))
    assert [w.key for w in post_index_windows(p)] == [
        "groups.group.0.when.drug.window", "groups.group.1.when.not.drug.window"]
    warnings = post_index_warnings(p)
    assert len(warnings) == 2
    assert warnings[0].startswith('Immortal-time bias: Group "6+ doses" assigns patients')
    assert '[1, "inf"] at groups.group.0.when.drug.window' in warnings[0]
    assert "groups.group.0.allow_post_index = true" in warnings[0]
    assert 'Group "fewer"' in warnings[1]


def test_allow_post_index_must_be_a_boolean():
    groups = _dose_groups()
    groups[0]["allow_post_index"] = "yes"
    keys = {p.key for p in _problems(_raw(groups))}
    assert "groups.group.0.allow_post_index" in keys


def test_the_warning_reaches_the_analyses_and_so_the_report():
    from retrostudy.analysis import run_analyses

    p = parse_protocol(_raw(_dose_groups(allow=True), analyses={
        "survival": [{"endpoint": "os", "label": "Overall survival"}]}))
    n = 12
    data = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(n)],
        "group": ["6+ doses" if i % 2 else "fewer" for i in range(n)],
        "os_days": [40 * (i + 1) for i in range(n)],
        "os_event": [1 if i % 3 else 0 for i in range(n)],
    })
    warnings = run_analyses(p, data).warnings
    assert warnings[:2] == post_index_warnings(p)


def test_building_a_cohort_refuses_a_protocol_built_in_code():
    from retrostudy.cohort import build_cohort
    from retrostudy.data.store import Store
    from retrostudy.protocol.model import Protocol

    ok = parse_protocol(_raw(_dose_groups(allow=True)))
    groups = ok.groups.model_copy(update={"group": [
        g.model_copy(update={"allow_post_index": False}) for g in ok.groups.group]})
    frames = {
        "patients": pd.DataFrame({"patient_id": ["A"], "birth_date": [pd.Timestamp("1960-01-01")],
                                  "sex": ["female"]}),
        "drug_administrations": pd.DataFrame(
            [{"patient_id": "A", "drug": ERIBULIN, "date": pd.Timestamp("2019-01-01")}]),
    }
    with pytest.raises(ProtocolError, match="groups.group.0.when.drug.window"):
        build_cohort(Protocol.model_validate(ok.model_copy(update={"groups": groups})),
                     Store.from_frames(frames))


def test_methods_state_every_covariate_window_reaching_past_index():
    p = parse_protocol(_raw(covariates={"ecog_window": [-14, 3], "sites_window": ["-inf", 0],
                                        "exposure_window": ["-inf", "inf"]}))
    assert covariate_window_sentences(p) == (
        "ECOG performance status at baseline was the value nearest to the index date among "
        "those recorded from 14 days before to 3 days after the index date "
        "(covariates.ecog_window = [-14, 3]). This window reaches past the index date, so a "
        "value recorded after the index treatment started can stand for baseline.",
        "Prior drug exposure (ever exposed, exposure duration) counted the records at any "
        'time, before or after, the index date (covariates.exposure_window = ["-inf", "inf"]). '
        "This window reaches past the index date, so a value recorded after the index "
        "treatment started can stand for baseline.",
    )
    ended = parse_protocol(_raw(covariates={"ecog_window": [-30, 0]}))
    assert covariate_window_sentences(ended) == ()
