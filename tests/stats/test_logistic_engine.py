"""The logistic engine's fast paths against their reference implementations.

Cholesky normal equations (:func:`_wls`) against R's QR route (:func:`_wls_qr`), and the
blocked tall-skinny rank against ``np.linalg.matrix_rank``, on generated data (not a study).
"""

from __future__ import annotations

import numpy as np
import pytest

from retrostudy.stats import _logistic, logistic_regression


def test_cholesky_step_equals_qr_step():
    rng = np.random.default_rng(7)
    n = 5000
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 4)), rng.integers(0, 2, n)])
    z, wt = rng.normal(size=n), rng.uniform(0.05, 0.25, n)
    coef, vcov = _logistic._wls(x, z, wt)
    coef_qr, vcov_qr = _logistic._wls_qr(x, z, wt)
    np.testing.assert_allclose(coef, coef_qr, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(vcov, vcov_qr, rtol=1e-11, atol=1e-15)
    # the textbook solution, independently
    np.testing.assert_allclose(coef, np.linalg.solve(x.T @ (x * wt[:, None]), x.T @ (wt * z)),
                               rtol=1e-10)


def test_irls_matches_all_qr_iterations():
    """The reported fit (Cholesky iterations, QR last step) equals all-QR IRLS to rounding."""
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ [0.5, -0.3, 0.8])))).astype(float)
    fit = logistic_regression(x, y)
    saved = _logistic._wls
    try:
        _logistic._wls = _logistic._wls_qr
        ref = logistic_regression(x, y)
    finally:
        _logistic._wls = saved
    assert fit.iterations == ref.iterations
    np.testing.assert_allclose(fit.coef, ref.coef, rtol=1e-13)
    np.testing.assert_allclose(fit.vcov, ref.vcov, rtol=1e-12)


@pytest.mark.parametrize("case", ["full", "collinear", "near"])
def test_blocked_rank_equals_matrix_rank(case):
    rng = np.random.default_rng(3)
    n = 5 * (1 << 15) + 123  # above the blocked threshold, with a partial last block
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 3))])
    if case == "collinear":
        x = np.column_stack([x, x[:, 1] - 2 * x[:, 2]])
    elif case == "near":
        x = np.column_stack([x, x[:, 1] + 1e-9 * rng.normal(size=n)])
    assert _logistic.design_rank(x) == np.linalg.matrix_rank(x)
