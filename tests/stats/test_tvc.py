"""Time-varying exposure: tmerge-style splitting and Cox on counting-process rows vs R.

Reference: ``tests/reference/tvc.R`` -> ``tvc.json``: 160 simulated patients, exposure
starts during follow-up (some on an event or censoring day), at or before day 0, after
follow-up, or never; R's ``tmerge(..., tdc(day))`` rows and ``coxph(Surv(tstart, tstop,
event) ~ exposed + age)`` Efron, Breslow and with ``cluster(id)``; and the
immortal-time-biased "ever exposed from day 0" model for contrast.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, split_at_exposure

with (Path(__file__).parents[1] / "reference" / "tvc.json").open() as fh:
    REF = json.load(fh)
P = {k: np.array([np.nan if v is None else v for v in vals], dtype=float)
     for k, vals in REF["patients"].items()}


def _rows():
    return split_at_exposure(P["time"], P["event"], P["day"], id=P["id"].astype(int))


def test_rows_are_tmerge_rows():
    r, want = _rows(), REF["rows"]
    np.testing.assert_array_equal(r.id, want["id"])
    np.testing.assert_array_equal(r.start, want["start"])
    np.testing.assert_array_equal(r.stop, want["stop"])
    np.testing.assert_array_equal(r.event, want["event"])
    np.testing.assert_array_equal(r.exposed, want["exposed"])
    n = P["time"].shape[0]
    assert r.n_split + r.n_exposed_at_zero + r.n_never == n
    assert r.start.shape[0] == n + r.n_split
    assert r.event.sum() == P["event"].sum()  # each event once, on the last row


@pytest.mark.parametrize("case", REF["cox"], ids=[c["name"] for c in REF["cox"]])
def test_cox_on_rows_matches_coxph(case):
    r = _rows()
    data = r.as_data() | {"age": P["age"][r.index]}
    ties = "breslow" if case["name"] == "breslow" else "efron"
    cluster = "id" if "cluster" in case["name"] else None
    fit = cox_ph(data, time="stop", event="event", entry="start",
                 covariates=["exposed", "age"], ties=ties, cluster=cluster)
    np.testing.assert_allclose(fit.coef, case["coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.var, np.array(case["var"]), rtol=1e-7)
    np.testing.assert_allclose([c.std_err for c in fit.coefficients], case["se"], rtol=1e-7)
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], case["loglik"], rtol=1e-10)
    np.testing.assert_allclose(fit.score_test.statistic, case["score"], rtol=1e-8)
    np.testing.assert_allclose(fit.wald_test.statistic, case["wald"], rtol=1e-7)
    if cluster:
        np.testing.assert_allclose(fit.robust_score_test.statistic, case["rscore"], rtol=1e-7)
    assert fit.n == case["n"] and fit.n_events == case["nevent"]


def test_the_immortal_time_biased_model_differs():
    ever = (~np.isnan(P["day"]) & (P["day"] < P["time"])).astype(int)
    naive = cox_ph({"t": P["time"], "e": P["event"], "ever": ever, "age": P["age"]},
                   time="t", event="e", covariates=["ever", "age"])
    np.testing.assert_allclose(naive.coef, REF["naive"]["coef"], rtol=1e-8)
    correct = REF["cox"][0]["coef"][0]
    assert naive.coef[0] < correct - 0.5  # the biased HR looks far more protective


def test_split_by_hand():
    r = split_at_exposure([10, 8, 5, 12, 6, 9, 4], [1, 0, 1, 1, 0, 1, 1],
                          [3, 8, 0, -2, 6, 12, np.nan], id=list("abcdefg"))
    # as R: a (0,3] 0 / (3,10] 1 event; b day 8 = end: unexposed; c, d exposed from 0;
    # e day 6 = end: unexposed; f after the end; g never
    assert r.id.tolist() == list("aabcdefg")
    assert r.start.tolist() == [0, 3, 0, 0, 0, 0, 0, 0]
    assert r.stop.tolist() == [3, 10, 8, 5, 12, 6, 9, 4]
    assert r.event.tolist() == [0, 1, 0, 1, 1, 0, 1, 1]
    assert r.exposed.tolist() == [0, 1, 0, 1, 1, 0, 0, 0]
    assert (r.n_split, r.n_exposed_at_zero, r.n_never) == (1, 2, 4)
    assert r.index.tolist() == [0, 0, 1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("args, match", [
    (([0, 5], [1, 0], [1, 2]), "time must be > 0"),
    (([3, 5], [1, 0], [1, np.inf]), "exposure_day must be finite or NaN"),
    (([3, 5], [1, 0], [1]), "exposure_day has 1 values"),
    (([3, 5], [1, 2], [1, 2]), "event must be 0"),
])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        split_at_exposure(*args)
