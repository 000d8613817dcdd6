"""E-values of hazard ratios against the formulas of VanderWeele & Ding (2017) in R.

Reference: ``tests/reference/evalue.R`` -> ``evalue.json`` (the EValue package is not
installable here, so its ``evalues.HR`` formulas are written out in R from the papers),
a grid of estimates on both sides of 1 with rare and common outcomes, and the hazard
ratios of two Cox models fitted in R on simulated data (300 patients).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, evalue_hr, hr_to_rr

with (Path(__file__).parents[1] / "reference" / "evalue.json").open() as fh:
    REF = json.load(fh)


def _check(e, ref):
    assert e.rare_outcome is ref["rare"]
    assert e.rr == pytest.approx(ref["rr"], rel=1e-13)
    assert e.evalue == pytest.approx(ref["evalue"], rel=1e-13)
    if ref["lo"] is None:
        assert e.evalue_ci is None and e.limit is None and e.rr_low is None
    else:
        assert e.rr_low == pytest.approx(ref["rr_lo"], rel=1e-13)
        assert e.rr_high == pytest.approx(ref["rr_hi"], rel=1e-13)
        assert e.evalue_ci == pytest.approx(ref["evalue_ci"], rel=1e-13)
        assert e.limit == ref["limit"]


@pytest.mark.parametrize("ref", REF["grid"], ids=lambda r: f"{r['hr']}-{r['rare']}")
def test_grid_matches_r(ref):
    _check(evalue_hr(ref["hr"], ref["lo"], ref["hi"], rare_outcome=ref["rare"]), ref)


@pytest.mark.parametrize("which", ["protective", "harmful"])
def test_cox_hazard_ratio_to_evalue_matches_r(which):
    case = REF["cox"][which]
    data = {k: np.asarray(v) for k, v in REF["cox_data"].items()}
    if which == "harmful":
        data["x"] = 1 - data["x"]
    fit = cox_ph(data, time="time", event="event", covariates=["x", "z"])
    c = fit.coefficients[0]
    assert c.hazard_ratio == pytest.approx(case["hr"], rel=1e-8)
    assert c.conf_low == pytest.approx(case["lo"], rel=1e-8)
    assert c.conf_high == pytest.approx(case["hi"], rel=1e-8)
    for rare, key in ((True, "rare"), (False, "common")):
        e = evalue_hr(c.hazard_ratio, c.conf_low, c.conf_high, rare_outcome=rare)
        ref = case[key]
        assert e.evalue == pytest.approx(ref["evalue"], rel=1e-8)
        assert e.evalue_ci == pytest.approx(ref["evalue_ci"], rel=1e-8)
        assert e.limit == ref["limit"]


def test_hand_derived_values():
    # HR 3 rare: 3 + sqrt(6); lower limit 2: 2 + sqrt(2)
    e = evalue_hr(3.0, 2.0, 4.5, rare_outcome=True)
    assert e.evalue == pytest.approx(3 + math.sqrt(6), rel=1e-15)
    assert e.evalue_ci == pytest.approx(2 + math.sqrt(2), rel=1e-15)
    assert e.limit == "lower"
    # common outcome, HR 4: RR = (1 - 0.5^2) / (1 - 0.5^0.5) = 0.75 / (1 - 1/sqrt 2)
    rr = 0.75 / (1 - 1 / math.sqrt(2))
    assert hr_to_rr(4.0, rare_outcome=False) == pytest.approx(rr, rel=1e-15)
    e = evalue_hr(4.0, rare_outcome=False)
    assert e.evalue == pytest.approx(rr + math.sqrt(rr * (rr - 1)), rel=1e-15)
    # symmetry: HR and 1/HR have the same E-value, on both scales
    for rare in (True, False):
        a = evalue_hr(0.4, 0.2, 0.9, rare_outcome=rare)
        b = evalue_hr(2.5, 1 / 0.9, 5.0, rare_outcome=rare)
        assert a.evalue == pytest.approx(b.evalue, rel=1e-13)
        assert a.evalue_ci == pytest.approx(b.evalue_ci, rel=1e-13)
    # the interval touching 1 needs no confounding
    assert evalue_hr(1.5, 1.0, 2.0, rare_outcome=True).evalue_ci == 1.0
    assert evalue_hr(1.0, rare_outcome=False).evalue == 1.0


def test_common_transform_shrinks_towards_one_and_is_monotone():
    hrs = np.exp(np.linspace(-3, 3, 61))
    rrs = np.array([hr_to_rr(h, rare_outcome=False) for h in hrs])
    assert (np.diff(rrs) > 0).all()
    assert (np.abs(np.log(rrs)) <= np.abs(np.log(hrs)) + 1e-15).all()


def test_monotone_limits_and_sentence():
    e = evalue_hr(6.0, 2.0, math.inf, rare_outcome=True)
    assert e.limit == "lower" and e.evalue_ci == pytest.approx(2 + math.sqrt(2))
    e = evalue_hr(0.1, 0.0, 0.5, rare_outcome=False)
    assert e.limit == "upper" and e.evalue_ci > 1
    s = evalue_hr(0.5, 0.3, 0.8, rare_outcome=True).sentence()
    assert "3.41" in s and "1.81" in s and "rare outcome" in s
    s = evalue_hr(0.72, 0.51, 1.02, rare_outcome=False).sentence()
    assert "contains 1" in s and "common outcome" in s


@pytest.mark.parametrize("args, match", [
    ((0.0,), "hazard_ratio must be > 0"),
    ((-1.0,), "hazard_ratio must be > 0"),
    ((float("nan"),), "hazard_ratio must be > 0"),
    ((float("inf"),), "finite"),
    (("a",), "must be a number"),
    ((1.5, 1.1, None), "both conf_low and conf_high"),
    ((1.5, 1.6, 2.0), "do not contain"),
    ((1.5, -0.1, 2.0), "conf_low must be >= 0"),
])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        evalue_hr(*args, rare_outcome=True)
