"""RMST difference and cumulative incidence of each adjusted-comparison method against R.

Reference: ``tests/reference/adjusted_curves.R`` -> ``adjusted_curves.json`` on
``adjusted_curves.csv`` (220 simulated patients with a confounded group; not the T-DM1
example): crude RMST with R's ``se(rmean)``; IPTW (stabilised ATE, trimmed) and matched RMST
with the infinitesimal-jackknife variance integrated from ``survfit(influence = TRUE)``
(clustered on matched sets for matching); Aalen–Johansen cumulative incidence per method.
JSON vectors are (treated, reference).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from secondary_data import make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.analysis.adjusted_curves import rmst_comparison

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "adjusted_curves.json").read_text())


def _data() -> pd.DataFrame:
    d = pd.read_csv(REF_DIR / "adjusted_curves.csv")
    d["visceral"] = d["visceral"].astype(bool)
    return d


def _protocol(**adjusted):
    return make_protocol({
        "survival": [{"endpoint": "pfs", "landmarks": [6, 12]}],
        "adjusted": {"covariates": ["age", "visceral", "ecog"], "methods": ["iptw", "matching"],
                     "trim": [0.1, 0.8], "caliper": 0.2, **adjusted},
        "competing": {"endpoint": "pfs", "deaths_from": "pfs_standard", "landmarks": [6, 12]},
    })


@pytest.fixture(scope="module")
def result():
    return run_analyses(_protocol(), _data()).adjusted


@pytest.mark.parametrize("method", ["crude", "iptw", "matching"])
def test_rmst_difference_matches_r(result, method):
    rm = result.comparison("pfs", method).rmst
    ref = REF[method]
    assert rm.tau == pytest.approx(REF["tau_months"], rel=1e-14)
    assert rm.variance == {"crude": "greenwood", "iptw": "robust",
                           "matching": "robust_cluster"}[method]
    got = [rm.rmst["A"][0], rm.rmst["B"][0]]
    np.testing.assert_allclose(got, ref["rmst"], rtol=1e-12)
    np.testing.assert_allclose([rm.rmst["A"][1], rm.rmst["B"][1]], ref["se"], rtol=1e-10)
    assert rm.difference == pytest.approx(ref["difference"], rel=1e-12)
    assert rm.std_err == pytest.approx(ref["difference_se"], rel=1e-10)
    z = 1.959963984540054
    assert rm.conf_low == pytest.approx(rm.difference - z * rm.std_err, rel=1e-12)


def test_trimmed_and_matched_counts_match_r(result):
    s = result.samples.by_method
    assert [s["iptw"]["A"].trimmed, s["iptw"]["B"].trimmed] == REF["trimmed"]
    assert s["matching"]["A"].n_used + s["matching"]["B"].n_used == REF["n_matched"]
    assert s["unadjusted"]["A"].trimmed is None


@pytest.mark.parametrize("method", ["crude", "iptw", "matching"])
def test_cumulative_incidence_matches_r(result, method):
    cif = result.comparison("pfs", method).cumulative_incidence
    assert cif.weighted == (method != "crude")
    for g, key in (("A", "treated"), ("B", "reference")):
        ref = REF[f"cif_{method}"][key]
        rows = cif.groups[g].landmarks
        for cause, name in (("progression", "progression"),
                            ("death_without_progression", "death")):
            mine = [r for r in rows if r.cause == cause]
            np.testing.assert_allclose([r.incidence for r in mine], ref[name], rtol=1e-12)
            np.testing.assert_allclose([r.conf_low for r in mine], ref[f"{name}_low"],
                                       rtol=1e-9)
            np.testing.assert_allclose([r.conf_high for r in mine], ref[f"{name}_high"],
                                       rtol=1e-9)


def test_crude_cumulative_incidence_is_the_competing_sections():
    run = run_analyses(_protocol(), _data())
    mine = run.adjusted.comparison("pfs", "crude").cumulative_incidence.groups
    theirs = run.to_json()["competing_risks"]["cumulative_incidence"]["groups"]
    for g in ("A", "B"):
        np.testing.assert_allclose([r.incidence for r in mine[g].landmarks],
                                   [r["incidence"] for r in theirs[g]["landmarks"]], rtol=1e-14)


def test_robust_rmst_variance_is_the_numerical_derivative():
    """An independent check of the influences: the IJ variance from finite differences of
    the RMST in each patient's weight."""
    rng = np.random.default_rng(5)
    n = 60
    t = np.ceil(rng.exponential(200, n))
    e = (rng.random(n) < 0.7).astype(int)
    g = np.where(rng.random(n) < 0.5, "A", "B").astype(object)
    w = rng.uniform(0.3, 3, n)
    pairs = np.arange(n) // 2
    tau = float(min(t[g == "A"].max(), t[g == "B"].max()) * 0.8)
    res = rmst_comparison(t, e, g, ("A", "B"), w, pairs, tau=tau, rule="", per=1.0,
                          conf_level=0.95)

    def diff(ww):
        return rmst_comparison(t, e, g, ("A", "B"), ww, None, tau=tau, rule="", per=1.0,
                               conf_level=0.95).difference

    h = 1e-6
    u = np.array([(diff(w + h * np.eye(n)[i]) - diff(w - h * np.eye(n)[i])) / (2 * h) * w[i]
                  for i in range(n)])
    assert res.std_err == pytest.approx(np.sqrt(np.sum(np.bincount(pairs, u) ** 2)), rel=1e-6)
