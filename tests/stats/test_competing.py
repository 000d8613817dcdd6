"""Cumulative incidence (Aalen–Johansen) against R survival 3.5-3's multi-state survfit.

Tiers 1–5. The reference values are in ``tests/reference/rmst_cif.json``, written by
``tests/reference/rmst_cif.R`` with the data it used: survival's ``mgus2`` (time to
plasma-cell malignancy, 1, or death before it, 2), its women at conf_level 0.9, a tiny
tied set ending on an event, and continuous times with near ties and three causes. For each,
``survfit(Surv(time, factor(status, 0:k)) ~ 1)``'s ``pstate``, ``std.err`` (infinitesimal
jackknife), ``lower``/``upper`` (``conf.type``, R's default for multi-state curves) and
``n.risk``. To regenerate (needs R with survival and jsonlite; CI never runs R)::

    Rscript tests/reference/rmst_cif.R

Closed forms at rtol 1e-10; R's NA is stored as null and must be NaN here. The variance is
also checked against an independent naive implementation: a weighted Aalen–Johansen loop
differentiated in each record's weight by the complex step (exact to rounding).
"""

import json
import re
from fractions import Fraction as Fr
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats import cumulative_incidence, kaplan_meier

with (Path(__file__).parents[1] / "reference" / "rmst_cif.json").open() as fh:
    REF = json.load(fh)
RTOL = 1e-10
CASES = REF["cif"]


def column(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def matrix(columns) -> np.ndarray:
    return np.column_stack([column(c) for c in columns])


def run(case):
    data = REF["data"][case["data"]]
    time, status = np.array(data["time"], dtype=float), np.array(data["status"])
    if case.get("filter"):
        keep = np.array(data[case["filter"]["col"]]) == case["filter"]["value"]
        time, status = time[keep], status[keep]
    return cumulative_incidence(time, status, causes=list(range(1, case["k"] + 1)),
                                conf_level=case["conf_level"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_multistate_survfit(case):
    res = run(case)
    assert case["conf_type"] == res.conf_type == "log"
    assert res.causes.tolist() == [int(s) for s in case["states"][1:]]
    np.testing.assert_array_equal(res.time, case["time"])
    np.testing.assert_array_equal(res.n_at_risk, case["n_at_risk"])
    np.testing.assert_allclose(res.event_free, case["event_free"], rtol=RTOL, atol=1e-15)
    for name in ("incidence", "std_err", "conf_low", "conf_high"):
        np.testing.assert_allclose(getattr(res, name), matrix(case[name]), rtol=RTOL,
                                   atol=1e-15, err_msg=name)


def test_by_hand():
    """Unsorted, ties between an event and a censoring; the last record fails (Y = d).

    t=1: Y 6, cause 1 -> F1 = 1/6, S = 5/6; t=2: Y 5, cause 2 and a censoring -> F2 = 1/6,
    S = 2/3; t=3: Y 3, cause 1 -> F1 = 1/6 + 2/9 = 7/18, S = 4/9; t=4: censored;
    t=5: Y 1, cause 2 -> F2 = 1/6 + 4/9 = 11/18, S = 0.
    """
    res = cumulative_incidence([3, 2, 5, 1, 4, 2], [1, 0, 2, 1, 0, 2])
    f1 = [Fr(1, 6), Fr(1, 6), Fr(7, 18), Fr(7, 18), Fr(7, 18)]
    f2 = [Fr(0), Fr(1, 6), Fr(1, 6), Fr(1, 6), Fr(11, 18)]
    np.testing.assert_allclose(res.incidence, np.array([f1, f2], dtype=float).T, rtol=1e-15)
    assert res.time.tolist() == [1, 2, 3, 4, 5]
    assert res.n_at_risk.tolist() == [6, 5, 3, 2, 1]
    assert res.n_events.tolist() == [[1, 0], [0, 1], [1, 0], [0, 0], [0, 1]]
    assert res.n_censored.tolist() == [0, 1, 0, 1, 0]
    np.testing.assert_allclose(res.event_free, [5 / 6, 2 / 3, 4 / 9, 4 / 9, 0], atol=1e-15)
    # At t=1 only the first jump: F1 = d/Y with IJ variance F1 (1 - F1) / Y.
    assert res.std_err[0, 0] ** 2 == pytest.approx(float(Fr(1, 6) * Fr(5, 6) / 6), rel=1e-14)
    assert np.isnan(res.conf_low[0, 1]) and np.isnan(res.conf_high[0, 1])  # F = 0: no limits


def naive_cif(time, status, w, k):
    """Weighted Aalen–Johansen by a loop over distinct times (complex weights allowed)."""
    s, out = 1.0 + 0j, []
    f = np.zeros(k, dtype=complex)
    for t in np.unique(time):
        at_risk = w[time >= t].sum()
        d = np.array([w[(time == t) & (status == c)].sum() for c in range(1, k + 1)])
        f = f + s * d / at_risk
        s = s * (1 - d.sum() / at_risk)
        out.append(f.copy())
    return np.array(out)


def test_variance_is_the_infinitesimal_jackknife():
    """Var = sum_i (dF/dw_i)^2, derivatives by the complex step on a seeded tied sample."""
    rng = np.random.default_rng(20261124)
    time = rng.integers(1, 15, 40).astype(float)
    status = rng.choice([0, 1, 2, 3], 40, p=[0.3, 0.3, 0.25, 0.15])
    res = cumulative_incidence(time, status, causes=[1, 2, 3])
    h = 1e-30
    var = np.zeros_like(res.incidence)
    for i in range(time.shape[0]):  # the naive reference: one pass per record
        w = np.ones(time.shape[0], dtype=complex)
        w[i] += 1j * h
        var += (naive_cif(time, status, w, 3).imag / h) ** 2
    np.testing.assert_allclose(res.incidence, naive_cif(time, status, np.ones(40), 3).real,
                               rtol=1e-13)
    np.testing.assert_allclose(res.std_err, np.sqrt(var), rtol=1e-10, atol=1e-15)


rows = st.lists(
    st.tuples(st.integers(0, 30) | st.floats(0, 50, allow_nan=False, allow_infinity=False),
              st.booleans()),
    min_size=1,
    max_size=50,
)


@settings(max_examples=150, deadline=None)
@given(rows)
def test_one_cause_is_one_minus_kaplan_meier(data):
    """With a single cause and no competing event, F(t) = 1 - S(t), SE(F) = SE(S)."""
    time = np.array([r[0] for r in data], dtype=float)
    event = np.array([r[1] for r in data], dtype=int)
    res = cumulative_incidence(time, event, causes=[1])
    km = kaplan_meier(time, event)
    np.testing.assert_array_equal(res.time, km.time)
    np.testing.assert_allclose(res.incidence[:, 0], 1 - km.survival, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.event_free, km.survival, rtol=1e-12, atol=1e-15)
    alive = km.survival > 0  # where S = 0 the IJ gives 0 and Greenwood NaN
    np.testing.assert_allclose(res.std_err[alive, 0], km.std_err[alive], rtol=1e-9, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3)), min_size=1, max_size=40),
       st.randoms(use_true_random=False))
def test_states_sum_to_one_and_row_order_is_irrelevant(data, rnd):
    time = np.array([r[0] for r in data], dtype=float)
    status = np.array([r[1] for r in data])
    res = cumulative_incidence(time, status, causes=[1, 2, 3])
    np.testing.assert_allclose(res.event_free + res.incidence.sum(axis=1), 1.0, atol=1e-13)
    assert (np.diff(res.incidence, axis=0) >= -1e-15).all()
    order = list(range(len(data)))
    rnd.shuffle(order)
    again = cumulative_incidence(time[order], status[order], causes=[1, 2, 3])
    np.testing.assert_allclose(again.incidence, res.incidence, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(again.std_err, res.std_err, rtol=1e-10, atol=1e-15)


def test_cause_without_events_gets_a_zero_column():
    res = cumulative_incidence([1, 2, 3], [1, 0, 3], causes=[1, 2, 3])
    assert res.causes.tolist() == [1, 2, 3]
    assert res.incidence[:, 1].tolist() == [0, 0, 0]
    assert cumulative_incidence([1, 2, 3], [3, 0, 1]).causes.tolist() == [1, 3]


T = [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": [1, -1, 0, 2]},
         "status must be 0 (censored) or a positive integer cause code; position 1 is -1.0"),
        ({"status": [1, 1.5, 0, 2]},
         "status must be 0 (censored) or a positive integer cause code; position 1 is 1.5"),
        ({"status": [1, np.nan, 0, 2]},
         "status must be 0 (censored) or a positive integer cause code; position 1 is nan"),
        ({"status": [1, 0, 2]}, "status has 3 values but time has 4; lengths must match"),
        ({"status": ["a", "b", "c", "d"]}, "status must be numeric, got values of type <U1"),
        ({"status": [0, 0, 0, 0]},
         "status has no events (all 0); there is no incidence to estimate"),
        ({"causes": [1]}, "status has cause code(s) [2] not listed in causes [1]"),
        ({"causes": [1, 1, 2]}, "causes must be distinct positive integers, got [1, 1, 2]"),
        ({"causes": [0, 1, 2]}, "causes must be distinct positive integers, got [0, 1, 2]"),
        ({"causes": []}, "causes must be a non-empty list of positive integers, got []"),
        ({"causes": ["1", "2"]},
         "causes must be a non-empty list of positive integers, got ['1', '2']"),
        ({"time": [1, -2, 3, 4]}, "time must be >= 0; position 1 is -2.0"),
        ({"time": [1, np.inf, 3, 4]},
         "time has 1 missing or infinite value(s) (first at position 1: inf)"),
        ({"conf_level": 1.0}, "conf_level must be between 0 and 1, got 1.0"),
    ],
)
def test_bad_input(kwargs, message):
    args = {"time": T, "status": [1, 2, 0, 2], **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        cumulative_incidence(**args)
