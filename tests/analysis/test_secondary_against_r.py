"""The secondary analyses end to end against R (tests/reference/secondary.R: survival's
rmean, multi-state survfit, coxph and anova, cmprsk's cuminc) on the same 160 patients."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from secondary_data import make_protocol

from retrostudy.analysis import run_analyses

REF = Path(__file__).parents[1] / "reference"
TOL = {"rel": 1e-6, "abs": 1e-9}


@pytest.fixture(scope="module")
def r():
    return json.loads((REF / "secondary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sec():
    data = pd.read_csv(REF / "secondary.csv")
    protocol = make_protocol({
        "survival": [{"endpoint": "pfs", "adjust": ["visceral", "ecog"]}],
        "rmst": {"tau": 10},
        "competing": {"endpoint": "pfs", "landmarks": [3, 6, 12]},
        "subgroups": [{"endpoint": "pfs", "variables": ["visceral", "hr_status", "ecog"]}],
        "sensitivity": {"endpoints": ["pfs", "pfs_standard"]},
    })
    return run_analyses(protocol, data).secondary


def test_rmst(sec, r):
    res, ref = sec.rmst[0], r["rmst"]
    for g in ("A", "B"):
        assert res.groups[g].rmst == pytest.approx(ref["rmst_months"][g], **TOL)
        assert res.groups[g].std_err == pytest.approx(ref["se_months"][g], **TOL)
    dif, rat = res.contrasts["A"].difference, res.contrasts["A"].ratio
    assert [dif.estimate, dif.conf_low, dif.conf_high] == pytest.approx(
        ref["difference"], **TOL)
    assert [rat.estimate, rat.conf_low, rat.conf_high] == pytest.approx(ref["ratio"],
                                                                               **TOL)
    assert (dif.p_value, rat.p_value) == pytest.approx(
        (ref["difference_p"], ref["ratio_p"]), **TOL)


@pytest.mark.parametrize("g", ["A", "B"])
@pytest.mark.parametrize("cause", ["progression", "death_without_progression"])
def test_cumulative_incidence(sec, r, g, cause):
    marks = [m for m in sec.competing.groups[g].landmarks if m.cause == cause]
    ref = r["cif"][g][cause]
    assert [m.incidence for m in marks] == pytest.approx(ref["incidence"], **TOL)
    assert [m.conf_low for m in marks] == pytest.approx(ref["lower"], **TOL)
    assert [m.conf_high for m in marks] == pytest.approx(ref["upper"], **TOL)


@pytest.mark.parametrize("cause", ["progression", "death_without_progression"])
def test_gray_and_cause_specific_cox(sec, r, cause):
    gray = sec.competing.gray[cause]
    stat, p = r["gray"][cause]  # cmprsk's Tests row: stat, pv
    assert (gray.statistic, gray.p_value) == pytest.approx((stat, p), **TOL)
    for model, key in (("unadjusted", "crude"), ("adjusted", "adjusted")):
        hr = sec.competing.group_hr(cause, model)
        assert [hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value] == (
            pytest.approx(r["cause_specific"][cause][key], **TOL))


@pytest.mark.parametrize("var", ["visceral", "hr_status", "ecog"])
def test_subgroup_hrs_and_interaction(sec, r, var):
    v = next(v for v in sec.subgroups[0].variables if v.variable == var)
    ref = r["subgroups"][var]
    for lv in v.levels:
        h = lv.hazard_ratios["A"]
        assert [h.hazard_ratio, h.conf_low, h.conf_high, h.p_value] == (
            pytest.approx(ref["levels"][lv.value], **TOL))
    assert v.interaction.statistic == pytest.approx(ref["interaction_stat"], **TOL)
    assert v.interaction.df == ref["interaction_df"]
    assert v.interaction.p_value == pytest.approx(ref["interaction_p"], **TOL)


def test_sensitivity_alternative_definition(sec, r):
    e = sec.sensitivity.endpoints[1]
    ref = r["sensitivity"]
    for g in e.groups:
        got = [np.nan if v is None else v for v in g.median]
        want = [np.nan if v is None else v for v in ref["median_months"][g.group]]
        assert got == pytest.approx(want, nan_ok=True, **TOL)
    assert e.logrank.p_value == pytest.approx(ref["logrank_p"], **TOL)
    hr = e.group_hr("unadjusted")
    assert [hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value] == (
        pytest.approx(ref["hr"], **TOL))
