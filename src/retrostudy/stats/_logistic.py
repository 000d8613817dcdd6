r"""Logistic regression for propensity scores: R ``glm(family=binomial)`` and Firth's remedy.

Maximum likelihood follows R's ``glm.fit`` step by step so that coefficients, standard errors
and the iteration count agree with R to rounding: start from
``mu = (w y + 1/2) / (w + 1)``, iteratively reweighted least squares with working response
``z = eta + (y - mu) / mu'`` and weights ``W = w mu (1 - mu)``, R's clamped inverse logit
(``eta`` outside [-30, 30] gives ``mu`` = eps or 1 - eps), step halving on a non-finite
deviance, and convergence when ``|dev - dev_old| / (|dev| + 0.1) < 1e-8`` (at most 25
iterations). As R's ``summary.glm``, the variance is ``(X' W X)^-1`` with the weights of the
last least-squares step. Each least-squares step solves the normal equations by a Cholesky
factorisation of ``X' W X`` (R uses a QR of ``sqrt(W) X``: the same solution, see
:func:`_wls`).

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


_BLOCK = 1 << 15  # rows per block of the weighted cross-products (cache-sized temporaries)


def _wls(x: np.ndarray, z: np.ndarray, wt: np.ndarray):
    """Weighted least squares via the normal equations: ``A = X' W X`` (BLAS ``syrk`` on
    ``sqrt(wt) X`` in row blocks, so only a block-sized copy of ``X`` is made), then
    ``coef = A^-1 X' W z`` and ``(X' W X)^-1`` from one Cholesky factorisation. Returns
    (coef, (X' W X)^-1).

    R's ``glm.fit`` solves the same least-squares problem by a Householder QR of
    ``sqrt(W) X``; both give the same solution, the Cholesky route costs ``n p^2`` flops
    against the QR's ``2 n p^2`` and reads ``X`` once. Its rounding error grows with the
    square of the condition number instead of the condition number, which is why the
    design's rank is checked first (:func:`retrostudy.stats.propensity.logistic_regression`)
    and why an information matrix that is not numerically positive definite falls back to
    the QR (:func:`_wls_qr`).
    """
    p = x.shape[1]
    sw = np.sqrt(wt)
    a = np.zeros((p, p))
    rhs = np.zeros(p)
    for lo in range(0, x.shape[0], _BLOCK):
        xs = x[lo:lo + _BLOCK] * sw[lo:lo + _BLOCK, None]  # C-ordered block
        # xs' xs (upper triangle): syrk on the Fortran view xs.T (no copy)
        a = linalg.blas.dsyrk(1.0, xs.T, beta=1.0, c=a, trans=0, lower=0, overwrite_c=1)
        rhs += (z[lo:lo + _BLOCK] * sw[lo:lo + _BLOCK]) @ xs
    a = np.triu(a) + np.triu(a, 1).T
    try:
        c = linalg.cho_factor(a, lower=False, check_finite=False)
    except linalg.LinAlgError:
        return _wls_qr(x, z, wt)
    coef = linalg.cho_solve(c, rhs, check_finite=False)
    vcov = linalg.cho_solve(c, np.eye(p), check_finite=False)
    return coef, (vcov + vcov.T) / 2


def design_rank(x: np.ndarray) -> int:
    """``np.linalg.matrix_rank(x)`` (singular values above ``s_max max(n, p) eps``) for a
    tall ``x``, computed from the R factors of row blocks: ``x = QR`` has the singular values
    of ``R``, and the stacked R factors of the blocks have the same R up to signs
    (a tall-skinny QR), so only p-by-p work follows one pass over ``x``."""
    n, p = x.shape
    if n <= 4 * _BLOCK:
        return int(np.linalg.matrix_rank(x))
    rs = [linalg.qr(x[lo:lo + _BLOCK], mode="r", check_finite=False)[0][:p]
          for lo in range(0, n, _BLOCK)]
    s = np.linalg.svd(np.vstack(rs), compute_uv=False)
    return int((s > s.max() * max(n, p) * _EPS).sum())


def _wls_qr(x: np.ndarray, z: np.ndarray, wt: np.ndarray):
    """Weighted least squares by Householder QR of ``sqrt(wt) [X | z]`` (R only, so Q is
    never formed: the last column of R holds ``Q' z``); returns (coef, (R'R)^-1)."""
    sw = np.sqrt(wt)
    n, p = x.shape
    aug = np.empty((n, p + 1), order="F")  # LAPACK's layout: factorised in place, no copy
    np.multiply(x, sw[:, None], out=aug[:, :p])
    np.multiply(z, sw, out=aug[:, p])
    r_aug = linalg.qr(aug, mode="r", overwrite_a=True, check_finite=False)[0]
    r = r_aug[:p, :p]
    coef = linalg.solve_triangular(r, r_aug[:p, p])
    rinv = linalg.solve_triangular(r, np.eye(p))
    return coef, rinv @ rinv.T


def irls(x, y, w, *, maxit: int = 25, epsilon: float = 1e-8):
    """R's ``glm.fit`` for the logit link. Returns (coef, vcov, mu, dev, iterations, converged).

    The iterations solve their least-squares steps by Cholesky (:func:`_wls`); the step
    whose deviance meets the convergence rule is then solved again, from the same working
    response and weights, by R's QR (:func:`_wls_qr`). Newton's map is flat at the
    solution, so the reported coefficients and variance carry the rounding of R's algorithm
    (they agree with all-QR iterations to about 1e-15 relative, where Cholesky alone left
    4e-14): quantities that switch on a threshold, such as the CI limits of a weighted
    median, see the numbers R sees.
    """
    mu = (w * y + 0.5) / (w + 1)
    eta = np.log(mu / (1 - mu))
    dev_old = deviance(y, mu, w)
    coef_old = None
    for it in range(1, maxit + 1):
        d = mu_eta(eta)
        z = eta + (y - mu) / d
        wt = w * d**2 / (mu * (1 - mu))
        coef, vcov, eta_new, mu_new, dev = _step(_wls, x, y, w, z, wt, coef_old, maxit)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon or it == maxit:
            coef, vcov, eta_new, mu_new, dev = _step(_wls_qr, x, y, w, z, wt, coef_old, maxit)
            converged = abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon
            return coef, vcov, mu_new, dev, it, converged
        eta, mu = eta_new, mu_new
        dev_old, coef_old = dev, coef
    raise AssertionError("unreachable: the last iteration returns")


def _step(solve, x, y, w, z, wt, coef_old, maxit):
    """One IRLS step with R's halving towards the previous coefficients while the deviance
    is not finite: (coef, vcov, eta, mu, deviance)."""
    coef, vcov = solve(x, z, wt)
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
    return coef, vcov, eta, mu, dev


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
