"""Cox partial likelihood engine on clean arrays (the ``coxph.fit`` of retrostudy).

The front end (:mod:`retrostudy.stats.cox`) validates the input and builds the design
matrix; everything here assumes finite arrays, 0/1 events and positive weights.

Layout. Rows are sorted once by (stratum ascending, time descending). A *tie group* is a run
of rows with the same stratum and time. With that order the risk set of a tie group is the
prefix of its stratum up to the end of the group, so risk-set sums are cumulative sums of
group sums (``np.add.reduceat``), restarted at each stratum.

Efron's approximation (R's default), for a tie group with ``d`` death records, summed
death weight ``W`` and the deaths' risk sums ``D0, D1``, splits the group into ``d``
terms ``k = 0..d-1`` with weight ``W / d`` and denominators

    ``S0 - (k/d) D0``,  means ``(S1 - (k/d) D1) / (S0 - (k/d) D0)``

exactly as ``therneau/survival : src/coxfit6.c`` (it counts death *records*, not summed
weights). Breslow is the same with ``k/d`` replaced by 0. Each death record carries its own
``k``, so all terms are evaluated at once on the death rows.

The information matrix ``sum_g sum_k (W/d) [(S2 - f D2)/den - mean mean']`` is computed
without forming an n-by-p-by-p array: ``sum_g a_g S2_g = X' diag(r * A) X`` where ``A`` is
the reverse cumulative sum of ``a_g`` over the tie groups whose risk set contains the row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHUNK = 1 << 17  # rows per block for X' diag(v) X: bounds the temporary to 1 MB per column


@dataclass(frozen=True, slots=True)
class Sorted:
    """Design sorted by (stratum, time descending) with its tie-group structure."""

    x: np.ndarray  # (n, p) centred covariates, sorted
    w: np.ndarray  # (n,) case weights
    event: np.ndarray  # (n,) bool
    order: np.ndarray  # sorted row -> original row
    group: np.ndarray  # (n,) tie-group index of each row
    starts: np.ndarray  # (G,) first row of each tie group
    stratum_end: np.ndarray  # (G,) one past the last group of the group's stratum
    stratum_first: np.ndarray  # (G,) first group of the group's stratum
    dead: np.ndarray  # (m,) sorted row indices of death records
    dgroup: np.ndarray  # (m,) tie group of each death record
    frac: np.ndarray  # (m,) Efron fraction k/d of each death record
    nd: np.ndarray  # (G,) death records per group
    deadwt: np.ndarray  # (G,) summed death weight per group
    means: np.ndarray  # (p,) weighted column means removed from x
    tied: np.ndarray  # positions (in ``dead``) of deaths in groups with >= 2 deaths
    wx_dead: np.ndarray  # (p,) sum over deaths of w x (constant part of the score)


def prepare(time, event, x, w, strata_code, *, efron: bool) -> Sorted:
    """Sort once and build the tie-group index used by every iteration."""
    if strata_code.max() == strata_code.min():
        order = np.argsort(-time, kind="stable")
    else:
        order = np.lexsort((-time, strata_code))
    t = time[order]
    s = strata_code[order]
    n, p = x.shape
    xs = np.empty((n, p), order="F")  # column-major: the per-column scans are contiguous
    for j in range(p):
        np.take(x[:, j], order, out=xs[:, j])
    ws = w[order]
    means = ws @ xs / ws.sum()
    xs -= means
    ev = event[order].astype(bool)
    new_group = np.empty(n, bool)
    new_group[0] = True
    np.not_equal(t[1:], t[:-1], out=new_group[1:])
    new_stratum = np.empty(n, bool)
    new_stratum[0] = True
    np.not_equal(s[1:], s[:-1], out=new_stratum[1:])
    new_group |= new_stratum
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    g_new_stratum = new_stratum[starts]
    stratum_id = np.cumsum(g_new_stratum) - 1
    first = np.flatnonzero(g_new_stratum)
    ends = np.append(first[1:], starts.size)
    dead = np.flatnonzero(ev)
    dgroup = group[dead]
    ngroups = starts.size
    nd = np.bincount(dgroup, minlength=ngroups)
    deadwt = np.bincount(dgroup, weights=ws[dead], minlength=ngroups)
    if efron:
        # rank of each death within its tie group: position minus first death of the group
        first_death = np.searchsorted(dgroup, dgroup, side="left")
        frac = (np.arange(dead.size) - first_death) / nd[dgroup]
    else:
        frac = np.zeros(dead.size)
    tied = np.flatnonzero(nd[dgroup] > 1)
    return Sorted(xs, ws, ev, order, group, starts, ends[stratum_id], first[stratum_id],
                  dead, dgroup, frac, nd, deadwt, means, tied, ws[dead] @ xs[dead])


def risk_sums(values: np.ndarray, sd: Sorted) -> np.ndarray:
    """Risk-set sums per tie group: cumulative group sums restarted at each stratum."""
    if sd.starts.size == values.shape[0]:  # no tied times: groups are rows
        cum = np.cumsum(values, axis=0)
    else:
        cum = np.cumsum(np.add.reduceat(values, sd.starts, axis=0), axis=0)
    if sd.stratum_end[0] == sd.starts.size:  # a single stratum: nothing to restart
        return cum
    before = np.where(sd.stratum_first > 0, sd.stratum_first - 1, 0)
    offset = cum[before]
    offset[sd.stratum_first == 0] = 0
    return cum - offset


def reverse_group_cumsum(a: np.ndarray, sd: Sorted) -> np.ndarray:
    """For each group g, the sum of ``a`` over groups g..last group of g's stratum."""
    rc = np.cumsum(a[::-1], axis=0)[::-1]
    tail = np.zeros_like(rc[:1])
    rc_ext = np.concatenate([rc, tail])
    return rc - rc_ext[sd.stratum_end]


def weighted_gram(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``x' diag(v) x`` in row blocks, so no n-by-p-by-p (or second n-by-p) array is formed."""
    p = x.shape[1]
    out = np.zeros((p, p))
    for lo in range(0, x.shape[0], _CHUNK):
        xb = x[lo:lo + _CHUNK]
        out += (xb * v[lo:lo + _CHUNK, None]).T @ xb
    return out


@dataclass(frozen=True, slots=True)
class Terms:
    """Log partial likelihood, score and information at one beta, plus Efron pieces."""

    loglik: float
    u: np.ndarray
    imat: np.ndarray
    risk: np.ndarray  # w * exp(eta), sorted rows
    den: np.ndarray  # (m,) Efron/Breslow denominator of each death term
    mean: np.ndarray  # (m, p) mean of x over that term's risk set
    wtave: np.ndarray  # (m,) weight of each death term (W/d)


def evaluate(beta: np.ndarray, sd: Sorted, *, info: bool = True) -> Terms:
    """Evaluate the Efron/Breslow log partial likelihood and its derivatives at ``beta``."""
    eta = sd.x @ beta
    # shift before exp to avoid overflow; the likelihood is invariant to the shift per stratum,
    # and a global shift is enough because it cancels between numerator and denominator
    shift = eta.max() if eta.size else 0.0
    r = sd.w * np.exp(eta - shift)
    s0 = risk_sums(r, sd)
    s1 = risk_sums(r[:, None] * sd.x, sd)
    dead, dg, frac = sd.dead, sd.dgroup, sd.frac
    rd = r[dead]
    ngroups = sd.starts.size
    den = s0[dg]
    mean = s1[dg]
    tied = sd.tied
    if tied.size:  # Efron's correction only touches groups with two or more deaths
        td, tg, tf = dead[tied], dg[tied], frac[tied]
        d0 = np.bincount(tg, weights=r[td], minlength=ngroups)
        d1 = np.zeros((ngroups, sd.x.shape[1]))
        _group_add(d1, tg, r[td][:, None] * sd.x[td])
        den[tied] -= tf * d0[tg]
        mean[tied] -= tf[:, None] * d1[tg]
    mean /= den[:, None]
    wtave = sd.deadwt[dg] / sd.nd[dg]
    loglik = float(sd.w[dead] @ (eta[dead] - shift) - wtave @ np.log(den))
    u = sd.wx_dead - wtave @ mean
    imat = np.zeros((beta.size, beta.size))
    if info:
        a = np.bincount(dg, weights=wtave / den, minlength=ngroups)
        b = np.bincount(dg, weights=wtave * frac / den, minlength=ngroups)
        coef = reverse_group_cumsum(a, sd)[sd.group] * r
        coef[dead] -= b[dg] * rd
        imat = weighted_gram(sd.x, coef) - (mean * wtave[:, None]).T @ mean
    return Terms(loglik, u, imat, r, den, mean, wtave)


def _group_add(out: np.ndarray, idx: np.ndarray, vals: np.ndarray) -> None:
    """``np.add.at`` for sorted indices, via reduceat (much faster on large inputs)."""
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    out[idx[starts]] += np.add.reduceat(vals, starts, axis=0)


@dataclass(frozen=True, slots=True)
class Fit:
    beta: np.ndarray
    var: np.ndarray  # inverse information at beta (model-based variance)
    u: np.ndarray  # score at beta
    loglik_null: float
    loglik: float
    score_test: float
    iterations: int
    converged: bool
    halving: bool


def chol_solve(imat: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve with the information matrix; pseudo-inverse only when it is numerically singular."""
    try:
        c = np.linalg.cholesky(imat)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(imat) @ rhs
    y = np.linalg.solve(c, rhs)
    return np.linalg.solve(c.T, y)


def newton(evaluate_at, p: int, *, eps: float = 1e-9, maxiter: int = 20) -> Fit:
    """Newton-Raphson with step halving, the iteration of R's ``coxfit6.c``.

    Starting at beta = 0, a step is accepted when the log-likelihood does not decrease;
    otherwise ``newbeta = (newbeta + h * beta) / (h + 1)`` with ``h`` the halving count.
    Converged when ``|1 - loglik_old / loglik_new| <= eps`` (R's ``coxph.control(eps=1e-9)``),
    and the returned beta, score and information are those of the last evaluation, as in R,
    so the iterates (and hence the reported digits) follow R's.
    """
    beta = np.zeros(p)
    t0 = evaluate_at(beta)
    loglik_null = t0.loglik
    step = chol_solve(t0.imat, t0.u)
    score = float(t0.u @ step)
    best = t0.loglik
    newbeta = beta + step
    halving = 0
    last = t0
    for it in range(1, maxiter + 1):
        cur = evaluate_at(newbeta)
        finite = (np.isfinite(cur.loglik) and np.isfinite(cur.u).all()
                  and np.isfinite(cur.imat).all())
        if finite and abs(1 - best / cur.loglik) <= eps:
            return Fit(newbeta, _inverse(cur.imat), cur.u, loglik_null, cur.loglik, score, it,
                       True, halving > 0)
        if not finite or cur.loglik < best:
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = cur.loglik
            last = cur
            beta = newbeta
            newbeta = beta + chol_solve(cur.imat, cur.u)
    final = evaluate_at(beta) if maxiter > 1 else last
    return Fit(beta, _inverse(final.imat), final.u, loglik_null, final.loglik, score, maxiter,
               False, halving > 0)


def _inverse(imat: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(imat)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(imat)
