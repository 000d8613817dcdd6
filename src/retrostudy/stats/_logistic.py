r"""Logistic regression for propensity scores: R ``glm(family=binomial)`` and Firth's remedy.

Maximum likelihood follows R's ``glm.fit`` step by step so that coefficients, standard errors
and the iteration count agree with R to rounding: start from
``mu = (w y + 1/2) / (w + 1)``, iteratively reweighted least squares with working response
``z = eta + (y - mu) / mu'`` and weights ``W = w mu (1 - mu)``, R's clamped inverse logit
(``eta`` outside [-30, 30] gives ``mu`` = eps or 1 - eps), step halving on a non-finite
deviance, and convergence when ``|dev - dev_old| / (|dev| + 0.1) < 1e-8`` (at most 25
iterations). As R's ``summary.glm``, the variance is ``(X' W X)^-1`` with the weights of the
last least-squares step.

Firth's penalised likelihood (Firth 1993; Heinze & Schemper 2002, R ``logistf``) maximises
``l*(b) = l(b) + 1/2 log det(X' W X)`` with the modified score
``U*(b) = X' (w (y - p) + h (1/2 - p))``, ``h`` the diagonal of the hat matrix
``W^1/2 X (X' W X)^-1 X' W^1/2``, by Fisher scoring with step halving (steps capped at 5, as
``logistf``'s ``maxstep``) until ``max |U*| < 1e-10``. Its variance is ``(X' W X)^-1`` at the
estimate (Wald); estimates are finite under separation.

(Quasi-)complete separation (Albert & Anderson 1984), the case where maximum likelihood
estimates do not exist, is detected exactly with the linear program of Konis (2007): with
``s_i = 2 y_i - 1`` and standardised columns, maximise ``sum_i s_i x_i' b`` subject to
``s_i x_i' b >= 0`` and ``-1 <= b_j <= 1``; a positive optimum is a separating direction.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from . import _checks

_EPS = np.finfo(float).eps
_THRESH = 30.0
_LP_CELLS = 2_000_000  # above n * p this, the LP runs only when the ML fit looks separated


def linkinv(eta: np.ndarray) -> np.ndarray:
    """R's ``binomial()$linkinv``: ``exp(eta)`` clamped to [eps, 1/eps], then ``x/(1+x)``."""
    x = np.where(eta < -_THRESH, _EPS, np.where(eta > _THRESH, 1 / _EPS, np.exp(
        np.clip(eta, -_THRESH, _THRESH))))
    return x / (1 + x)


def mu_eta(eta: np.ndarray) -> np.ndarray:
    """R's ``binomial()$mu.eta``: ``exp(eta)/(1+exp(eta))^2``, eps outside [-30, 30]."""
    e = np.exp(np.clip(eta, -_THRESH, _THRESH))
    return np.where(np.abs(eta) > _THRESH, _EPS, e / (1 + e) ** 2)


def deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """Binomial deviance ``2 sum w (y log(y/mu) + (1-y) log((1-y)/(1-mu)))`` for 0/1 y."""
    return float(-2 * np.sum(w * np.where(y > 0, np.log(mu), np.log1p(-mu))))


def _wls(x: np.ndarray, z: np.ndarray, wt: np.ndarray):
    """Weighted least squares by Householder QR of ``sqrt(wt) [X | z]`` (R only, so Q is
    never formed: the last column of R holds ``Q' z``); returns (coef, (R'R)^-1)."""
    sw = np.sqrt(wt)
    p = x.shape[1]
    # numpy's stubs type every mode as returning (Q, R); mode="r" returns R alone
    r_aug: np.ndarray = np.linalg.qr(  # type: ignore[assignment]
        np.column_stack([x * sw[:, None], z * sw]), mode="r")
    r = r_aug[:p, :p]
    coef = linalg.solve_triangular(r, r_aug[:p, p])
    rinv = linalg.solve_triangular(r, np.eye(p))
    return coef, rinv @ rinv.T


def irls(x, y, w, *, maxit: int = 25, epsilon: float = 1e-8):
    """R's ``glm.fit`` for the logit link. Returns (coef, vcov, mu, dev, iterations, converged)."""
    mu = (w * y + 0.5) / (w + 1)
    eta = np.log(mu / (1 - mu))
    dev_old = deviance(y, mu, w)
    coef_old = None
    for it in range(1, maxit + 1):
        d = mu_eta(eta)
        z = eta + (y - mu) / d
        wt = w * d**2 / (mu * (1 - mu))
        coef, vcov = _wls(x, z, wt)
        eta = x @ coef
        mu = linkinv(eta)
        dev = deviance(y, mu, w)
        halvings = 0
        while not np.isfinite(dev) and coef_old is not None and halvings < maxit:
            coef = (coef + coef_old) / 2
            eta = x @ coef
            mu = linkinv(eta)
            dev = deviance(y, mu, w)
            halvings += 1
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            return coef, vcov, mu, dev, it, True
        dev_old, coef_old = dev, coef
    return coef, vcov, mu, dev, maxit, False


def _firth_state(x, y, w, b):
    eta = x @ b
    p = 1 / (1 + np.exp(-eta))
    wt = w * p * (1 - p)
    info = x.T @ (x * wt[:, None])
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0:
        return -np.inf, None, None, p
    inv = np.linalg.inv(info)
    h = wt * np.einsum("ij,jk,ik->i", x, inv, x)
    loglik = np.sum(w * (y * eta - np.logaddexp(0, eta)))
    score = x.T @ (w * (y - p) + h * (0.5 - p))
    return float(loglik + 0.5 * logdet), score, inv, p


def firth(x, y, w, *, maxit: int = 100, tol: float = 1e-10, maxstep: float = 5.0):
    """Firth's penalised likelihood by Fisher scoring from 0.

    Returns (coef, vcov, p, penalised loglik, iterations, converged).
    """
    b = np.zeros(x.shape[1])
    pen, score, inv, p = _firth_state(x, y, w, b)
    for it in range(1, maxit + 1):
        step = inv @ score
        big = np.abs(step).max()
        if big > maxstep:
            step *= maxstep / big
        for _ in range(30):
            new = _firth_state(x, y, w, b + step)
            if np.isfinite(new[0]) and new[0] >= pen - 1e-12:
                break
            step /= 2
        b = b + step
        pen, score, inv, p = new
        if np.abs(score).max() < tol:
            return b, inv, p, pen, it, True
    return b, inv, p, pen, maxit, False


def separation_direction(x, y) -> np.ndarray | None:
    """Konis's LP: a direction ``b`` with ``s_i x_i' b >= 0`` for all i, or None.

    The intercept (column 0) is kept; other columns are centred and scaled to unit SD so
    the tolerance does not depend on units. Non-zero entries of the result name the terms
    that separate (on the scaled columns).
    """
    xs = x.astype(float, copy=True)
    if xs.shape[1] > 1:
        sd = xs[:, 1:].std(axis=0)
        xs[:, 1:] = (xs[:, 1:] - xs[:, 1:].mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    a = (2 * y - 1)[:, None] * xs
    res = optimize.linprog(-a.sum(axis=0), A_ub=-a, b_ub=np.zeros(a.shape[0]),
                           bounds=[(-1, 1)] * a.shape[1], method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * max(1.0, np.sqrt(a.shape[0])):
        return None
    b = res.x
    return np.where(np.abs(b) > 1e-9, b, 0.0)


def looks_separated(mu: np.ndarray, converged: bool) -> bool:
    """Cheap screen for very large data: an unconverged fit or fitted values near 0 or 1."""
    return (not converged) or bool(np.any(np.minimum(mu, 1 - mu) < 1e-6))


def check_separation(x, y, mu, converged) -> np.ndarray | None:
    if x.size > _LP_CELLS and not looks_separated(mu, converged):
        return None
    return separation_direction(x, y)


def check_binary(name: str, values) -> np.ndarray:
    """0/1 (or boolean) indicator with both values present; returns a float array."""
    y = _checks.as_1d_float(name, values)
    _checks.check_finite(name, y, "every unit needs a known value")
    ok = (y == 0) | (y == 1)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"{name} must be 0/1 (or boolean); position {i} is {y[i]}")
    if y.size == 0 or y.all() or not y.any():
        arm = "0 (control)" if y.size and y.all() else "1 (treated)"
        raise ValueError(f"{name} has no units with value {arm}; both groups are needed")
    return y
