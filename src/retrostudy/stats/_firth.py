"""Firth's penalised partial likelihood for the Cox model (Heinze & Schemper 2001).

Maximises ``l*(b) = l(b) + 1/2 log det I(b)`` (Breslow ties, as R's ``coxphf``), which gives
finite estimates under monotone likelihood (a group without events, separation). The
penalised score is

    ``U*_r = U_r + 1/2 tr(I^-1 dI/db_r)``,

    ``tr(J dI/db_r) = sum_g W_g [ tr(J S3_r)/S0 - tr(J S2) S1_r/S0^2
                      - 2 (S2 J S1)_r / S0^2 + 2 (S1' J S1) S1_r / S0^3 ]``

with risk-set sums ``S0, S1, S2, S3`` of ``w exp(eta)`` times powers of ``x`` and
``J = I^-1``. ``sum_g (W_g/S0_g) tr(J S3_{g,r}) = sum_i r_i A_i x_ir (x_i' J x_i)`` with ``A``
the reverse cumulative sum of ``W/S0``, so no third-order array is formed. The variance is
``I(b*)^-1``; confidence limits and p-values come from the profile penalised likelihood:
``2 (l*(b*) - max_{b_-j} l*(b_j, b_-j))`` against chi-square(1), as ``coxphf`` reports them.

References: Firth (1993), Biometrika 80:27; Heinze & Schemper (2001), Biometrics 57:114.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

from ._cox_fit import (
    Fit,
    Sorted,
    chol_solve,
    evaluate,
    newton,
    reverse_group_cumsum,
    risk_sums,
)


@dataclass(frozen=True, slots=True)
class _Pen:
    loglik: float  # penalised log partial likelihood
    u: np.ndarray  # penalised score
    imat: np.ndarray  # information of the unpenalised likelihood
    plain: float  # unpenalised log partial likelihood


def penalised(beta: np.ndarray, sd: Sorted) -> _Pen:
    """Penalised log-likelihood, penalised score and information at ``beta`` (Breslow)."""
    t = evaluate(beta, sd)
    sign, logdet = np.linalg.slogdet(t.imat)
    if sign <= 0:
        return _Pen(-np.inf, t.u, t.imat, t.loglik)
    jmat = np.linalg.inv(t.imat)
    x, r = sd.x, t.risk
    ev = np.flatnonzero(sd.nd)
    s0 = risk_sums(r, sd)[ev]
    s1 = risk_sums(r[:, None] * x, sd)[ev]
    wg = np.bincount(sd.dgroup, weights=sd.wtave, minlength=sd.starts.size)[ev]
    q = np.einsum("ij,jk,ik->i", x, jmat, x)  # x_i' J x_i
    a = np.zeros(sd.starts.size)
    a[ev] = wg / s0
    term1 = x.T @ (r * q * reverse_group_cumsum(a, sd)[sd.group])
    tr_s2 = risk_sums(r * q, sd)[ev]
    term2 = (wg * tr_s2 / s0**2) @ s1
    js1 = s1 @ jmat  # (G, p): J S1_g
    s2v = np.zeros_like(s1)  # S2_g J S1_g
    for k in range(x.shape[1]):
        s2k = risk_sums(r[:, None] * x * x[:, [k]], sd)[ev]
        s2v += s2k * js1[:, [k]]
    term3 = 2 * (wg / s0**2) @ s2v
    quad = np.einsum("gi,gi->g", s1, js1)
    term4 = 2 * (wg * quad / s0**3) @ s1
    dtr = term1 - term2 - term3 + term4
    return _Pen(t.loglik + 0.5 * logdet, t.u + 0.5 * dtr, t.imat, t.loglik)


def _maximise(sd: Sorted, beta0: np.ndarray, free: np.ndarray, *, tol=1e-10, maxiter=100):
    """Newton with step halving on the coordinates ``free`` (others held fixed)."""
    beta = beta0.copy()
    cur = penalised(beta, sd)
    for it in range(1, maxiter + 1):
        sub = np.ix_(free, free)
        step = np.zeros_like(beta)
        step[free] = chol_solve(cur.imat[sub], cur.u[free])
        # keep steps moderate, as coxphf's maxstep, so a flat penalised surface cannot overshoot
        big = np.abs(step).max()
        if big > 5.0:
            step *= 5.0 / big
        for _ in range(30):
            new = penalised(beta + step, sd)
            if np.isfinite(new.loglik) and new.loglik >= cur.loglik - 1e-12:
                break
            step /= 2
        beta, cur = beta + step, new
        if np.abs(cur.u[free]).max() < tol or np.abs(step).max() < 1e-12:
            return beta, cur, it, True
    return beta, cur, maxiter, False


def _profile_limit(sd, beta, lstar, j, target, direction, scale):
    """Where the profile penalised deviance ``2 (l* - l*_prof(b_j))`` reaches ``target``."""
    free = np.array([k for k in range(beta.size) if k != j], dtype=int)

    def deviance(bj):
        start = beta.copy()
        start[j] = bj
        if free.size:
            _, pen, _, _ = _maximise(sd, start, free)
        else:
            pen = penalised(start, sd)
        return 2 * (lstar - pen.loglik) - target

    lo = beta[j]
    for k in range(12):
        hi = beta[j] + direction * scale * 2.0**k
        if deviance(hi) > 0:
            return optimize.brentq(deviance, lo, hi, xtol=1e-10, rtol=1e-12) if direction > 0 \
                else optimize.brentq(deviance, hi, lo, xtol=1e-10, rtol=1e-12)
        lo = hi
    return direction * np.inf


def profile_pvalue(sd, beta, lstar, j) -> float:
    free = np.array([k for k in range(beta.size) if k != j], dtype=int)
    start = beta.copy()
    start[j] = 0.0
    pen = _maximise(sd, start, free)[1] if free.size else penalised(start, sd)
    return float(sps.chi2.sf(max(2 * (lstar - pen.loglik), 0.0), 1))


@dataclass(frozen=True, slots=True)
class FirthFit:
    """The penalised fit (``fit``, its inverse-information ``var``), the profile-likelihood
    limits (``low``, ``high``, on the hazard-ratio scale) and p-values of each coefficient,
    and the ordinary maximum-likelihood fit ``ml`` whose monotone-likelihood diagnosis the
    front end (:mod:`.cox`) reports."""

    fit: Fit
    var: np.ndarray
    low: np.ndarray
    high: np.ndarray
    pvals: list[float]
    ml: Fit


def firth_fit(sd: Sorted, *, conf_level: float) -> FirthFit:
    """Fit the penalised model (Breslow ties) on the sorted data ``sd``."""
    p = sd.x.shape[1]
    null = penalised(np.zeros(p), sd)
    beta, pen, iters, converged = _maximise(sd, np.zeros(p), np.arange(p))
    var = np.linalg.inv(pen.imat)
    t0 = evaluate(np.zeros(p), sd)
    score = float(t0.u @ chol_solve(t0.imat, t0.u))
    fit = Fit(beta, var, pen.u, null.loglik, pen.loglik, score, iters, converged, False)
    target = sps.chi2.isf(1 - conf_level, 1)
    se = np.sqrt(np.diag(var))
    low = np.exp([_profile_limit(sd, beta, pen.loglik, j, target, -1, se[j]) for j in range(p)])
    high = np.exp([_profile_limit(sd, beta, pen.loglik, j, target, +1, se[j]) for j in range(p)])
    pvals = [profile_pvalue(sd, beta, pen.loglik, j) for j in range(p)]
    ml = newton(lambda b: evaluate(b, sd), p)
    return FirthFit(fit=fit, var=var, low=low, high=high, pvals=pvals, ml=ml)
