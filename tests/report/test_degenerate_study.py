"""The whole study on degenerate but legitimate cohorts: NE with the reason, or a keyed error.

The example protocol (examples/tdm1_after_pertuzumab) runs on cuts of its own analysis
dataset (tests/report/degenerate_helpers.py): no events at all, none in one group, a group
of one patient, every time tied, no response assessed, a covariate constant in one group.
Each run must finish with no traceback, no Python warning (pytest's filterwarnings=error),
no number printed as nan, and every missing statistic explained; a study without two groups
stops with a CohortError naming ``groups.group``. What R does in each case:
tests/reference/degenerate.R; our conventions: docs/statistics.md, "Degenerate data".
"""

from __future__ import annotations

import json
import math
import re
import shutil

import docx
import pandas as pd
import pytest
from degenerate_helpers import EXAMPLE, TTE, assert_no_silent_nan, censor, example_dataset, run
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from retrostudy.errors import CohortError, RetroStudyError

PMAB, TMAB = "Tmab/Pmab", "Tmab"


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return example_dataset()


@pytest.fixture(scope="module")
def no_events(base, tmp_path_factory):
    folder = tmp_path_factory.mktemp("no_events")
    return run(censor(base), folder), folder / "out"


def test_no_events_at_all_is_ne_with_the_reason(no_events):
    """R: survdiff chisq 0 on -1 df, p NA; coxph coefficient NA (no events)."""
    res, out = no_events
    assert_no_silent_nan(res, out)
    pfs = res.analyses.endpoints[0]
    assert pfs.logrank.not_estimable.startswith("no events in any group")
    assert math.isnan(pfs.logrank.p_value) and pfs.logrank.statistic == 0
    assert all(m.not_estimable and "no events" in m.not_estimable for m in pfs.cox)
    js = json.loads((out / "results.json").read_text(encoding="utf-8"))
    lr = js["analyses"]["endpoints"]["pfs"]["logrank"]
    assert lr["p_value"] is None and lr["not_estimable"].startswith("no events")
    assert "Log-rank test p = NE." in res.tables["survival_pfs"].footnotes
    assert "NE (NE\u2013NE)" in res.tables["cox_pfs"].to_text()
    assert any(w.startswith("pfs: no events in any group") for w in js["warnings"])
    adjusted = js["analyses"]["adjusted"]["endpoints"]["pfs"]
    assert set(adjusted) >= {"crude", "iptw"}
    for comparison in adjusted.values():
        assert comparison["hazard_ratio"]["hazard_ratio"] is None
        assert "no events" in comparison["hazard_ratio"]["not_estimable"]


def _section(html: str, anchor: str) -> str:
    m = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    return m.group(1) if m else ""


def test_each_warning_printed_once(no_events):
    """The supplement's Warnings section (and results.json "warnings") lists every warning
    exactly once, and no other section repeats it as a warning paragraph (table footnotes may
    qualify their numbers); the main document prints none; HTML and Word carry the same
    list."""
    import html as html_lib

    res, out = no_events
    final = res.results["warnings"]
    assert final and len(final) == len(set(final))
    adjusted = res.results["analyses"]["adjusted"]["warnings"]
    assert adjusted and set(adjusted) <= set(final)
    main = (out / "report.html").read_text(encoding="utf-8")
    assert '<p class="warning">' not in main  # (a table's footnote may qualify its numbers)
    page = (out / "supplement.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="([^"]+)">', page)
    for w in final:
        text = html_lib.escape(w, quote=False)
        assert _section(page, "warnings").count(text) == 1, w
        for anchor in sections:
            assert _section(page, anchor).count(text) <= 1, (anchor, w)
    warned = re.findall(r'<p class="warning">(.*?)</p>', page, re.S)
    assert sorted(warned) == sorted(html_lib.escape(w, quote=False) for w in final)
    paragraphs = docx.Document(str(out / "supplement.docx")).paragraphs
    by_section: dict[str, list[str]] = {}
    heading = ""
    for p in paragraphs:
        if p.style.name == "Heading 1":
            heading = re.sub(r"^S\d+\. ", "", p.text)
        else:
            by_section.setdefault(heading, []).append(p.text)
    assert by_section["Warnings"][: len(final)] == final  # the same list as results.json
    for name, texts in by_section.items():  # Word: at most once per section
        assert all(texts.count(w) <= 1 for w in final), name
    assert all(by_section[next(h for h in by_section if h.startswith("Adjusted"))].count(w) == 0
               for w in adjusted)  # in the Warnings section only


@pytest.fixture(scope="module")
def sparse(base, tmp_path_factory):
    """No events in Tmab/Pmab, visceral constant within Tmab, no response assessed."""
    d = censor(base, base.index[base["group"] == PMAB])
    d.loc[d["group"] == TMAB, "visceral"] = True
    d = d.assign(bor=pd.NA, bor_confirmed=pd.NA, response=False, disease_control=False,
                 evaluable=False)
    folder = tmp_path_factory.mktemp("sparse")
    res = run(d, folder)
    assert_no_silent_nan(res, folder / "out")
    return res, json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))


def test_no_events_in_one_group_and_a_covariate_constant_in_one_group(sparse):
    """R: survdiff has a test (expected > 0 in both groups); coxph "did not converge"
    (coefficient -> -inf): the ordinary hazard ratio does not exist (monotone), so Firth's
    penalised estimate is reported (finite, below 1); the log-rank p a number."""
    res, _ = sparse
    pfs = res.analyses.endpoints[0]
    assert pfs.logrank.not_estimable is None and 0 < pfs.logrank.p_value < 1
    assert pfs.model("unadjusted").monotone and pfs.model("unadjusted").method == "firth"
    hr = pfs.group_hr("unadjusted")
    assert 0 < hr.hazard_ratio < 1 and hr.test == "profile_likelihood"
    assert any("unadjusted Cox model has a monotone likelihood" in w
               for w in res.results["warnings"])


def test_no_response_assessed(sparse):
    """R: chisq.test on a 2x2 without responders is NaN ("approximation may be incorrect"),
    fisher.test 1: we print NE with the reason and warn that nobody was assessed."""
    res, js = sparse
    rates = js["analyses"]["response"]["rates"]
    assert all(r["p_value"] is None and r["not_estimable"] == "no patient has it" for r in rates)
    assert any(w.startswith("response: no patient has an assessed best overall response")
               for w in js["warnings"])
    body = res.tables["table2_response"].to_text()
    assert "Tumour response rate: no test, no patient has it (NE)." in body


def test_one_patient_in_a_group_and_every_time_tied(base, tmp_path):
    """Tmab/Pmab has one patient; everyone is followed for exactly 100 days (R: one tie
    group; the IPTW robust score can be singular -> NaN, as R's rscore)."""
    d = pd.concat([base[base["group"] == TMAB], base[base["group"] == PMAB].head(1)])
    for ep in TTE:
        d[f"{ep}_days"] = 100
    res = run(d, tmp_path)
    assert_no_silent_nan(res, tmp_path / "out")
    assert res.analyses.n == {PMAB: 1, TMAB: 24}
    pfs = res.analyses.endpoints[0]
    assert [g.n for g in pfs.groups] == [1, 24]
    assert res.tables["survival_pfs"].rows[0].cells[0].text == "1"
    tmab = pfs.groups[1]
    assert tmab.n_events * 2 > tmab.n and tmab.median[0] == pytest.approx(100 / 30.4375)


def test_one_group_empty_is_a_keyed_error(base, tmp_path):
    with pytest.raises(CohortError, match=r"key 'groups\.group': fewer than two groups") as e:
        run(base[base["group"] == TMAB], tmp_path)
    assert e.value.problems[0].hint and "'Tmab/Pmab'" in str(e.value)


def test_records_with_one_group_empty_after_exclusions_is_a_keyed_error(tmp_path):
    """Record level: the example's CSV folder without the Tmab/Pmab patients."""
    from retrostudy.pipeline import run_study

    shutil.copytree(EXAMPLE, tmp_path / "study")
    data = tmp_path / "study" / "data"
    truth = pd.read_csv(data / "truth.csv", dtype=str)
    gone = set(truth.loc[truth["group"] == PMAB, "patient_id"])
    for name in ("patients", "diagnoses", "biomarkers", "drug_administrations",
                 "tumor_assessments", "observations"):
        frame = pd.read_csv(data / f"{name}.csv", dtype=str, keep_default_na=False)
        frame[~frame["patient_id"].isin(gone)].to_csv(data / f"{name}.csv", index=False)
    with pytest.raises(CohortError, match=r"groups\.group.*without: 'Tmab/Pmab'"):
        run_study(tmp_path / "study" / "study.toml")


CUTS = st.tuples(
    st.lists(st.integers(0, 17), max_size=4, unique=True),  # rows of Tmab/Pmab (18)
    st.lists(st.integers(0, 23), min_size=1, max_size=5, unique=True),  # rows of Tmab (24)
    st.sets(st.sampled_from(["censor_all", "censor_one", "tie", "no_response", "constant"])),
)


def cut(base: pd.DataFrame, pm, tm, what) -> pd.DataFrame:
    """A small cut of the example dataset, often degenerate."""
    d = pd.concat([base[base["group"] == PMAB].iloc[pm], base[base["group"] == TMAB].iloc[tm]])
    if "censor_all" in what:
        d = censor(d)
    if "censor_one" in what:
        d = censor(d, d.index[d["group"] == TMAB])
    if "tie" in what:
        d = d.assign(**{f"{ep}_days": 60 for ep in TTE})
    if "no_response" in what:
        d = d.assign(bor=pd.NA, response=False, disease_control=False, evaluable=False)
    if "constant" in what:
        d = d.assign(hr_status="positive")
    return d


@pytest.mark.slow
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(CUTS)
@example(([0], [0], set()))  # found by this test: one patient each, SMD inf in the balance table
@example(([0, 14], [14], {"censor_all"}))  # PS odds ratio beyond float range (OverflowError)
def test_small_cohorts_finish_or_stop_with_a_keyed_error(base, tmp_path, spec):
    """Property: run_study on a small, possibly degenerate cohort either succeeds with every
    printed number finite and every missing statistic explained, or raises a RetroStudyError
    naming a protocol key or column -- never another exception or a Python warning."""
    pm, tm, what = spec
    folder = tmp_path / "_".join(["p", *map(str, pm), "t", *map(str, tm), *sorted(what)])
    try:
        res = run(cut(base, pm, tm, what), folder)
    except RetroStudyError as exc:
        assert exc.problems and all(p.key or p.column for p in exc.problems), str(exc)
        return
    assert_no_silent_nan(res, folder / "out")
