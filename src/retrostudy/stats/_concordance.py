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


def _block_counts(gkey, ks, w, ev, bit):
    """Per position: weights of the other half of its block after it (later) and before it
    (earlier events), for rows whose bit is 1 and 0."""
    gs, ge = _bounds(gkey)
    rs, re = _bounds(gkey, ks)
    one = bit.astype(bool)
    z1 = _prefix(np.where(one, w, 0.0))
    z0 = _prefix(np.where(one, 0.0, w))
    e1 = _prefix(np.where(one, w * ev, 0.0))
    e0 = _prefix(np.where(one, 0.0, w * ev))
    later_other = np.where(one, z0[ge] - z0[re], z1[ge] - z1[re])
    earlier_other = np.where(one, e0[rs] - e0[gs], e1[rs] - e1[gs])
    return later_other, earlier_other, gs, ge


def concordance(time, event, lp, w, strata_code, cluster=None) -> Concordance:
    """Harrell's C with higher ``lp`` meaning earlier failure (R's ``reverse=TRUE``)."""
    n = time.shape[0]
    ev = event.astype(float)
    _, xr = np.unique(lp, return_inverse=True)
    _, tr = np.unique(time, return_inverse=True)
    k = 2 * tr.astype(np.int64) + (1 - event.astype(np.int64))
    sc = strata_code.astype(np.int64)
    nbits = max(1, int(xr.max()).bit_length())
    order = np.lexsort((k, sc))
    conc = np.zeros(n)  # partner weights of pairs where this row's side is "concordant"
    disc = np.zeros(n)
    for level in range(nbits - 1, -1, -1):
        xo = xr[order]
        gkey = (sc[order] << (nbits - level)) | (xo >> (level + 1))
        bit = (xo >> level) & 1
        later, earlier, gs, ge = _block_counts(gkey, k[order], w[order], ev[order], bit)
        one = bit.astype(bool)
        evo = ev[order]
        # event i with the higher rank (bit 1) vs later j with lower: concordant for both
        conc[order] += np.where(one, later * evo, earlier)
        disc[order] += np.where(one, earlier, later * evo)
        # stable partition of each block by the bit, for the next (lower) bit
        c1 = _prefix(bit.astype(float))
        pos = np.arange(n)
        ones_before = c1[pos] - c1[gs]
        zeros_before = (pos - gs) - ones_before
        nzero = (ge - gs) - (c1[ge] - c1[gs])
        new_pos = gs + np.where(one, nzero + ones_before, zeros_before).astype(np.int64)
        new_order = np.empty_like(order)
        new_order[new_pos] = order
        order = new_order
    # ties in lp: after the last bit the blocks are (stratum, rank), still in time order
    gkey = sc[order] * (int(xr.max()) + 1) + xr[order]
    wo, evo = w[order], ev[order]
    gs, ge = _bounds(gkey)
    rs, re = _bounds(gkey, k[order])
    zw, ze = _prefix(wo), _prefix(wo * evo)
    tied = np.zeros(n)
    tied[order] = evo * (zw[ge] - zw[re]) + (ze[rs] - ze[gs])
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
