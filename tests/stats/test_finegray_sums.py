"""The Fine-Gray risk-set sums (``finegray._sums``) are bit-identical to the straightforward
(n, 1 + p + p^2) cumulative sums they replace.

``_sums`` lays the terms out as rows, accumulates S2 on the upper triangle only and mirrors
it; every entry is still the same products added in the same row order, so the results must
be equal to the last bit, not merely close. Random data (not any example study): tied day
times, censoring, a competing cause, continuous and binary covariates, p = 1 to 6.
"""

from __future__ import annotations

import numpy as np
import pytest

from retrostudy.stats import finegray as fg


def _sums_reference(d, beta, second=True):
    """The (n, terms) layout with every p x p product, as the model was first written."""
    eta = d.x @ beta
    r = np.exp(eta)
    comp = np.where(d.m == 2, r / d.g_minus, 0.0)
    n, p = d.x.shape
    cols = [np.ones((n, 1)), d.x]
    if second:
        cols.append((d.x[:, :, None] * d.x[:, None, :]).reshape(n, p * p))
    z = np.concatenate(cols, axis=1)
    suffix = np.concatenate((np.cumsum((r[:, None] * z)[::-1], axis=0)[::-1],
                             np.zeros((1, z.shape[1]))))
    prefix = np.concatenate((np.zeros((1, z.shape[1])), np.cumsum(comp[:, None] * z, axis=0)))
    s = suffix[d.start] + d.gk[:, None] * prefix[d.start]
    s0, s1 = s[:, 0], s[:, 1:1 + p]
    s2 = s[:, 1 + p:].reshape(-1, p, p) if second else None
    return eta, r, s0, s1, s2


@pytest.mark.parametrize("seed,n,p", [(1, 40, 1), (2, 300, 3), (3, 2000, 6), (4, 7, 2)])
def test_sums_equal_the_straightforward_sums_bit_for_bit(seed, n, p):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, max(3, n // 5), n).astype(float)  # many ties, some on day 0
    m = rng.choice([0, 1, 2], size=n, p=[0.3, 0.4, 0.3])
    m[0] = 1  # at least one failure of the cause
    x = rng.normal(size=(n, p))
    x[:, 0] = rng.integers(0, 2, n)  # a binary column
    d = fg._prepare(t, m, x)
    beta = rng.normal(scale=0.5, size=p)
    for second in (True, False):
        got, want = fg._sums(d, beta, second), _sums_reference(d, beta, second)
        for a, b in zip(got, want, strict=True):
            if b is None:
                assert a is None
            else:
                assert a.shape == b.shape and a.dtype == b.dtype
                assert np.array_equal(a, b)
                assert a.strides == b.strides  # reductions over them sum in the same order


def test_the_fit_equals_the_straightforward_fit_bit_for_bit(monkeypatch):
    """The whole model (coefficients, information, sandwich variance) on random data with
    seven covariates: equal to the last bit with the straightforward sums."""
    rng = np.random.default_rng(11)
    n, p = 3000, 7
    t = rng.integers(1, 400, n).astype(float)
    status = rng.choice([0, 1, 2], size=n, p=[0.35, 0.4, 0.25])
    x = {f"x{j}": rng.normal(size=n) for j in range(p)}
    x["x0"] = rng.integers(0, 2, n) * 1.0
    got = fg.fine_gray(t, status, x, cause=1)
    monkeypatch.setattr(fg, "_sums", _sums_reference)
    want = fg.fine_gray(t, status, x, cause=1)
    for name in ("coef", "var", "naive_var", "loglik"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
