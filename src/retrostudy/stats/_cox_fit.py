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

Delayed entry (counting-process data ``(entry, time]``, R's ``Surv(start, stop, event)``):
a row is in the risk set of group g when ``entry < t_g <= time``. Its *entry group* is the
first group of its stratum (in the descending order) with ``t_g <= entry`` (``G``, one past
the last group, when there is none): from that group on the row has left the risk set
again (looking backwards in time), so risk-set sums are the prefix sums above minus the
prefix sums of the values binned by entry group, and a row's reverse sums stop at its
entry group. An entry on the day of a death is not at risk at that death, as in R.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

_CHUNK = 1 << 15  # rows per block (mean, Gram): bounds each temporary to 256 kB per column


@dataclass(frozen=True, slots=True)
class Sorted:
    """Design sorted by (stratum, time descending) with its tie-group structure."""

    x: np.ndarray  # (n, p) centred covariates, sorted, column-major
    w: np.ndarray  # (n,) case weights
    event: np.ndarray  # (n,) bool
    time: np.ndarray  # (n,) sorted times
    group: np.ndarray  # (n,) tie-group index of each row
    starts: np.ndarray  # (G,) first row of each tie group
    gstrat: np.ndarray  # (G,) stratum of each group (0..S-1 in sorted order)
    sfirst: np.ndarray  # (S,) first group of each stratum
    send: np.ndarray  # (S,) one past the last group of each stratum
    dead: np.ndarray  # (m,) sorted row indices of death records
    dgroup: np.ndarray  # (m,) tie group of each death record
    frac: np.ndarray  # (m,) Efron fraction k/d of each death record
    nd: np.ndarray  # (G,) death records per group
    wtave: np.ndarray  # (m,) weight of each death's Efron term: summed death weight / d
    means: np.ndarray  # (p,) weighted column means removed from x
    tied: np.ndarray  # positions (in ``dead``) of deaths in groups with >= 2 deaths (Efron)
    wx_dead: np.ndarray  # (p,) sum over deaths of w x (constant part of the score)
    egroup: np.ndarray | None = None  # (n,) entry group of each row (delayed entry only)

    @property
    def single(self) -> bool:
        return self.sfirst.size == 1


def _flags(a: np.ndarray) -> np.ndarray:
    """True where a run of equal values starts."""
    new = np.empty(a.shape[0], bool)
    new[:1] = True
    np.not_equal(a[1:], a[:-1], out=new[1:])
    return new


def sort_order(time: np.ndarray, strata_code: np.ndarray) -> np.ndarray:
    """Row order by (stratum ascending, time descending): the engine's single sort."""
    if strata_code.max() == strata_code.min():
        return np.argsort(time)[::-1]
    return np.lexsort((-time, strata_code))


def prepare(time, event, xs, w, strata_code, order, *, efron: bool, entry=None) -> Sorted:
    """Build the tie-group index used by every iteration.

    ``xs`` is the design already in ``order`` (column-major, see :func:`sort_order`); it is
    centred in place at the weighted column means. ``w`` None means unit weights. ``entry``
    (unsorted, each < its time) adds the entry groups of delayed entry.
    """
    single = strata_code.max() == strata_code.min()
    t = time[order]
    n = t.shape[0]
    ws = np.ones(n) if w is None else w[order]
    means = ws @ xs / ws.sum()
    xs -= means
    ev = event[order].astype(bool)
    new_group = _flags(t)
    new_stratum = np.zeros(n, bool) if single else _flags(strata_code[order])
    new_stratum[0] = True
    new_group |= new_stratum
    itype = np.int32 if n < 2**31 else np.int64
    starts = np.flatnonzero(new_group).astype(itype)
    group = np.cumsum(new_group, dtype=itype) - 1
    del new_group
    g_new_stratum = new_stratum[starts]
    gstrat = np.cumsum(g_new_stratum, dtype=itype) - 1
    sfirst = np.flatnonzero(g_new_stratum)
    send = np.append(sfirst[1:], starts.size)
    dead = np.flatnonzero(ev)
    dgroup = group[dead]
    ngroups = starts.size
    nd = np.bincount(dgroup, minlength=ngroups).astype(itype)
    wtave = np.bincount(dgroup, weights=ws[dead], minlength=ngroups)[dgroup]
    wtave /= nd[dgroup]
    if efron:
        # rank of each death within its tie group: position minus first death of the group
        frac = np.arange(dead.size, dtype=float)
        frac -= np.searchsorted(dgroup, dgroup, side="left")
        frac /= nd[dgroup]
    else:
        frac = np.zeros(dead.size)
    # Breslow (fraction 0): the tied-death correction subtracts exact zeros, so it is skipped
    tied = np.flatnonzero(nd[dgroup] > 1) if efron else np.empty(0, np.intp)
    egroup = None
    if entry is not None:
        egroup = _entry_groups(entry[order], t[starts], gstrat[group], sfirst, send)
    return Sorted(xs, ws, ev, t, group, starts, gstrat, sfirst, send, dead, dgroup,
                  frac, nd, wtave, means, tied, (ws * ev) @ xs, egroup)


def _entry_groups(entry, gtime, rstrat, sfirst, send) -> np.ndarray:
    """Per row, the first group of its stratum with time <= entry (``G`` if none)."""
    out = np.empty(entry.shape[0], dtype=np.int64)
    ngroups = gtime.shape[0]
    for s in range(sfirst.shape[0]):
        rows = rstrat == s
        neg = -gtime[sfirst[s]:send[s]]  # ascending
        pos = np.searchsorted(neg, -entry[rows], side="left") + sfirst[s]
        out[rows] = np.where(pos == send[s], ngroups, pos)
    return out


def entry_sums(values: np.ndarray, sd: Sorted) -> np.ndarray:
    """Per group g, the sum of ``values`` over rows of g's stratum with ``entry >= t_g``
    (rows not yet entered at g): prefix sums of the values binned by entry group."""
    assert sd.egroup is not None, "entry_sums needs delayed entry"
    ngroups = sd.starts.size
    flat = values.reshape(values.shape[0], -1)
    out = np.empty((ngroups, flat.shape[1]))
    for j in range(flat.shape[1]):
        out[:, j] = np.bincount(sd.egroup, weights=flat[:, j], minlength=ngroups + 1)[:ngroups]
    np.cumsum(out, axis=0, out=out)
    if not sd.single:  # entry groups stay in their stratum: restart the sums at each one
        base = np.zeros((sd.sfirst.size, out.shape[1]))
        base[1:] = out[sd.sfirst[1:] - 1]
        out -= base[sd.gstrat]
    return out.reshape((ngroups, *values.shape[1:]))


def at_risk_rows(a: np.ndarray, sd: Sorted) -> np.ndarray:
    """For each row, the sum of the per-group ``a`` over the groups whose risk set holds it:
    from its own group to the end of its stratum, stopping at its entry group."""
    rc = reverse_group_cumsum(a, sd)
    if sd.egroup is None:
        return rc[sd.group]
    ext = np.concatenate((rc, np.zeros((1, *rc.shape[1:]))))
    return rc[sd.group] - ext[sd.egroup]


def risk_sums(values: np.ndarray, sd: Sorted) -> np.ndarray:
    """Risk-set sums per tie group: cumulative group sums restarted at each stratum."""
    if sd.starts.size == values.shape[0]:  # no tied times: groups are rows
        cum = np.cumsum(values, axis=0)
    else:
        grouped = np.add.reduceat(values, sd.starts, axis=0)
        cum = np.cumsum(grouped, axis=0, out=grouped)
    if not sd.single:
        base = np.zeros((sd.sfirst.size, *cum.shape[1:]))
        base[1:] = cum[sd.sfirst[1:] - 1]
        cum -= base[sd.gstrat]
    if sd.egroup is not None:
        cum -= entry_sums(values, sd)
    return cum


def reverse_group_cumsum(a: np.ndarray, sd: Sorted) -> np.ndarray:
    """For each group g, the sum of ``a`` over groups g..last group of g's stratum."""
    rc = np.cumsum(a[::-1], axis=0)[::-1]  # a reversed view of a new array: safe to modify
    if sd.single:
        return rc
    tail = np.zeros((sd.send.size, *rc.shape[1:]))
    inner = sd.send < rc.shape[0]
    tail[inner] = rc[sd.send[inner]]
    rc -= tail[sd.gstrat]
    return rc


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
    mean: np.ndarray | None  # (m, p) mean of x over each term's risk set (if keep=True)
    wtave: np.ndarray  # (m,) weight of each death term (W/d)


class _Step(NamedTuple):
    loglik: float
    u: np.ndarray
    imat: np.ndarray


def _tied_d0(r: np.ndarray, sd: Sorted) -> np.ndarray:
    """``D0`` (summed risk of the deaths) of each tied death's group, per tied death."""
    tg = sd.dgroup[sd.tied]
    first = _flags(tg)
    d0 = np.add.reduceat(r[sd.dead[sd.tied]], np.flatnonzero(first))
    return d0[np.cumsum(first) - 1]


def _blocks(sd: Sorted):
    """Row blocks of about ``_CHUNK`` rows cut at tie-group starts: (rows, groups, deaths)."""
    n, ngroups = sd.x.shape[0], sd.starts.size
    gcut = np.unique(np.searchsorted(sd.starts, np.arange(0, n, _CHUNK)))
    gcut = np.append(gcut[gcut < ngroups], ngroups)  # a last group may span a block start
    rcut = np.append(sd.starts[gcut[:-1]], n)
    dcut = np.searchsorted(sd.dead, rcut)
    return zip(zip(rcut[:-1], rcut[1:], strict=True), zip(gcut[:-1], gcut[1:], strict=True),
               zip(dcut[:-1], dcut[1:], strict=True), strict=True)


def _death_means(r: np.ndarray, sd: Sorted, den: np.ndarray):
    """Yield (death slice, means of x over each death term's risk set), block by block.

    The cumulative sums of ``r x`` are formed per block with a carried total (and a base
    per stratum), so no n-by-p array is needed beyond the data.
    """
    p = sd.x.shape[1]
    carry = np.zeros(p)
    base = np.zeros((sd.sfirst.size, p))
    no_ties = sd.starts.size == sd.x.shape[0]
    late = None if sd.egroup is None else entry_sums(r[:, None] * sd.x, sd)
    for (r0, r1), (g0, g1), (m0, m1) in _blocks(sd):
        vals = r[r0:r1, None] * sd.x[r0:r1]
        gsum = vals if no_ties else np.add.reduceat(vals, sd.starts[g0:g1] - r0, axis=0)
        cum = np.cumsum(gsum, axis=0)
        cum += carry
        if not sd.single:
            inside = np.flatnonzero((sd.sfirst > g0) & (sd.sfirst < g1))
            base[inside] = cum[sd.sfirst[inside] - 1 - g0]
            if g0 in sd.sfirst:
                base[np.searchsorted(sd.sfirst, g0)] = carry
            cum -= base[sd.gstrat[g0:g1]]
        carry = carry + gsum.sum(axis=0)
        mean = cum[sd.dgroup[m0:m1] - g0]
        if late is not None:
            mean -= late[sd.dgroup[m0:m1]]
        ta, tb = np.searchsorted(sd.tied, [m0, m1])
        if tb > ta:  # Efron: remove the fraction of the tied deaths' own sums
            tpos = sd.tied[ta:tb]
            first = _flags(sd.dgroup[tpos])
            d1 = np.add.reduceat(vals[sd.dead[tpos] - r0], np.flatnonzero(first), axis=0)
            mean[tpos - m0] -= sd.frac[tpos, None] * d1[np.cumsum(first) - 1]
        mean /= den[m0:m1, None]
        yield slice(m0, m1), mean


def evaluate(beta: np.ndarray, sd: Sorted, *, info: bool = True, keep: bool = False) -> Terms:
    """Evaluate the Efron/Breslow log partial likelihood and its derivatives at ``beta``.

    Memory: beyond the data only vectors of length n and p-column blocks; ``keep=True``
    also returns the (m, p) per-death means (residuals, zph).
    """
    eta = sd.x @ beta
    # shift before exp to avoid overflow; the likelihood is invariant to the shift per stratum,
    # and a global shift is enough because it cancels between numerator and denominator
    shift = eta.max() if eta.size else 0.0
    dead, dg, frac = sd.dead, sd.dgroup, sd.frac
    loglik = float(sd.w[dead] @ eta[dead]) - shift * float(sd.w[dead].sum())
    r = np.exp(eta - shift, out=eta)
    r *= sd.w
    den = risk_sums(r, sd)[dg]
    if sd.tied.size:  # Efron's correction only touches groups with two or more deaths
        den[sd.tied] -= frac[sd.tied] * _tied_d0(r, sd)
    wtave = sd.wtave
    loglik -= float(wtave @ np.log(den))
    p = beta.size
    u = sd.wx_dead.copy()
    outer = np.zeros((p, p))
    kept = np.empty((dead.size, p)) if keep else None
    for sl, mean in _death_means(r, sd, den):
        u -= wtave[sl] @ mean
        if info:
            outer += (mean * wtave[sl, None]).T @ mean
        if kept is not None:
            kept[sl] = mean
    imat = np.zeros((p, p))
    if info:
        ngroups = sd.starts.size
        a = np.bincount(dg, weights=wtave / den, minlength=ngroups)
        if sd.egroup is not None:
            coef = at_risk_rows(a, sd)
        else:
            coef = reverse_group_cumsum(a, sd)
            if ngroups < r.shape[0]:  # with ties, spread group values to rows
                coef = coef[sd.group]
        del a
        coef *= r
        if sd.tied.size:
            b = np.bincount(dg, weights=wtave * frac / den, minlength=ngroups)
            coef[dead] -= b[dg] * r[dead]
        imat = weighted_gram(sd.x, coef) - outer
    return Terms(loglik, u, imat, r, den, kept, wtave)


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
    def at(b: np.ndarray) -> _Step:  # keep (loglik, u, imat): a Terms' n-vectors are freed
        t = evaluate_at(b)
        return _Step(t.loglik, t.u, t.imat)

    beta = np.zeros(p)
    t0 = at(beta)
    loglik_null = t0.loglik
    step = chol_solve(t0.imat, t0.u)
    score = float(t0.u @ step)
    best = t0.loglik
    newbeta = beta + step
    halving = 0
    last = t0
    for it in range(1, maxiter + 1):
        cur = at(newbeta)
        finite = (np.isfinite(cur.loglik) and np.isfinite(cur.u).all()
                  and np.isfinite(cur.imat).all())
        # R's test |1 - old/new| <= eps; a log-likelihood of exactly 0 (a perfectly
        # separated fit) gives inf/nan there, i.e. "not converged", as in R
        with np.errstate(divide="ignore", invalid="ignore"):
            converged = finite and abs(1 - np.float64(best) / cur.loglik) <= eps
        if converged:
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
    final = at(beta) if maxiter > 1 else last
    return Fit(beta, _inverse(final.imat), final.u, loglik_null, final.loglik, score, maxiter,
               False, halving > 0)


def _inverse(imat: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(imat)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(imat)
