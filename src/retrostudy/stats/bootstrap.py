r"""Vectorised nonparametric bootstrap of an IPTW analysis: Cox hazard ratio and RMST difference.

Each resample draws ``n`` patients with replacement (seeded :class:`numpy.random.Generator`)
and is held as a row of frequency weights ``F`` (how often each patient was drawn), so a block
of resamples is a matrix and every step below runs on all of them at once:

1. Propensity model refitted in every resample: logistic regression with frequency weights,
   Newton-Raphson started from the full-sample estimate (warm start), the information
   :math:`X'\mathrm{diag}(F\mu(1-\mu))X` of all resamples from one matrix product with the
   pairwise products of the columns, until every step is below 1e-10. With ``firth=True``
   the refit is Firth's penalised likelihood (Firth 1993; as the main fit, a resample that
   does not converge is left out and counted), so a separated sample keeps the main
   analysis's model.
2. Weights from the refitted scores by the full sample's rule (``estimand``, ``stabilized``,
   ``trim``, ``truncate``, as :func:`~retrostudy.stats.ps_weights`): a score outside
   ``trim`` gets weight 0 and leaves the stabilising sums; ATE stabilised by the resample's
   treated share among the kept patients, ATT/ATC control/treated weights rescaled to their
   arm's kept size, ATO unchanged; then ``truncate`` caps them at their quantile over the
   resample's kept rows; times ``F``. Rows of weight 0 are out of the Cox and KM sums, and of
   Efron's tie counts.
3. Weighted Cox model with treatment as the only covariate: per distinct time the weighted
   risk sums of each arm :math:`R_0, R_1` and death sums :math:`D_0, D_1` do not depend on
   :math:`\beta`, so Newton-Raphson works on (resamples x times) arrays. Efron ties as R's
   ``coxph`` on the resampled rows: with ``d`` tied deaths (rows, counting repeats) of weight
   :math:`D = D_0 + D_1`, :math:`\ell = \sum \{D_1\beta - (D/d)\sum_{k<d}
   \log(R_0 - \tfrac kd D_0 + (R_1 - \tfrac kd D_1)e^\beta)\}`.
4. Weighted Kaplan-Meier curve of each arm, :math:`\prod (1 - D_a / R_a)`, and its area to
   ``tau``.

The full-sample point estimates are the main estimator itself: the fitted scores (no
refit), their weights, ``cox_ph(..., weights=w)`` on the patients with weight > 0 and the
weighted Kaplan-Meier RMST (the same code with ``F = 1``, equal to
``kaplan_meier(..., weights=w).rmst(tau)``; tested to 1e-12). The
interval is the percentile interval of the resampled estimates (the log HR's, then
exponentiated), with the bootstrap standard error (SD of the resampled estimates). Resamples
without an event or a patient in an arm are left out and counted.

R equivalent (one resample at a time): ``i <- sample(n, n, TRUE); d <- df[i, ];
ps <- fitted(glm(a ~ x, binomial, d)); w <- ifelse(d$a == 1, 1/ps, 1/(1-ps)) * ...;
coef(coxph(Surv(t, e) ~ a, d, weights = w)); summary(survfit(Surv(t, e) ~ a, d, weights =
w), rmean = tau)$table[, "rmean"]`` (``boot::boot`` runs the same loop).

References
----------
Efron B, Tibshirani RJ (1993), An Introduction to the Bootstrap, Chapman & Hall. Austin PC
(2016), Stat Med 35:5642-5655 (bootstrap variance of IPTW Cox hazard ratios).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from . import _checks, _logistic
from ._types import ArrayLike
from .cox import cox_ph
from .propensity import ESTIMANDS, _check_trim, _check_truncate, logistic_regression


@dataclass(frozen=True, slots=True, kw_only=True)
class BootstrapIPTW:
    """Full-sample estimates, percentile intervals and the resampled estimates."""

    estimand: str
    hazard_ratio: float
    log_hr_std_err: float
    hr_conf_low: float
    hr_conf_high: float
    tau: float
    rmst1: float
    rmst0: float
    rmst_diff: float
    rmst_diff_std_err: float
    rmst_conf_low: float
    rmst_conf_high: float
    n_resamples: int
    n_failed: int
    seed: int | None
    conf_level: float
    ties: str
    log_hr_resamples: np.ndarray
    rmst_diff_resamples: np.ndarray
    propensity_method: str = "ml"  # "firth": Firth's penalised fit, in every resample too


def _logistic_batch(x, a, f, beta0, maxit=50, tol=1e-10, firth=False, maxstep=5.0):
    r"""Frequency-weighted logistic fits of every row of ``f`` from ``beta0``; (b, p) coefs
    and a converged flag per row.

    ``firth``: Firth's penalised likelihood, as :func:`~retrostudy.stats.logistic_regression`
    (``firth=True``) on the expanded rows: the modified score
    :math:`X'\{F(a - \mu) + h(\tfrac12 - \mu)\}` with the hat values
    :math:`h_i = F_i\mu_i(1-\mu_i)\,x_i' I^{-1} x_i`, :math:`I = X'\mathrm{diag}(F\mu(1-\mu))X`
    (a patient drawn ``F_i`` times is ``F_i`` identical rows), Fisher scoring with steps
    capped at ``maxstep`` as the full-sample fit. ``h`` of every resample is one matrix
    product of the (symmetrised) inverse information with the column pairs.
    """
    p = x.shape[1]
    iu = np.triu_indices(p)
    pairs = x[:, iu[0]] * x[:, iu[1]]
    double = np.where(iu[0] == iu[1], 1.0, 2.0)
    beta = np.tile(beta0, (f.shape[0], 1))
    done = np.zeros(f.shape[0], bool)
    for _ in range(maxit):
        mu = special.expit(beta @ x.T)
        wt = f * mu * (1 - mu)
        flat = wt @ pairs
        info = np.zeros((f.shape[0], p, p))
        info[:, iu[0], iu[1]] = flat
        info[:, iu[1], iu[0]] = flat
        resid = f * (a - mu)
        if firth:
            try:
                inv = np.linalg.inv(info)
            except np.linalg.LinAlgError:  # a singular resample: not converged, left out
                inv = np.linalg.pinv(info)
            h = wt * ((inv[:, iu[0], iu[1]] * double) @ pairs.T)
            resid = resid + h * (0.5 - mu)
            grad = resid @ x
            step = np.einsum("bjk,bk->bj", inv, grad)
            big = np.abs(step).max(axis=1, keepdims=True)
            step = np.where(big > maxstep, step * maxstep / np.maximum(big, 1e-300), step)
            done = done | (np.abs(grad).max(axis=1) < tol)
        else:
            grad = resid @ x
            try:
                step = np.linalg.solve(info, grad[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                # a covariate constant among a resample's drawn patients (e.g. a rare level
                # not drawn): the minimum-norm step, so the fitted scores are those of the
                # model without that column -- R's glm gives it an NA coefficient
                step = np.einsum("bjk,bk->bj", np.linalg.pinv(info), grad)
        if firth:
            step = np.where(done[:, None], 0.0, step)
            done = done | (np.abs(step).max(axis=1) < 1e-12)
        beta += step
        if firth and done.all():
            break
        if not firth and np.abs(step).max() < tol:
            done[:] = True
            break
    return beta, done if firth else np.isfinite(beta).all(axis=1)


def _weights(ps, a, f, estimand, stabilized=True, trim=None, truncate=None):
    """Weights per resample: :func:`~retrostudy.stats.ps_weights` with frequency weights ``f``.

    ``trim`` sets the weight of a score outside ``[low, high]`` to 0 and leaves the patient
    out of the stabilising shares and sums, as ps_weights does on the full sample.
    ``truncate`` (a quantile ``q``) then caps the weights at their ``q`` quantile over the
    resample's kept rows, a patient drawn ``F`` times counting ``F`` times (type 7, as
    ps_weights and R's ``quantile``).
    """
    keep = np.ones_like(ps) if trim is None else ((ps >= trim[0]) & (ps <= trim[1])) * 1.0
    fk = f * keep
    with np.errstate(divide="ignore", invalid="ignore"):  # an arm trimmed away: failed
        if estimand == "ATE":
            w = np.where(a == 1, 1 / ps, 1 / (1 - ps))
            if stabilized:
                p1 = (fk @ a) / fk.sum(axis=1)
                w = w * np.where(a == 1, p1[:, None], (1 - p1)[:, None])
        elif estimand == "ATO":
            w = np.where(a == 1, 1 - ps, ps) * np.ones_like(fk)
        else:
            if estimand == "ATT":
                w = np.where(a == 1, 1.0, ps / (1 - ps))
                other = a == 0
            else:  # ATC
                w = np.where(a == 1, (1 - ps) / ps, 1.0)
                other = a == 1
            if stabilized:
                scale = (fk @ other) / ((fk * w) @ other)
                w = np.where(other, w * scale[:, None], w)
        if truncate is not None:
            w = np.minimum(w, weighted_quantile(w, fk, truncate)[:, None])
        return w * keep


def weighted_quantile(w, f, q):
    """Type-7 quantile ``q`` (R's default, numpy's "linear") of each row of ``w`` with row
    ``f`` of frequencies (0: left out): the quantile of the expanded rows,
    ``x_(k) + g (x_(k+1) - x_(k))`` with ``h = (N - 1) q``, ``k = floor(h)``, ``g = h - k``,
    ``N = sum f`` (order statistics counted from 0)."""
    w = np.broadcast_to(w, f.shape)
    wm = np.where(f > 0, w, np.inf)
    order = np.argsort(wm, axis=1, kind="stable")
    ws = np.take_along_axis(wm, order, axis=1)
    cum = np.cumsum(np.take_along_axis(f, order, axis=1), axis=1)
    n = cum[:, -1]
    h = (n - 1) * q
    k = np.floor(h)
    lo = np.take_along_axis(ws, (cum > k[:, None]).argmax(axis=1)[:, None], axis=1)[:, 0]
    k1 = np.minimum(k + 1, n - 1)
    hi = np.take_along_axis(ws, (cum > k1[:, None]).argmax(axis=1)[:, None], axis=1)[:, 0]
    return lo + (h - k) * (hi - lo)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Patients sorted by time; distinct times; event rows; arms."""

    order: np.ndarray
    start: np.ndarray  # first sorted index of each distinct time
    times: np.ndarray
    a: np.ndarray  # sorted arms
    e: np.ndarray  # sorted events


def _layout(t, e, a) -> _Layout:
    order = np.argsort(t, kind="stable")
    ts = t[order]
    start = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
    return _Layout(order, start, ts[start], a[order], e[order])


def _sums(lay: _Layout, w, f):
    """Per resample and distinct time: risk sums R0, R1, death sums D0, D1, death rows d."""
    ws, fs = w[:, lay.order], f[:, lay.order]
    out = []
    for arm in (0, 1):
        wa = ws * (lay.a == arm)
        risk = np.cumsum(wa[:, ::-1], axis=1)[:, ::-1][:, lay.start]
        dead = np.add.reduceat(wa * lay.e, lay.start, axis=1)
        out += [risk, dead]
    # tied death rows of the patients in the analysis (weight > 0: not trimmed, analysed)
    nd = np.add.reduceat(fs * (ws > 0) * lay.e, lay.start, axis=1)
    return out[0], out[2], out[1], out[3], nd


def _cox_batch(r0, r1, d0, d1, nd, beta0, ties, maxit=30, tol=1e-10):
    """Newton-Raphson for the treatment log HR of every resample (rows of the sums).

    The Efron terms are laid out once as one flat array with a row per (resample, time, k),
    k < d, so each iteration is a few passes over it and a bincount per resample.
    """
    nb = r0.shape[0]
    if ties == "breslow":
        nd = (nd > 0).astype(float)
    rb, rt = np.nonzero(nd)
    cnt = nd[rb, rt].astype(int)
    start = np.cumsum(cnt) - cnt
    k = np.arange(cnt.sum()) - np.repeat(start, cnt)
    ib, it = np.repeat(rb, cnt), np.repeat(rt, cnt)
    frac = k / np.repeat(cnt, cnt)
    base = r0[ib, it] - frac * d0[ib, it]
    trt0 = r1[ib, it] - frac * d1[ib, it]
    mw = (d0[ib, it] + d1[ib, it]) / np.repeat(cnt, cnt)
    d1sum = d1.sum(axis=1)
    beta = np.full(nb, beta0, dtype=float)
    for _ in range(maxit):
        trt = trt0 * np.exp(beta)[ib]
        share = trt / (base + trt)
        score = d1sum - np.bincount(ib, weights=mw * share, minlength=nb)
        info = np.bincount(ib, weights=mw * share * (1 - share), minlength=nb)
        step = score / np.where(info > 0, info, np.nan)
        beta = beta + step
        if np.nanmax(np.abs(step), initial=0.0) < tol:
            break
    return beta


def _rmst_batch(times, risk, dead, tau):
    """Area to ``tau`` under prod(1 - dead/risk) for every row."""
    s = np.cumprod(1 - dead / np.where(risk > 0, risk, 1.0), axis=1)
    keep = times <= tau
    left = np.concatenate([[0.0], times[keep]])
    width = np.diff(np.append(left, tau))
    s_left = np.hstack([np.ones((s.shape[0], 1)), s[:, keep]])
    return s_left @ width


def _estimate(x, a, lay, f, beta_ps, beta_cox, ties, tau, how, use, ps=None, firth=False):
    """Log HR, RMSTs, success flags and propensity coefficients of every row of ``f``.

    ``how``: (estimand, stabilized, trim, truncate); ``use``: 1 for the patients in the
    outcome analysis; ``ps`` given: these scores instead of a refit (the full sample);
    ``firth``: the refit is Firth's (a resample where it does not converge fails)."""
    coef = None
    fitted = np.ones(f.shape[0], bool)
    if ps is None:
        coef, conv = _logistic_batch(x, a, f, beta_ps, firth=firth)
        if firth:
            fitted = conv
        ps = special.expit(coef @ x.T)
    w = _weights(ps, a, f, *how) * f * use
    w = np.where(np.isfinite(w), w, 0.0)
    r0, r1, d0, d1, nd = _sums(lay, w, f)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_hr = _cox_batch(r0, r1, d0, d1, nd, beta_cox, ties)
    rm1 = _rmst_batch(lay.times, r1, d1, tau)
    rm0 = _rmst_batch(lay.times, r0, d0, tau)
    ok = (d0.sum(axis=1) > 0) & (d1.sum(axis=1) > 0) & np.isfinite(log_hr) & fitted
    return log_hr, rm1, rm0, ok, coef


def bootstrap_iptw(time: ArrayLike, event: ArrayLike, treated: ArrayLike, X: ArrayLike, *,
                   tau: float, estimand: str = "ATE",
                   n_resamples: int = 1000, seed: int | None = None, ties: str = "efron",
                   conf_level: float = 0.95, names: Sequence[str] | None = None,
                   stabilized: bool = True, trim: tuple[float, float] | None = None,
                   analysed: ArrayLike | None = None, truncate: float | None = None,
                   firth: bool = False, block_cells: int = 4_000_000) -> BootstrapIPTW:
    """IPTW Cox HR and weighted RMST difference with bootstrap CIs (see module docstring).

    ``X`` holds the propensity covariates (factors as 0/1 columns, no intercept).
    ``estimand``, ``stabilized`` and ``trim`` define the weights as
    :func:`~retrostudy.stats.ps_weights` does, and every resample applies the same rule to
    its refitted scores (a score outside ``trim`` gets weight 0 and leaves the stabilising
    shares), so the interval is that of the full-sample estimator. ``analysed`` (booleans;
    default all): the patients of the outcome analysis; the others enter the propensity
    model and the weights' stabilisation only (their time and event are ignored and may be
    NaN). ``truncate`` (a quantile in (0.5, 1)) caps the weights at their quantile after
    trimming and stabilising, in the full sample and in every resample, as ps_weights.
    ``firth``: the propensity model is Firth's penalised logistic regression (the main
    fit and every refit; use it when the main analysis's model is Firth's, forced or chosen
    for separation); else maximum likelihood, which refuses separated data. Resamples are
    generated in blocks of ``block_cells`` (resamples x patients)
    frequency weights; the block size does not change the draws (results agree to
    rounding, ~1e-15).
    """
    a = _logistic.check_binary("treated", treated)
    use = np.ones(a.size, bool) if analysed is None else np.asarray(analysed, bool)
    if use.shape != a.shape:
        raise ValueError(f"analysed has {use.size} values but treated has {a.size}")
    t = _checks.check_time(np.where(use, np.asarray(time, float), 0.0))
    e = _checks.check_event(np.where(use, np.asarray(event, float), 0.0), t.size)
    xm, _ = _checks.check_covariates(X, t.size, names=names, rows_of="time")
    conf_level = _checks.check_conf_level(conf_level)
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {ESTIMANDS}, got {estimand!r}")
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if int(n_resamples) < 2:
        raise ValueError(f"n_resamples must be >= 2, got {n_resamples}")
    bounds = _check_trim(trim)
    q_cap = _check_truncate(truncate)
    limit = min(t[use & (a == 1)].max(initial=0.0), t[use & (a == 0)].max(initial=0.0))
    if not (np.isfinite(tau) and 0 < tau <= limit):
        raise ValueError(f"tau {tau} must be in (0, {limit:g}], the shorter arm's follow-up")
    fit = logistic_regression(xm, a, firth=bool(firth))
    if fit.separation and not firth:
        raise ValueError("the propensity model is separated (a covariate predicts treatment "
                         "perfectly); weights are not defined")
    x1 = np.column_stack([np.ones(t.size), xm])
    lay = _layout(t, e, a)
    how = (estimand, bool(stabilized), bounds, q_cap)
    # the full sample: the fitted scores themselves (the main estimate's), not a refit
    lhr, r1, r0, ok, _ = _estimate(x1, a, lay, np.ones((1, t.size)), fit.coef, 0.0, ties,
                                   tau, how, use, ps=fit.fitted[None, :])
    if not ok[0]:
        raise ValueError("an arm has no events among the weighted patients; the hazard ratio "
                         "is not estimable")
    # the point estimate: the main estimator itself (cox_ph on the patients with weight >
    # 0, converged by its own rule); the vectorised fit above agrees to ~1e-10 and starts
    # every resample
    w1 = _weights(fit.fitted[None, :], a, np.ones((1, t.size)), *how)[0]
    sel = use & (w1 > 0)
    main = cox_ph({"t": t[sel], "e": e[sel], "a": a[sel], "w": w1[sel]}, time="t", event="e",
                  covariates=["a"], weights="w", ties=ties)
    lhr = np.array([float(main.coef[0])])
    rng = np.random.default_rng(seed)
    b = int(n_resamples)
    per = max(block_cells // t.size, 1)
    logs, diffs, good = [], [], []
    for lo in range(0, b, per):
        k = min(per, b - lo)
        draw = rng.integers(0, t.size, (k, t.size))
        f = np.bincount((draw + (np.arange(k) * t.size)[:, None]).ravel(),
                        minlength=k * t.size).reshape(k, t.size).astype(float)
        bl, b1, b0, bok, _ = _estimate(x1, a, lay, f, fit.coef, lhr[0], ties, tau, how, use,
                                       firth=bool(firth))
        logs.append(bl)
        diffs.append(b1 - b0)
        good.append(bok)
    logs_a, diffs_a, good_a = np.concatenate(logs), np.concatenate(diffs), np.concatenate(good)
    q = [(1 - conf_level) / 2, (1 + conf_level) / 2]
    lq = np.quantile(logs_a[good_a], q)
    dq = np.quantile(diffs_a[good_a], q)
    return BootstrapIPTW(
        estimand=estimand, hazard_ratio=float(np.exp(lhr[0])),
        log_hr_std_err=float(logs_a[good_a].std(ddof=1)), hr_conf_low=float(np.exp(lq[0])),
        hr_conf_high=float(np.exp(lq[1])), tau=float(tau), rmst1=float(r1[0]),
        rmst0=float(r0[0]), rmst_diff=float(r1[0] - r0[0]),
        rmst_diff_std_err=float(diffs_a[good_a].std(ddof=1)), rmst_conf_low=float(dq[0]),
        rmst_conf_high=float(dq[1]), n_resamples=b, n_failed=int((~good_a).sum()), seed=seed,
        conf_level=conf_level, ties=ties, log_hr_resamples=logs_a,
        rmst_diff_resamples=diffs_a, propensity_method="firth" if firth else "ml")
