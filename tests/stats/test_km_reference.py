"""Kaplan–Meier against R survival 3.5-3 (tier 2: external oracle).

The reference values are in ``tests/reference/km_logrank.json``, written by
``tests/reference/km_logrank.R`` together with the datasets it used (lung, veteran,
ovarian and a tiny tied dataset, with generated case weights). To regenerate them (needs R
with survival and jsonlite; CI never runs R)::

    Rscript tests/reference/km_logrank.R

Closed forms are compared at rtol 1e-10; R's NA/NaN/Inf are stored as null and must be
NaN here.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import kaplan_meier

REF = json.loads((Path(__file__).parents[1] / "reference" / "km_logrank.json").read_text())
RTOL = 1e-10


def column(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def case_data(case):
    data = {k: column(v) for k, v in REF["data"][case["data"]].items() if k != "celltype"}
    keep = np.ones(data["time"].shape[0], dtype=bool)
    if case.get("filter"):
        keep = data[case["filter"]["col"]] == case["filter"]["value"]
    weights = data[case["weights"]][keep] if case.get("weights") else None
    return data["time"][keep], data["event"][keep], weights


def fit(case):
    time, event, weights = case_data(case)
    return kaplan_meier(
        time,
        event,
        weights=weights,
        conf_type=case["conf_type"],
        conf_level=case["conf_level"],
        robust=case.get("robust"),
    )


CASES = REF["kaplan_meier"]
IDS = [c["name"] for c in CASES]


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, float), column(expected), rtol=RTOL, atol=0)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_curve_matches_survfit(case):
    km = fit(case)
    for field, expected in case["fit"].items():
        close(getattr(km, field), np.atleast_1d(expected))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_quantiles_match_quantile_survfit(case):
    km = fit(case)
    ref = case["quantile"]
    for i, p in enumerate(ref["p"]):
        q = km.quantile(p)
        close(
            [q.estimate, q.conf_low, q.conf_high],
            [ref["estimate"][i], ref["conf_low"][i], ref["conf_high"][i]],
        )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_at_matches_summary_times(case):
    ref = case["at"]
    at = fit(case).at(ref["times"])
    for field in ("survival", "std_err", "conf_low", "conf_high", "n_at_risk"):
        close(getattr(at, field), ref[field])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rmst_matches_print_rmean(case):
    km = fit(case)
    ref = case["rmst"]
    for tau, est, se in zip(ref["tau"], ref["estimate"], ref["std_err"], strict=True):
        r = km.rmst(tau)
        close([r.estimate, r.std_err], [est, se])


def test_documented_r_facts():
    """Numbers quoted in docs/statistics.md and docs/sources.md."""
    by_name = {c["name"]: c for c in CASES}
    veteran = fit(by_name["veteran trt 2 log"])
    assert veteran.median().estimate == 52.5
    lung1 = fit(by_name["lung sex 1 log"]).median()
    assert (lung1.estimate, lung1.conf_low, lung1.conf_high) == (270, 212, 310)
    lung1_ll = fit(by_name["lung sex 1 log-log"]).median()
    assert (lung1_ll.conf_low, lung1_ll.conf_high) == (210, 306)


def test_integer_weights_reproduce_expanded_data():
    case = next(c for c in CASES if c["name"] == "lung w_int log")
    time, event, weights = case_data(case)
    reps = weights.astype(int)
    weighted = fit(case)
    expanded = kaplan_meier(np.repeat(time, reps), np.repeat(event, reps))
    for field in ("time", "n_at_risk", "n_events", "survival", "std_err", "conf_low", "conf_high"):
        np.testing.assert_allclose(getattr(weighted, field), getattr(expanded, field), rtol=RTOL)
    assert weighted.variance == "greenwood"
