"""The Cox engine's single sort (stats._cox_ties.sort_order) orders rows by stratum and
descending time on each of its paths: 16-bit radix keys for integer days, a packed uint64
sort for non-negative doubles, and the argsort fallback when packing could misorder times
that differ only in their lowest bits (ulp-apart times) or a negative zero is present."""

from __future__ import annotations

import numpy as np
import pytest

from retrostudy.stats._cox_ties import _packed_order, sort_order


def _check(time, strata):
    order = sort_order(time, strata)
    assert np.array_equal(np.sort(order), np.arange(time.size))  # a permutation
    s, t = strata[order], time[order]
    assert (np.diff(s) >= 0).all()
    same = s[1:] == s[:-1]
    assert (t[1:][same] <= t[:-1][same]).all()


@pytest.mark.parametrize("kind", ["days", "continuous", "ulp", "negzero"])
@pytest.mark.parametrize("nstrata", [1, 3])
def test_sort_order_is_stratum_then_descending_time(kind, nstrata):
    rng = np.random.default_rng(5)
    n = 5000
    time = rng.exponential(300.0, n)
    if kind == "days":
        time = np.ceil(time)
    elif kind == "ulp":  # pairs one ulp apart: equal in all but the packed index bits
        time[1::2] = np.nextafter(time[::2], -np.inf)  # the later row is smaller
    elif kind == "negzero":
        time[7] = -0.0
    strata = rng.integers(0, nstrata, n)
    _check(time, strata)


def test_packed_sort_repairs_ulp_apart_times_instead_of_falling_back():
    """Times one ulp apart come out of the packed sort in index order; the packed path
    repairs them with a stable sort of the nearly sorted times (at n = 1e6 continuous times
    a handful of such pairs is the rule, and the argsort fallback cost 1.5 sorts)."""
    rng = np.random.default_rng(8)
    time = rng.exponential(300.0, 4096)
    time[1::2] = np.nextafter(time[::2], -np.inf)
    order = _packed_order(time)
    assert order is not None
    assert np.array_equal(np.sort(order), np.arange(time.size))
    assert (np.diff(time[order]) <= 0).all()
