"""Cox partial likelihood engine on clean arrays (the ``coxph.fit`` of retrostudy).

The front end (:mod:`retrostudy.stats.cox`) validates the input and builds the design
matrix; everything here assumes finite arrays, 0/1 events and positive weights. The sort
and the tie-group structure, built once per fit, are in :mod:`._cox_ties`.

Likelihood. For death record ``i`` of death group ``g`` (risk-set sums ``S0_g, S1_g,
S2_g``, summed death risks ``D0_g, D1_g, D2_g``, Efron fraction ``f_i``, term weight
``a_i = W_g / d_g``; Breslow: ``f_i = 0``):

    ``den_i = S0_g - f_i D0_g``,   ``mean_i = (S1_g - f_i D1_g) / den_i``
    ``l(b) = sum_deaths w_i eta_i - sum_i a_i log den_i``
    ``U(b) = sum_deaths w_i x_i - sum_i a_i mean_i``
    ``I(b) = sum_i a_i [(S2_g - f_i D2_g) / den_i - mean_i mean_i']``

(Therneau & Grambsch 2000, sec. 3.3; Efron 1977, JASA 72:557; R's ``coxfit6.c``.)

How one evaluation is computed, in few passes over the n rows. With ``h_i = a_i / den_i``,
``A_g = sum_{i in g} h_i`` and ``B_g = sum_{i in g} h_i f_i``, give each row the weight

    ``c_j = r_j sum_{g: j in R_g} A_g - [j a death] r_j B_g(j)``

(a reverse cumulative sum over the groups). Then ``sum_i a_i mean_i = X' c`` (one
matrix-vector product) and ``sum_i h_i (S2_g - f_i D2_g) = X' diag(c) X`` (one BLAS Gram,
in row blocks), and the outer-product part is a sum over the death *groups*, not the
death records:

    ``sum_i a_i mean_i mean_i' = sum_g [C0_g S1 S1' - C1_g (S1 D1' + D1 S1') + C2_g D1 D1']``

with ``C_k,g = sum_{i in g} a_i f_i^k / den_i^2``. Per evaluation: ``X b``, ``exp``, ``r x``
and its group sums are O(n p); the Gram is O(n p^2) in BLAS; the rest is O(G_d p^2) over
the ``G_d`` death groups. On day data (a few thousand distinct times) that is the per
distinct time aggregation; R's ``coxfit6.c`` instead loops over rows and deaths in C.

Two engines compute this evaluation. Below ``COMPILED_MIN_ROWS`` rows the numpy code of
this module (row blocks, cumulative sums); from there on the compiled kernel of
:mod:`._cox_kernel` (the same formulas in one forward and one backward walk over the rows,
the Gram in BLAS), 1.5-4x faster per evaluation and equal to 1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _cox_kernel
from ._cox_ties import (
    Sorted,
    at_risk_rows,
    entry_sums,
    prepare,
    reverse_group_cumsum,
    risk_sums,
    sort_order,
)

__all__ = ["Fit", "Sorted", "Terms", "at_risk_rows", "chol_solve", "evaluate", "newton",
           "prepare", "reverse_group_cumsum", "risk_sums", "sort_order", "weighted_gram"]

_CHUNK = 1 << 15  # rows per block (sums, Gram): bounds each temporary to 256 kB per column
# Fits with at least this many rows evaluate the likelihood with the compiled kernel
# (:mod:`._cox_kernel`); smaller ones with numpy, so they pay no numba import or compilation
# and give the same digits as always. ENGINE forces one ("numpy", "compiled"), e.g. in tests.
COMPILED_MIN_ROWS = 50_000
ENGINE = "auto"


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


def _blocks(sd: Sorted) -> list[tuple[int, ...]]:
    """Row blocks of about ``_CHUNK`` rows cut at tie-group starts, each as the bounds
    ``(r0, r1, g0, g1, m0, m1, k0, k1, ta, tb, j0, j1)`` of its rows, groups, death records,
    death groups, tied death records and tied groups. Computed once per fit (kept in
    ``sd.cache``): every evaluation walks the same blocks."""
    key = ("blocks", _CHUNK)
    if key not in sd.cache:
        n, ngroups = sd.x.shape[0], sd.starts.size
        gcut = np.unique(np.searchsorted(sd.starts, np.arange(0, n, _CHUNK)))
        gcut = np.append(gcut[gcut < ngroups], ngroups)  # a last group may span a block start
        rcut = np.append(sd.starts[gcut[:-1]], n)
        dcut = np.searchsorted(sd.dead, rcut)
        kcut = np.searchsorted(sd.dgu, gcut)
        tcut = np.searchsorted(sd.tied, dcut)
        jcut = np.searchsorted(sd.tstart, tcut)
        cuts = np.stack([rcut, gcut, dcut, kcut, tcut, jcut]).tolist()
        sd.cache[key] = [tuple(v for c in cuts for v in (c[b], c[b + 1]))
                         for b in range(gcut.size - 1)]
    return sd.cache[key]


def _group_sums(r: np.ndarray, sd: Sorted):
    """Yield, block by block, (death slice, death-group slice, ``S1`` of the block's groups,
    the death groups' positions among them, tied-group slice, ``D1`` of those tied groups,
    tied-death slice).

    The cumulative sums of ``r x`` are formed per block with a carried total (and a base
    per stratum), so no n-by-p array is needed beyond the data.
    """
    p = sd.x.shape[1]
    carry = np.zeros(p)
    base = np.zeros((sd.sfirst.size, p))
    no_ties = sd.starts.size == sd.x.shape[0]
    late = None if sd.egroup is None else entry_sums(r[:, None] * sd.x, sd)
    tied, tstart = sd.tied, sd.tstart
    for r0, r1, g0, g1, m0, m1, k0, k1, ta, tb, j0, j1 in _blocks(sd):
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
        if late is not None:
            cum -= late[g0:g1]
        d1 = None
        if tb > ta:  # Efron: the tied deaths' own sums
            d1 = np.add.reduceat(vals[sd.dead[tied[ta:tb]] - r0], tstart[j0:j1] - ta, axis=0)
        yield (slice(m0, m1), slice(k0, k1), cum, sd.dgu[k0:k1] - g0, slice(j0, j1), d1,
               slice(ta, tb))


def evaluate(beta: np.ndarray, sd: Sorted, *, info: bool = True, keep: bool = False) -> Terms:
    """Evaluate the Efron/Breslow log partial likelihood and its derivatives at ``beta``.

    Memory: beyond the data only vectors of length n and p-column blocks; ``keep=True``
    also returns the (m, p) per-death means (residuals, zph). Large fits (see
    ``COMPILED_MIN_ROWS``) run the compiled kernel unless ``keep`` asks for the means.
    """
    if not keep and _compiled_engine(sd):
        return _evaluate_compiled(beta, sd, info)
    eta = sd.x @ beta
    # shift before exp to avoid overflow; the likelihood is invariant to the shift per stratum,
    # and a global shift is enough because it cancels between numerator and denominator
    shift = eta.max() if eta.size else 0.0
    dead, dg, frac, tied = sd.dead, sd.dgroup, sd.frac, sd.tied
    # sum_deaths w_i eta_i = (sum_deaths w_i x_i)' b
    loglik = float(sd.wx_dead @ beta) - shift * _death_weight(sd)
    r = np.exp(eta - shift, out=eta)
    if not sd.cache.get("unit"):
        r *= sd.w
    den = risk_sums(r, sd)[dg]
    if tied.size:  # Efron's correction only touches groups with two or more deaths
        d0 = np.add.reduceat(r[dead[tied]], sd.tstart)
        den[tied] -= frac[tied] * d0[sd.tgi]
    wtave = sd.wtave
    loglik -= float(wtave @ np.log(den))
    h = wtave / den
    p = beta.size
    hg = _by_death_group(h, sd)  # A_g over the death groups
    ht = h[tied] * frac[tied]
    bt = np.add.reduceat(ht, sd.tstart) if tied.size else ht  # B_g over the tied groups
    q = h / den
    c0 = _by_death_group(q, sd)
    qt = q[tied] * frac[tied]
    c1 = np.add.reduceat(qt, sd.tstart) if tied.size else qt
    c2 = np.add.reduceat(qt * frac[tied], sd.tstart) if tied.size else qt
    u = sd.wx_dead.copy()
    outer = np.zeros((p, p))
    kept = np.empty((dead.size, p)) if keep else None
    for ms, ks, cum, gidx, js, d1, ts in _group_sums(r, sd):
        tix = sd.tdpos[js] - ks.start  # the tied groups among the block's death groups
        if keep or 4 * gidx.size <= cum.shape[0]:  # few death groups: gather their sums
            s1, hk, ck = cum[gidx], hg[ks], c0[ks]
        else:  # mostly death groups: weight every group of the block instead of gathering
            s1, hk, ck, tix = cum, _spread(hg[ks], gidx, cum), _spread(c0[ks], gidx, cum), gidx[tix]
        u -= hk @ s1
        if d1 is not None:
            u += bt[js] @ d1
        if info:
            outer += _outer(s1, d1, ck, c1[js], c2[js], tix)
        if kept is not None:
            kept[ms] = _means(s1, d1, den[ms], sd, ms, ks, js, ts)
    imat = np.zeros((p, p))
    if info:
        imat = weighted_gram(sd.x, _row_weights(hg, bt, r, sd)) - outer
    return Terms(loglik, u, imat, r, den, kept, wtave)


def _compiled_engine(sd: Sorted) -> bool:
    if ENGINE not in ("auto", "numpy", "compiled"):
        raise ValueError(f"ENGINE must be 'auto', 'numpy' or 'compiled', got {ENGINE!r}")
    if ENGINE == "auto":
        return sd.x.shape[0] >= COMPILED_MIN_ROWS
    return ENGINE == "compiled"


def _evaluate_compiled(beta: np.ndarray, sd: Sorted, info: bool) -> Terms:
    """:func:`evaluate` with the risk-set sums and death terms from the compiled kernel:
    ``X b``, ``exp``, the logarithms and the Gram stay in numpy/BLAS (vectorised)."""
    eta = sd.x @ beta
    shift = eta.max()
    r = np.exp(eta - shift, out=eta)
    if not sd.cache.get("unit"):
        r *= sd.w
    den = np.empty(sd.dead.size)
    coef = np.empty(r.shape[0] if info else 0)
    egroup = _NO_ENTRY if sd.egroup is None else sd.egroup
    part, outer = _cox_kernel.compiled()(
        sd.x, r, sd.event, sd.starts, sd.gstrat, sd.nd, egroup, sd.frac, sd.wtave,
        sd.tied.size > 0, info, den, coef)
    loglik = float(sd.wx_dead @ beta) - shift * _death_weight(sd) - float(sd.wtave @ np.log(den))
    imat = np.zeros_like(outer)
    if info:
        outer += np.tril(outer, -1).T
        imat = weighted_gram(sd.x, coef) - outer
    return Terms(loglik, sd.wx_dead - part, imat, r, den, None, sd.wtave)


_NO_ENTRY = np.empty(0, np.int64)


def _outer(s1, d1, c0, c1, c2, tdpos) -> np.ndarray:
    """``sum_g [C0 S1 S1' - C1 (S1 D1' + D1 S1') + C2 D1 D1']`` over one block's groups."""
    out = (s1 * c0[:, None]).T @ s1
    if d1 is not None:
        cross = (s1[tdpos] * c1[:, None]).T @ d1
        out += (d1 * c2[:, None]).T @ d1 - cross - cross.T
    return out


def _means(s1, d1, den, sd: Sorted, ms, ks, js, ts) -> np.ndarray:
    """Per death record of one block, ``mean_i = (S1_g - f_i D1_g) / den_i``."""
    mean = s1[sd.dpos[ms] - ks.start]
    if d1 is not None:
        tpos = sd.tied[ts]
        mean[tpos - ms.start] -= sd.frac[tpos, None] * d1[sd.tgi[ts] - js.start]
    mean /= den[:, None]
    return mean


def _spread(values: np.ndarray, idx: np.ndarray, like: np.ndarray) -> np.ndarray:
    out = np.zeros(like.shape[0])
    out[idx] = values
    return out


def _death_weight(sd: Sorted) -> float:
    if "wdead" not in sd.cache:
        sd.cache["wdead"] = float(sd.w[sd.dead].sum())
    return sd.cache["wdead"]


def _by_death_group(values: np.ndarray, sd: Sorted) -> np.ndarray:
    """Sums of per-death-record ``values`` over each death group (as is without ties)."""
    if sd.dgu.size == values.shape[0]:
        return values
    return np.add.reduceat(values, sd.dstart)


def _row_weights(hg: np.ndarray, bt: np.ndarray, r: np.ndarray, sd: Sorted) -> np.ndarray:
    """``c_j = r_j sum_{g: j in R_g} A_g - [j dead] r_j B_g(j)`` (see the module docstring)
    from ``A`` over the death groups and ``B`` over the tied groups."""
    ngroups = sd.starts.size
    a = np.zeros(ngroups)
    a[sd.dgu] = hg
    if sd.egroup is not None:
        coef = at_risk_rows(a, sd)
    else:
        coef = reverse_group_cumsum(a, sd)
        if ngroups < r.shape[0]:  # with ties, spread group values to rows
            coef = coef[sd.group]
    coef *= r
    if sd.tied.size:
        rows = sd.dead[sd.tied]
        coef[rows] -= bt[sd.tgi] * r[rows]
    return coef


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
