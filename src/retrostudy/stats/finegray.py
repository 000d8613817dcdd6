r"""Fine–Gray proportional subdistribution hazards model, as ``cmprsk::crr``.

R equivalent (cmprsk 2.2-11): ``crr(ftime, fstatus, cov1 = model.matrix(~ x)[, -1],
failcode = cause, cencode = censor)``: its ``coef``, ``var`` (the sandwich variance with
the censoring-weight correction), ``inf``, ``loglik`` and ``loglik.null``.

Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
J Am Stat Assoc 1999;94:496-509.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from retrostudy.stats import _checks
from retrostudy.stats._cox_design import build_design, check_rank
from retrostudy.stats._types import ArrayLike, Columns, Levels
from retrostudy.stats.cox import CoxCoefficient, Test, coefficient_rows
from retrostudy.stats.gray import status_codes

__all__ = ["FineGray", "fine_gray"]

_MAX_ITER, _TOL = 100, 1e-12


@dataclass(frozen=True, slots=True, kw_only=True)
class FineGray:
    """Fitted Fine–Gray model. ``coefficients`` are subdistribution hazard ratios.

    ``var`` is cmprsk's robust (sandwich) variance, which accounts for the estimated
    censoring weights; ``naive_var`` the inverse information. Coefficient rows use ``var``
    (``robust_std_err``) as ``summary.crr`` does; ``std_err`` holds the naive SE.
    ``loglik`` / ``loglik_null`` are the weighted log partial likelihoods at the estimate
    and at 0 (crr's ``loglik``, ``loglik.null``); ``lr_test`` compares them (a pseudo
    likelihood: report the Wald test, ``wald_test``, which uses ``var``).
    """

    coefficients: tuple[CoxCoefficient, ...]
    coef: np.ndarray
    var: np.ndarray
    naive_var: np.ndarray
    loglik: float
    loglik_null: float
    lr_test: Test
    wald_test: Test
    cause: object
    censor: object
    competing: tuple
    n: int
    n_events: int
    n_competing: int
    iterations: int
    converged: bool
    conf_level: float
    warnings: tuple[str, ...]
    method: str = "Fine-Gray (1999) subdistribution hazards, cmprsk::crr"


@dataclass(frozen=True, slots=True)
class _Data:
    x: np.ndarray  # (n, p), rows sorted by time
    m: np.ndarray  # 0 censored, 1 cause, 2 competing
    g_minus: np.ndarray  # censoring KM just before each record's time (at it on day 0)
    start: np.ndarray  # per distinct failure time t_k: first sorted row with time >= t_k
    dk: np.ndarray  # failures at each distinct failure time
    gk: np.ndarray  # G(t_k -) (G(0) on day 0)
    time: np.ndarray  # sorted times


def _censoring_km(t: np.ndarray, m: np.ndarray) -> np.ndarray:
    """G(t_i -), the Kaplan–Meier of the censoring times (events censor it), sorted t; on
    day 0, G(0) (after the censorings at 0), as crr reads it.

    crr evaluates its censoring curve at ``t * (1 - eps)``: strictly before every t > 0
    (the left limit), but at 0 itself on day 0, where the censorings at 0 have already
    lowered it. A competing event on day 0 then stays in later risk sets with weight
    G(t-)/G(0) rather than G(t-)/1 (see docs/statistics.md, "Fine–Gray").
    """
    values, first, counts = np.unique(t, return_index=True, return_counts=True)
    cens = np.add.reduceat((m == 0).astype(float), first)
    at_risk = t.shape[0] - first
    g = np.cumprod(1.0 - cens / at_risk)
    g_prev = np.concatenate(([1.0], g[:-1]))
    if values[0] == 0:  # crr: 0 * (1 - eps) is 0, so day 0 reads G(0), not G(0-) = 1
        g_prev[0] = g[0]
    return np.repeat(g_prev, counts)


def _prepare(t, m, x) -> _Data:
    order = np.argsort(t, kind="stable")
    t, m, x = t[order], m[order], x[order]
    g_minus = _censoring_km(t, m)
    fail_times, dk = np.unique(t[m == 1], return_counts=True)
    start = np.searchsorted(t, fail_times, side="left")
    return _Data(x=x, m=m, g_minus=g_minus, start=start, dk=dk.astype(float),
                 gk=g_minus[start], time=t)


def _sums(d: _Data, beta: np.ndarray, second: bool = True):
    """S0, S1 (and S2) at each failure time: those with t >= t_k count fully, competing
    events before t_k with weight G(t_k-)/G(t_j-).

    With z_i = (1, x_i, x_i x_i'), ``S(t_k) = sum_{j >= start_k} r_j z_j + G(t_k-)
    sum_{j < start_k} comp_j z_j``: a suffix and a prefix cumulative sum over the sorted rows,
    each accumulated row after row in that order. The columns are laid out as rows of a
    (terms, n) array so each running sum walks contiguous memory, and S2 is accumulated for
    the upper triangle only (x_a x_b and x_b x_a are the same product) and mirrored.
    """
    eta = d.x @ beta
    r = np.exp(eta)
    comp = np.where(d.m == 2, r / d.g_minus, 0.0)

    n, p = d.x.shape
    iu, ju = np.triu_indices(p) if second else (np.empty(0, int), np.empty(0, int))
    xt = d.x.T
    zt = np.concatenate([np.ones((1, n)), xt, xt[iu] * xt[ju]])  # (terms, n)
    rev = (zt * r)[:, ::-1].copy()  # rows last to first: the suffix as a running sum
    suffix = np.zeros((zt.shape[0], n + 1))
    np.cumsum(rev, axis=1, out=suffix[:, :n])
    prefix = np.zeros((zt.shape[0], n + 1))
    np.cumsum(zt * comp, axis=1, out=prefix[:, 1:])
    # suffix sum from row i is the running sum's entry n-1-i; from row n it is 0 (index n)
    at = np.where(d.start < n, n - 1 - d.start, n)
    tri = (suffix[:, at] + d.gk * prefix[:, d.start]).T
    # the (failure times, 1 + p + p^2) layout of every term, C order: the reductions over
    # failure times below (einsum) then sum in the same order as ever, to the last bit
    s = np.empty((tri.shape[0], 1 + p + (p * p if second else 0)))
    s[:, :1 + p] = tri[:, :1 + p]
    if second:
        sq = s[:, 1 + p:].reshape(-1, p, p)
        sq[:, iu, ju] = tri[:, 1 + p:]
        sq[:, ju, iu] = tri[:, 1 + p:]
    s0, s1 = s[:, 0], s[:, 1:1 + p]
    s2 = s[:, 1 + p:].reshape(-1, p, p) if second else None
    return eta, r, s0, s1, s2


def _evaluate(d: _Data, beta: np.ndarray):
    """Log partial likelihood, score and information at beta (Breslow ties, as crr)."""
    eta, _, s0, s1, s2 = _sums(d, beta)
    fail = d.m == 1
    e = s1 / s0[:, None]
    loglik = eta[fail].sum() - (d.dk * np.log(s0)).sum()
    score = d.x[fail].sum(axis=0) - (d.dk[:, None] * e).sum(axis=0)
    info = np.einsum("k,kij->ij", d.dk / s0, s2) - np.einsum("k,ki,kj->ij", d.dk, e, e)
    return loglik, score, info


def _newton(d: _Data, p: int):
    beta = np.zeros(p)
    loglik, score, info = _evaluate(d, beta)
    loglik0 = loglik
    for it in range(1, _MAX_ITER + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            return beta, loglik, loglik0, info, it, False
        new = beta + step
        ll_new, sc_new, in_new = _evaluate(d, new)
        halvings = 0
        while (not np.isfinite(ll_new) or ll_new < loglik - 1e-12 * abs(loglik)) and halvings < 30:
            step /= 2
            new = beta + step
            ll_new, sc_new, in_new = _evaluate(d, new)
            halvings += 1
        beta, loglik, score, info = new, ll_new, sc_new, in_new
        if np.max(np.abs(step)) <= _TOL * max(1.0, np.max(np.abs(beta))):
            return beta, loglik, loglik0, info, it, True
    return beta, loglik, loglik0, info, _MAX_ITER, False


def _robust(d: _Data, beta: np.ndarray, info: np.ndarray) -> np.ndarray:
    """cmprsk's sandwich: H^-1 (sum_i u_i u_i') H^-1 with u_i = eta_i + psi_i."""
    eta, r, s0, s1, _ = _sums(d, beta, second=False)
    n, p = d.x.shape
    t, m, x = d.time, d.m, d.x
    e = s1 / s0[:, None]
    a0, a1 = d.dk / s0, (d.dk / s0)[:, None] * e
    b0, b1 = a0 * d.gk, a1 * d.gk[:, None]
    fail_t = t[d.start]
    # failure times <= t_i: cumulative A sums; > t_i: suffix B sums (competing rows only)
    upto = np.searchsorted(fail_t, t, side="right")
    ca0 = np.concatenate(([0.0], np.cumsum(a0)))
    ca1 = np.concatenate((np.zeros((1, p)), np.cumsum(a1, axis=0)))
    sb0 = np.concatenate((np.cumsum(b0[::-1])[::-1], [0.0]))
    sb1 = np.concatenate((np.cumsum(b1[::-1], axis=0)[::-1], np.zeros((1, p))))
    res = x * ca0[upto][:, None] - ca1[upto]
    comp = m == 2
    res[comp] += (x[comp] * sb0[upto[comp]][:, None] - sb1[upto[comp]]) / d.g_minus[comp, None]
    u = -r[:, None] * res
    fail = m == 1
    k_of = np.searchsorted(fail_t, t[fail])
    u[fail] += x[fail] - e[k_of]
    # psi: the censoring-weight correction, q(u) at each distinct censoring time
    w = np.where(comp, r / d.g_minus, 0.0)
    c0 = np.concatenate(([0.0], np.cumsum(w)))  # sums over rows before index
    c1 = np.concatenate((np.zeros((1, p)), np.cumsum(w[:, None] * x, axis=0)))
    first = np.searchsorted(t, t, side="left")  # first row of each record's time
    from_k = np.searchsorted(fail_t, t, side="left")  # failure times >= t_i
    q = c1[first] * sb0[from_k][:, None] - c0[first][:, None] * sb1[from_k]
    y = n - first  # at risk at t_i
    cens = m == 0
    times, firsts = np.unique(t, return_index=True)
    n_cens = np.add.reduceat(cens.astype(float), firsts)
    q_t = q[firsts]
    inc = -(q_t * (n_cens / (n - firsts) ** 2)[:, None])
    ss2 = np.cumsum(inc, axis=0)
    group = np.searchsorted(times, t)
    psi = ss2[group]
    psi[cens] += q[cens] / y[cens][:, None]
    u += psi
    h_inv = np.linalg.inv(info)
    return h_inv @ (u.T @ u) @ h_inv


def fine_gray(time: ArrayLike, status: ArrayLike, X: Columns, *, cause: object,
              censor: object = 0, covariates: Sequence[str] | None = None,
              levels: Levels | None = None, conf_level: float = 0.95,
              causes: Sequence[object] | None = None) -> FineGray:
    r"""Fine–Gray regression of the subdistribution hazard of ``cause``.

    Parameters
    ----------
    time, status : array_like
        Follow-up times (>= 0); ``censor`` for censored, any other code for a cause.
    X : mapping
        Covariate columns (dict or DataFrame); strings and booleans, and columns named in
        ``levels``, are categorical with treatment contrasts, as :func:`cox_ph`.
    cause, censor, causes
        As :func:`gray_test`.
    covariates : list of str, optional
        Model terms; default every column of ``X``.
    conf_level : float
        Level of the Wald intervals (on the robust SE, as ``summary.crr``).

    Returns
    -------
    FineGray

    Notes
    -----
    With :math:`\hat G` the Kaplan–Meier of the censoring distribution, a record is at risk
    at a failure time :math:`t` of the cause with weight 1 while :math:`T_j \ge t`, and with
    weight :math:`\hat G(t-)/\hat G(T_j-)` after a competing event at :math:`T_j < t`
    (others: 0). On day 0, :math:`\hat G(0-)` is replaced by :math:`\hat G(0)` (after the
    censorings at 0), as crr reads its censoring curve at ``time * (1 - eps)``. The log
    pseudo partial likelihood (Breslow ties, as crr) is
    :math:`\sum_k \{\sum_{i \in D_k} x_i'eta - d_k \log S_0(t_k)\}`,
    :math:`S_0(t) = \sum_j w_j(t) e^{x_j'eta}`; both parts of :math:`S_0, S_1, S_2` are
    cumulative sums over the time-sorted records, so a Newton step costs O(n p^2). Newton-
    Raphson from 0 with step halving, to a relative step below 1e-12 (crr stops at its
    ``gtol = 1e-6``: its estimates differ from the MLE by up to ~1e-4 relative in small
    coefficients). The variance is Fine & Gray's sandwich :math:`H^{-1}(\sum_i u_i u_i')
    H^{-1}` with :math:`u_i = \eta_i + \psi_i`: :math:`\eta_i` the score residual and
    :math:`\psi_i` the correction for the estimated :math:`\hat G` (section 3 of the paper,
    cmprsk's ``crrvv``), both from cumulative sums. Only one censoring group (crr's
    ``cengroup``) and no time-varying terms (``cov2``).

    References
    ----------
    Fine JP, Gray RJ. J Am Stat Assoc 1999;94:496-509. cmprsk 2.2-11, ``crr``.
    """
    t = _checks.check_time(time)
    n = t.shape[0]
    conf_level = _checks.check_conf_level(conf_level)
    m, found = status_codes(status, n, cause, censor, causes)
    if not hasattr(X, "keys") and not hasattr(X, "columns"):
        raise ValueError(f"X must be a mapping of column name -> values, got {type(X).__name__}")
    names = list(X.columns if hasattr(X, "columns") else X.keys())
    covariates = names if covariates is None else list(covariates)
    design = build_design(X, covariates, levels, n)
    check_rank(design, None)
    d = _prepare(t, m, design.x)
    if not (m == 1).any():
        raise ValueError(f"cause {cause!r} has no events; there is nothing to model")
    beta, loglik, loglik0, info, iters, converged = _newton(d, design.x.shape[1])
    notes = [] if converged else [
        f"Newton-Raphson did not converge in {iters} iterations: a subdistribution hazard "
        "ratio may be 0 or infinite (e.g. no events of the cause in a level); not estimable"]
    try:
        naive = np.linalg.inv(info)
        var = _robust(d, beta, info)
    except np.linalg.LinAlgError:
        raise ValueError("the information matrix of the Fine-Gray model is singular (a "
                         "covariate without variation among the records at risk, or a "
                         "monotone likelihood: an infinite subdistribution hazard ratio)"
                         ) from None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rows = coefficient_rows(design, beta, naive, var, True, conf_level)
    p = beta.size
    wald = float(beta @ np.linalg.solve(var, beta))
    return FineGray(
        coefficients=rows, coef=beta, var=var, naive_var=naive, loglik=float(loglik),
        loglik_null=float(loglik0),
        lr_test=Test(statistic=2 * (loglik - loglik0), df=p,
                     p_value=float(sps.chi2.sf(2 * (loglik - loglik0), p))),
        wald_test=Test(statistic=wald, df=p, p_value=float(sps.chi2.sf(wald, p))),
        cause=cause, censor=censor, competing=tuple(v for v in found if v != cause), n=n,
        n_events=int((m == 1).sum()), n_competing=int((m == 2).sum()), iterations=iters,
        converged=converged, conf_level=conf_level, warnings=tuple(notes))
