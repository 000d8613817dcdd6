"""Harrell's concordance of a Cox model with R's infinitesimal-jackknife standard error.

A pair (i, j) in the same stratum is comparable when i has an event and j is still at risk
after i's event (a later time, or censored at the same time); two events at the same time
are not comparable (R's ``tied.y``). With ``w_i w_j`` as the pair weight it is concordant
when the earlier failure has the higher linear predictor, discordant when lower, and
``tied.x`` when equal. ``C = (concordant + tied.x / 2) / (concordant + discordant + tied.x)``.

Standard error, as ``summary(coxph)`` prints (``survival::concordancefit``): with Somers'
``d = (c - d) / N`` and, for each row, ``I_c, I_d, I_t`` the summed partner weights of its
concordant, discordant and tied.x pairs, ``dfbeta_i = w_i ((I_c - I_d)/N - d/N (I_c + I_d +
I_t))``, summed within clusters, and ``var(C) = sum dfbeta^2 / 4``.

Counting is a two-dimensional dominance count done without a tree: the predictor's ranks are
split bit by bit (most significant first); at each bit every pair that first differs there
is counted with cumulative sums inside (stratum, rank prefix) blocks kept in time order, and
the blocks are split for the next bit by a stable partition. O(n log n) numpy passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Concordance:
    """Harrell's C (``estimate``) and its infinitesimal-jackknife ``std_err``."""

    estimate: float
    std_err: float


def _bounds(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of the run of equal keys containing each position."""
    n = keys[0].shape[0]
    new = np.zeros(n, bool)
    new[0] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    rid = np.cumsum(new) - 1
    return starts[rid], ends[rid]


def _prefix(z: np.ndarray) -> np.ndarray:
    out = np.empty(z.shape[0] + 1)
    out[0] = 0.0
    np.cumsum(z, out=out[1:])
    return out


def _concordant(key, k, w, ev, nbits):
    """Summed weights of each row's concordant partners, and the final arrangement.

    Rows come in (time key, predictor rank) order, grouped by stratum, and ``key`` is
    stratum * 2**nbits + rank. Inside a block of equal ``key >> (level + 1)`` the rows keep
    that order, so rows of the lower half (bit 0) with the same time key precede those of
    the upper half: "after me" for an upper-half event is exactly "comparable and lower",
    and "before me" for a lower-half row is exactly "an earlier event with a higher
    predictor". Pairs are counted at the bit where their ranks first differ; each block is
    then split by a stable partition, so at the end rows are in (key, time key) order.
    """
    n = key.shape[0]
    conc = np.zeros(n)
    pos = np.arange(n)
    orig = pos.copy()
    for level in range(nbits - 1, -1, -1):
        bit = ((key >> level) & 1).astype(bool)
        gs, ge = _bounds(key >> (level + 1))
        z0 = _prefix(np.where(bit, 0.0, w))
        e1 = _prefix(np.where(bit, w * ev, 0.0))
        conc += np.where(bit, ev * (z0[ge] - z0[pos + 1]), e1[pos] - e1[gs])
        c1 = _prefix(bit)
        ones_before = c1[pos] - c1[gs]
        nzero = (ge - gs) - (c1[ge] - c1[gs])
        offset = np.where(bit, nzero + ones_before, (pos - gs) - ones_before)
        new_pos = (gs + offset).astype(np.int64)
        key, k, w, ev, conc, orig = (_moved(a, new_pos) for a in (key, k, w, ev, conc, orig))
    return conc, (key, k, w, ev, orig)


def _moved(a: np.ndarray, new_pos: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    out[new_pos] = a
    return out


def _scatter(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[order] = values
    return out


def concordance(time, event, lp, w, strata_code, cluster=None, *, presorted=False) -> Concordance:
    """Harrell's C with higher ``lp`` meaning earlier failure (R's ``reverse=TRUE``).

    ``presorted=True`` promises rows sorted by (stratum, time descending), as the Cox engine
    holds them, which saves a sort. ``cluster`` holds integer codes in the same row order.
    """
    if not presorted:
        o = np.lexsort((-time, strata_code))
        time, event, lp, w, strata_code = (a[o] for a in (time, event, lp, w, strata_code))
        cluster = None if cluster is None else cluster[o]
    # reversed: time ascending inside strata (strata in descending order, which is harmless)
    t, e, x, w, s = (a[::-1] for a in (time, event, lp, w, strata_code))
    n = t.shape[0]
    ev = e.astype(float)
    new_run = np.empty(n, bool)
    new_run[0] = True
    new_run[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    # time key: events before censorings at the same time, so "k_j > k_i" = comparable
    k = 2 * (np.cumsum(new_run) - 1) + (1 - e.astype(np.int64))
    _, xr = np.unique(x, return_inverse=True)
    nbits = max(1, int(xr.max()).bit_length())
    order = np.argsort(k * (int(xr.max()) + 1) + xr, kind="stable")
    so, ko, wo, evo = s[order].astype(np.int64), k[order], w[order], ev[order]
    ss, se = _bounds(so)
    rs, re = _bounds(ko)
    zw, ze = _prefix(wo), _prefix(wo * evo)
    total = evo * (zw[se] - zw[re]) + (ze[rs] - ze[ss])
    conc, (keyf, kf, wf, evf, orig) = _concordant((so << nbits) | xr[order], ko, wo, evo, nbits)
    # partners tied on the predictor: same (stratum, rank) block, comparable in time
    gs, ge = _bounds(keyf)
    rs, re = _bounds(keyf, kf)
    zw, ze = _prefix(wf), _prefix(wf * evf)
    tied = _scatter(evf * (zw[ge] - zw[re]) + (ze[rs] - ze[gs]), orig)
    conc = _scatter(conc, orig)
    disc = total - conc - tied
    w = wo
    if cluster is not None:
        cluster = cluster[::-1][order]
    # every pair is counted once from the event's side and once from the partner's side
    ncon = float(w @ conc) / 2.0
    ndis = float(w @ disc) / 2.0
    npair = float(w @ (conc + disc + tied)) / 2.0
    if npair == 0:
        return Concordance(float("nan"), float("nan"))
    somers = (ncon - ndis) / npair
    dfbeta = w * ((conc - disc) / npair - somers / npair * (conc + disc + tied))
    if cluster is not None:
        dfbeta = np.bincount(cluster, weights=dfbeta)
    var = float(dfbeta @ dfbeta) / 4.0
    return Concordance((somers + 1.0) / 2.0, float(np.sqrt(var)))
