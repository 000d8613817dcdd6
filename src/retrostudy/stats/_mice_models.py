"""The three imputation draws of :mod:`.mice` (formulas in its docstring)."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from . import _logistic

_RIDGE = 1e-5  # pmm's ridge on diag(X'X), as mice's default
_POLY_RIDGE = 1e-4


def draw_pmm(x_obs, y_obs, x_mis, rng: np.random.Generator, *, donors: int = 5) -> np.ndarray:
    """Predictive mean matching: a Bayesian linear-regression draw, then random donors."""
    xtx = x_obs.T @ x_obs
    v = np.linalg.inv(xtx + np.diag(_RIDGE * np.diag(xtx)))
    v = (v + v.T) / 2
    beta_hat = v @ (x_obs.T @ y_obs)
    resid = y_obs - x_obs @ beta_hat
    df = max(y_obs.size - x_obs.shape[1], 1)
    sigma = np.sqrt(resid @ resid / rng.chisquare(df))
    beta_star = beta_hat + sigma * (np.linalg.cholesky(v) @ rng.standard_normal(beta_hat.size))
    yhat_obs = x_obs @ beta_hat
    yhat_mis = x_mis @ beta_star
    d = min(donors, y_obs.size)
    order = np.argsort(yhat_obs, kind="stable")
    sorted_hat = yhat_obs[order]
    out = np.empty(x_mis.shape[0])
    for i, target in enumerate(yhat_mis):
        # the d closest observed predictions lie in a window of 2d around the insertion point
        pos = int(np.searchsorted(sorted_hat, target))
        lo, hi = max(pos - d, 0), min(pos + d, sorted_hat.size)
        cand = np.arange(lo, hi)
        near = cand[np.argsort(np.abs(sorted_hat[cand] - target), kind="stable")[:d]]
        out[i] = y_obs[order[rng.choice(near)]]
    return out


def _mvn(mean: np.ndarray, cov: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cov = (cov + cov.T) / 2
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, q = np.linalg.eigh(cov)
        chol = q * np.sqrt(np.clip(w, 0, None))
    return mean + chol @ rng.standard_normal(mean.size)


def draw_logreg(x_obs, y_obs, x_mis, rng: np.random.Generator) -> np.ndarray:
    """Logistic regression draw (Firth's fit when the observed rows are separated)."""
    w = np.ones(y_obs.size)
    coef, vcov, mu, _, _, conv = _logistic.irls(x_obs, y_obs, w)
    if _logistic.looks_separated(mu, conv) and (
            _logistic.separation_direction(x_obs, y_obs) is not None):
        coef, vcov, *_ = _logistic.firth(x_obs, y_obs, w)
    beta = _mvn(coef, vcov, rng)
    p = _logistic.linkinv(x_mis @ beta)
    return (rng.random(p.size) < p).astype(float)


def _multinom(x, y, k: int):
    """Multinomial logit (level 0 the reference) by Newton-Raphson with a small ridge.

    Returns the coefficients, shape (p, k-1), and their covariance (p(k-1) square, columns
    stacked level by level).
    """
    n, p = x.shape
    yk = np.zeros((n, k))
    yk[np.arange(n), y] = 1.0
    b = np.zeros((p, k - 1))
    pen = np.full(p, _POLY_RIDGE)
    pen[0] = 0.0
    pen = np.tile(pen, k - 1)
    for _ in range(50):
        eta = np.column_stack([np.zeros(n), x @ b])
        pr = np.exp(eta - eta.max(axis=1, keepdims=True))
        pr /= pr.sum(axis=1, keepdims=True)
        grad = (x.T @ (yk[:, 1:] - pr[:, 1:])).T.ravel() - pen * b.T.ravel()
        hess = np.empty((p * (k - 1), p * (k - 1)))
        for a in range(k - 1):
            for c in range(k - 1):
                wac = pr[:, a + 1] * ((a == c) - pr[:, c + 1])
                hess[a * p:(a + 1) * p, c * p:(c + 1) * p] = x.T @ (x * wac[:, None])
        hess += np.diag(pen)
        step = linalg.solve(hess, grad, assume_a="pos")
        b = b + step.reshape(k - 1, p).T
        if np.abs(step).max() < 1e-8:
            break
    return b, np.linalg.inv(hess)


def draw_polyreg(x_obs, y_obs, k: int, x_mis, rng: np.random.Generator) -> np.ndarray:
    """Multinomial logistic regression draw of level codes 0..k-1."""
    b, cov = _multinom(x_obs, y_obs, k)
    p = x_obs.shape[1]
    bs = _mvn(b.T.ravel(), cov, rng).reshape(k - 1, p).T
    eta = np.column_stack([np.zeros(x_mis.shape[0]), x_mis @ bs])
    pr = np.exp(eta - eta.max(axis=1, keepdims=True))
    pr /= pr.sum(axis=1, keepdims=True)
    u = rng.random(x_mis.shape[0])[:, None]
    return np.minimum((u > np.cumsum(pr, axis=1)).sum(axis=1), k - 1).astype(float)
