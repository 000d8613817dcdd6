"""The compiled counting kernel (``stats/_km_kernel.py``) and the numpy path give the same
tables, curves and tests, exactly: integer counts are equal and every float derived from
them is computed by the same code. Each test runs the same call twice, once with
``KERNEL_MIN_ROWS`` set so that everything goes to the kernel and once so that nothing
does, on random data that is not a study (several groups, ties, censoring at event
times, a group without events, a single record, sorted and unsorted days, strata) and on
the R parity datasets (whose numpy results tests/stats/test_*_reference.py check against
R)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import _km_core, _km_kernel, kaplan_meier, logrank_test, survival_table
from retrostudy.stats._km_core import count_table

NUMPY, KERNEL = 10**18, 0
CURVE = ("time", "n_at_risk", "n_events", "n_censored", "survival", "std_err", "conf_low",
         "conf_high")
TEST = ("groups", "n", "observed", "expected", "variance", "statistic", "p_value", "df")
TABLE = ("time", "censored", "events", "censored_w2", "events_w2", "risk")
REF = json.loads((Path(__file__).parents[1] / "reference" / "km_logrank.json").read_text())


def both(monkeypatch, call):
    """``call()`` on the numpy path, then on the kernel (which must have been used)."""
    monkeypatch.setattr(_km_core, "KERNEL_MIN_ROWS", NUMPY)
    with monkeypatch.context() as m:  # the numpy path never reaches the kernel
        m.setattr(_km_core, "count_days", _refuse)
        ref = call()
    used = []

    def spy(*args):
        used.append(True)
        return _km_kernel.count_days(*args)

    monkeypatch.setattr(_km_core, "KERNEL_MIN_ROWS", KERNEL)
    monkeypatch.setattr(_km_core, "count_days", spy)
    out = call()
    monkeypatch.setattr(_km_core, "count_days", _km_kernel.count_days)
    return ref, out, bool(used)


def _refuse(*args):
    raise AssertionError("the kernel was called")


def same(a, b, fields):
    for f in fields:
        x, y = getattr(a, f), getattr(b, f)
        if x is None or y is None:
            assert x is None and y is None, f
            continue
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape, f
        np.testing.assert_array_equal(x, y, err_msg=f)


def days(n=5000, k=3, seed=3, dtype=np.int64):
    """Heavy ties (a few hundred distinct days), ~40 % censored, ``k`` groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, n)
    t = np.ceil(rng.exponential(60.0 * (1 + 0.5 * group)))
    c = np.ceil(rng.exponential(90.0, n))
    return (np.minimum(t, c).astype(dtype), (t <= c).astype(np.int8), group)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16, np.float64])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_count_tables_are_identical(monkeypatch, dtype, k):
    t, e, g = days(k=k, dtype=dtype)
    e[::7] = 1  # censored and events on the same days
    e[1::7] = 0
    cell = None if k == 1 else g
    for squares in (False, True):
        ref, out, used = both(monkeypatch, lambda s=squares: count_table(
            t, e, cell=cell, k=k, squares=s))
        assert used
        same(ref, out, TABLE)
        assert out.events.dtype == np.int64 and out.events.flags.f_contiguous


def test_curves_and_tests_are_identical(monkeypatch):
    t, e, g = days(k=4)
    e[g == 2] = 0  # a group without events
    labels = np.array(["d", "b", "c", "a"], dtype=object)[g]
    strata = (np.arange(t.shape[0]) % 3).astype(np.int64)

    def run():
        tab = survival_table(t, e, labels)
        return ([tab.kaplan_meier(), *(tab.kaplan_meier(x) for x in "abcd")],
                [tab.logrank(), tab.logrank(rho=1.0)],
                [kaplan_meier(t, e, conf_type="log-log"), kaplan_meier(t, e, robust=True)],
                [logrank_test(t, e, labels), logrank_test(t, e, g, strata=strata, rho=0.5)])

    ref, out, used = both(monkeypatch, run)
    assert used
    for r, o in zip(ref[0] + ref[2], out[0] + out[2], strict=True):
        same(r, o, CURVE)
    for r, o in zip(ref[1] + ref[3], out[1] + out[3], strict=True):
        same(r, o, TEST)


def test_a_single_record_and_all_censored(monkeypatch):
    for t, e in (([0], [1]), ([7], [0]), ([3, 3, 3], [0, 0, 0])):
        ref, out, used = both(monkeypatch, lambda t=t, e=e: kaplan_meier(
            np.array(t, np.int64), np.array(e, np.int8)))
        assert used
        same(ref, out, CURVE)


def test_days_beyond_the_guessed_table_are_counted_again(monkeypatch):
    """The table size is guessed from the first block of rows: sorted days (and one late
    large day) exceed it, and the kernel counts again with the exact size."""
    t, e, g = days(n=200_000, k=2)
    order = np.argsort(t, kind="stable")
    t, e, g = 20 * t[order], e[order], g[order]  # days to 20-day units: up to ~30,000
    assert t[: _km_core._BLOCK].max() < _km_core._BINCOUNT_MIN < t.max()  # beyond the guess
    t[-1] = 3 * int(t.max())
    ref, out, used = both(monkeypatch, lambda: count_table(t, e, cell=g, k=2))
    assert used and out.time[-1] == t[-1]
    same(ref, out, TABLE)


def test_days_too_large_for_counting_go_to_the_sorted_path(monkeypatch):
    t, e, g = days(n=100_000, k=2)
    t[90_000] = 10**9  # beyond 4 n + 4096, after the first block: sorted, not counted
    ref, out, used = both(monkeypatch, lambda: logrank_test(t, e, g))
    assert used
    same(ref, out, TEST)


@pytest.mark.parametrize("where", [0, 70_000, 199_999])
def test_a_negative_day_is_refused_with_the_shared_message(monkeypatch, where):
    """Anywhere: in the block that sizes the table, after it, after a too-large day."""
    t, e, g = days(n=200_000, k=2)
    t[where] = -3
    if where:
        t[where // 2] = 10**9
    for path in (NUMPY, KERNEL):
        monkeypatch.setattr(_km_core, "KERNEL_MIN_ROWS", path)
        with pytest.raises(ValueError, match=f"time must be >= 0; position {where} is -3"):
            logrank_test(t, e, g)


def test_weighted_counts_stay_on_the_numpy_path(monkeypatch):
    t, e, _ = days()
    w = np.random.default_rng(5).uniform(0.2, 3.0, t.shape[0])
    ref, out, used = both(monkeypatch, lambda: kaplan_meier(t, e, weights=w))
    assert not used
    same(ref, out, CURVE)


@pytest.mark.parametrize("case", REF["logrank"], ids=[c["name"] for c in REF["logrank"]])
def test_r_parity_logrank_cases_are_identical(monkeypatch, case):
    data = {k: _column(v) for k, v in REF["data"][case["data"]].items()}
    keep = np.ones(data["time"].shape[0], dtype=bool)
    for col in filter(None, (case["group"], case.get("strata"))):
        if data[col].dtype.kind == "f":
            keep &= ~np.isnan(data[col])  # R's NA
    time, event, group = data["time"][keep], data["event"][keep], data[case["group"]][keep]
    strata = data[case["strata"]][keep] if case.get("strata") else None
    kinds = [time] + ([time.astype(np.int64)] if (time == np.floor(time)).all() else [])
    for t in kinds:  # float days (the lung, veteran, ... times) and integer days
        ref, out, used = both(monkeypatch, lambda t=t: logrank_test(
            t, event, group, strata=strata, rho=case["rho"]))
        assert used or case["data"] == "neartie"  # near-equal times are not days
        same(ref, out, TEST)


def _column(values) -> np.ndarray:
    if any(isinstance(v, str) for v in values):
        return np.array(values, dtype=str)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def test_timefix_day_limit():
    """Days up to ``_TIMEFIX_DAYS`` cannot merge under timefix; the next one could."""
    tol, top = _km_core.TIMEFIX_TOLERANCE, _km_core._TIMEFIX_DAYS
    assert top * tol < 1 <= (top + 1) * tol


def test_importing_stats_and_small_studies_do_not_import_numba():
    code = ("import sys, numpy as np; from retrostudy.stats import survival_table; "
            "t = np.arange(1000) % 97; tab = survival_table(t, t % 2, t % 3); "
            "tab.kaplan_meier(); tab.logrank(); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
