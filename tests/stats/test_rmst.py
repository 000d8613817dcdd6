"""RMST comparison against R survival 3.5-3 and survRM2's formulas (tiers 1, 2 and 5).

Per-arm restricted means and standard errors are R's ``summary(survfit(...), rmean=tau)``
(what survRM2's ``rmst2`` reports per arm), with the default tau from survRM2 1.0-4's case
analysis, in ``tests/reference/rmst_cif.json``, written by ``tests/reference/rmst_cif.R``
together with the datasets (survRM2's pbc sample, lung, veteran, ovarian, a tiny set). To
regenerate them (needs R with survival and jsonlite; CI never runs R)::

    Rscript tests/reference/rmst_cif.R

The difference and ratio are closed forms of the per-arm values (survRM2 ``rmst2``) and are
checked against those formulas written out here, and against the survRM2 vignette's printed
pbc example. Closed forms at rtol 1e-10.
"""

import json
import re
from fractions import Fraction as Fr
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from retrostudy.stats import rmst_compare

with (Path(__file__).parents[1] / "reference" / "rmst_cif.json").open() as fh:
    REF = json.load(fh)
RTOL = 1e-10
CASES = REF["rmst"]


def run(case):
    data = REF["data"][case["data"]]
    return rmst_compare(data["time"], data["event"], data[case["group"]], tau=case["tau"],
                        conf_level=case["conf_level"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_per_arm_rmst_matches_survfit_rmean(case):
    res = run(case)
    assert res.groups.tolist() == case["groups"]
    assert res.tau == case["tau_used"]
    assert res.tau_max == case["tau_default"]
    assert res.tau_rule == ("survRM2 default" if case["tau"] is None else "user")
    np.testing.assert_allclose(res.estimate, case["estimate"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(res.std_err, case["std_err"], rtol=RTOL, atol=0)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_contrasts_are_survrm2_closed_forms(case):
    res = run(case)
    (m0, m1), (s0, s1) = case["estimate"], case["std_err"]
    z = norm.ppf(1 - (1 - case["conf_level"]) / 2)
    se_diff = np.hypot(s0, s1)
    expected = [m1 - m0, se_diff, m1 - m0 - z * se_diff, m1 - m0 + z * se_diff,
                2 * norm.sf(abs(m1 - m0) / se_diff)]
    d = res.difference
    np.testing.assert_allclose([d.estimate, d.std_err, d.conf_low, d.conf_high, d.p_value],
                               expected, rtol=RTOL, atol=0)
    lr, se_lr = np.log(m1 / m0), np.hypot(s0 / m0, s1 / m1)
    expected = [m1 / m0, se_lr, np.exp(lr - z * se_lr), np.exp(lr + z * se_lr),
                2 * norm.sf(abs(lr) / se_lr)]
    r = res.ratio
    np.testing.assert_allclose([r.estimate, r.std_err, r.conf_low, r.conf_high, r.p_value],
                               expected, rtol=RTOL, atol=0)
    np.testing.assert_allclose(res.conf_low, np.array([m0, m1]) - z * np.array([s0, s1]),
                               rtol=RTOL)
    assert (d.scale, r.scale, res.variance) == ("difference", "ratio", "greenwood")


def test_survrm2_vignette_pbc_tau_10():
    """survRM2 vignette (print(rmst2(time, status, arm, tau=10))), three decimals."""
    res = run(next(c for c in CASES if c["name"].startswith("pbc tau 10")))
    assert res.estimate.round(3).tolist() == [7.283, 7.146]
    d, r = res.difference, res.ratio
    assert [round(x, 3) for x in (d.estimate, d.conf_low, d.conf_high, d.p_value)] == [
        -0.137, -0.939, 0.665, 0.738]
    assert [round(x, 3) for x in (r.estimate, r.conf_low, r.conf_high, r.p_value)] == [
        0.981, 0.878, 1.096, 0.738]


def test_by_hand_fractions():
    """Group 0: events 2, 4, 7, censored 4, 9; group 1: events 3, 6, 8, censored 5, 10.

    S0 = 4/5 on [2, 4), 3/5 on [4, 7), 3/10 on [7, 9]: RMST 2 + 8/5 + 9/5 + 3/5 = 6;
    S1 = 4/5 on [3, 6), 8/15 on [6, 8), 4/15 on [8, 9]: RMST 3 + 12/5 + 16/15 + 4/15.
    Var = sum over event times of (area from t_j to tau)^2 d / (Y (Y - d)).
    """
    time = [7, 3, 4, 10, 2, 6, 9, 8, 4, 5]
    event = [1, 1, 0, 0, 1, 1, 0, 1, 1, 0]
    group = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    res = rmst_compare(time, event, group)
    mu0, mu1 = Fr(6), 3 + Fr(12, 5) + Fr(16, 15) + Fr(4, 15)
    var0 = 4**2 * Fr(1, 5 * 4) + Fr(12, 5) ** 2 * Fr(1, 4 * 3) + Fr(3, 5) ** 2 * Fr(1, 2 * 1)
    var1 = (mu1 - 3) ** 2 * Fr(1, 5 * 4) + Fr(4, 3) ** 2 * Fr(1, 3 * 2) + Fr(4, 15) ** 2 * Fr(1, 2)
    assert (res.tau, res.tau_rule, res.tau_max) == (9.0, "survRM2 default", 9.0)
    np.testing.assert_allclose(res.estimate, [float(mu0), float(mu1)], rtol=1e-14)
    np.testing.assert_allclose(res.std_err ** 2, [float(var0), float(var1)], rtol=1e-13)
    assert res.difference.estimate == pytest.approx(float(mu1 - mu0), rel=1e-13)
    assert res.difference.std_err ** 2 == pytest.approx(float(var0 + var1), rel=1e-13)
    assert res.ratio.estimate == pytest.approx(float(mu1 / mu0), rel=1e-13)


@pytest.mark.parametrize(
    ("time", "event", "tau_max"),
    [
        ([1, 5, 2, 8], [1, 0, 1, 0], 5),  # both arms end censored: the smaller last time
        ([1, 5, 2, 8], [1, 1, 1, 1], 8),  # both end on an event: the larger last time
        ([1, 5, 2, 8], [1, 1, 1, 0], 8),  # shorter arm ends on an event: the censored one
        ([1, 5, 2, 8], [1, 0, 1, 1], 5),  # longer arm ends on an event: the censored one
    ],
)
def test_survrm2_tau_cases(time, event, tau_max):
    res = rmst_compare(time, event, [0, 0, 1, 1])
    assert (res.tau, res.tau_max) == (tau_max, tau_max)


def test_event_and_censoring_at_the_last_time_count_as_censored():
    """survRM2 takes min(status) over the records at an arm's largest time."""
    res = rmst_compare([1, 6, 6, 2, 9], [1, 1, 0, 1, 0], [0, 0, 0, 1, 1])
    assert res.tau_max == 6


GOOD = {"time": [1, 5, 2, 8, 3], "event": [1, 0, 1, 0, 1], "group": [0, 0, 1, 1, 1]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tau": 6}, "tau = 6 is beyond the follow-up of these data: survRM2 allows at most 5 "
                     "(the largest time of an arm whose last observation is censored)"),
        ({"tau": 0}, "tau must be finite and > 0, got 0.0"),
        ({"tau": np.nan}, "tau must be finite and > 0, got nan"),
        ({"group": [0, 0, 1, 1, 2]}, "group must have exactly two levels for an RMST "
                                     "comparison, got 3 ([0, 1, 2])"),
        ({"group": ["a"] * 5}, "group must have exactly two levels for an RMST comparison, "
                               "got 1 (['a'])"),
        ({"time": [1, -5, 2, 8, 3]}, "time must be >= 0; position 1 is -5.0"),
        ({"event": [1, 2, 1, 0, 1]}, "event must be 0 (censored) or 1 (event); position 1 is 2.0"),
        ({"group": [0, 0, 1, 1]}, "group must be one-dimensional with 5 values, got shape (4,)"),
        ({"conf_level": 95}, "conf_level must be between 0 and 1, got 95"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        rmst_compare(**{**GOOD, **kwargs})
