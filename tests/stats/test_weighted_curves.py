"""Weighted RMST and weighted cumulative incidence against R survfit(weights=).

Reference: ``tests/reference/weighted_curves.R`` -> ``weighted_curves.json``: 240 simulated
patients (not the T-DM1 example) with two groups, integer days, two competing causes and
stabilised ATE weights from glm (non-integer), and the same with integer frequency weights.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cumulative_incidence
from retrostudy.stats.weighted import weighted_cumulative_incidence, weighted_rmst

REF = json.loads((Path(__file__).parents[1] / "reference" / "weighted_curves.json").read_text())
T, S, E, G = (np.asarray(REF[k], float) for k in ("time", "status", "event", "group"))


@pytest.mark.parametrize("wkey, rkey", [("weights", "rmst"), ("freq", "rmst_freq")])
def test_weighted_rmst_matches_r(wkey, rkey):
    w = np.asarray(REF[wkey], float)
    res = weighted_rmst(T, E, G, w, tau=REF["tau"], groups=[0.0, 1.0])
    assert res.rmst == pytest.approx(tuple(REF[rkey]["rmean"]), rel=1e-12)
    assert res.std_err == pytest.approx(tuple(REF[rkey]["se"]), rel=1e-10)
    ref = REF[rkey]
    assert res.difference == pytest.approx(ref["rmean"][1] - ref["rmean"][0], rel=1e-12)
    assert res.difference_std_err == pytest.approx(np.hypot(*ref["se"]), rel=1e-10)


@pytest.mark.parametrize("wkey, ckey", [("weights", "cif"), ("freq", "cif_freq")])
def test_weighted_cif_matches_r(wkey, ckey):
    w = np.asarray(REF[wkey], float)
    for k, ref in enumerate(REF[ckey]):
        s = G == k
        ci = weighted_cumulative_incidence(T[s], S[s], w[s], causes=[1, 2])
        np.testing.assert_allclose(ci.time, ref["time"])
        np.testing.assert_allclose(ci.incidence[:, 0], ref["pstate1"], rtol=1e-12)
        np.testing.assert_allclose(ci.incidence[:, 1], ref["pstate2"], rtol=1e-12)
        np.testing.assert_allclose(ci.n_at_risk, ref["n_risk"], rtol=1e-12)
        np.testing.assert_allclose(ci.std_err[:, 0], ref["se1"], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(ci.std_err[:, 1], ref["se2"], rtol=1e-9, atol=1e-15)


def test_unit_weights_equal_the_unweighted_curve():
    ci = weighted_cumulative_incidence(T, S, np.ones(T.size), causes=[1, 2])
    ref = cumulative_incidence(T, S, causes=[1, 2])
    np.testing.assert_allclose(ci.incidence, ref.incidence, rtol=1e-13)
    np.testing.assert_allclose(ci.std_err, ref.std_err, rtol=1e-12)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="exactly two groups"):
        weighted_rmst(T, E, np.arange(T.size) % 3, np.ones(T.size), tau=10)
    with pytest.raises(ValueError, match="tau"):
        weighted_rmst(T, E, G, np.ones(T.size), tau=1e6)
    with pytest.raises(ValueError, match="weights are required"):
        weighted_cumulative_incidence(T, S, None)


def test_robust_variance_options_are_checked_and_unit_clusters_change_nothing():
    w = np.asarray(REF["weights"], float)
    with pytest.raises(ValueError, match="variance"):
        weighted_rmst(T, E, G, w, tau=REF["tau"], variance="jackknife")
    with pytest.raises(ValueError, match="cluster needs"):
        weighted_rmst(T, E, G, w, tau=REF["tau"], cluster=np.arange(T.size))
    with pytest.raises(ValueError, match="cluster has"):
        weighted_rmst(T, E, G, w, tau=REF["tau"], variance="robust", cluster=[1, 2])
    robust = weighted_rmst(T, E, G, w, tau=REF["tau"], groups=[0.0, 1.0], variance="robust")
    single = weighted_rmst(T, E, G, w, tau=REF["tau"], groups=[0.0, 1.0], variance="robust",
                           cluster=np.arange(T.size))
    # the estimate is R's whatever the variance; one patient per cluster = no clustering
    assert robust.rmst == pytest.approx(tuple(REF["rmst"]["rmean"]), rel=1e-12)
    assert robust.variance == "robust" and single.variance == "robust_cluster"
    assert single.difference_std_err == pytest.approx(robust.difference_std_err, rel=1e-13)
    assert robust.difference_std_err == pytest.approx(np.hypot(*robust.std_err), rel=1e-13)
