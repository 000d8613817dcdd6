"""Tie-group structure of the Cox engine: built once per fit, reused by every evaluation.

Layout. Rows are sorted once by (stratum ascending, time descending). A *tie group* is a run
of rows with the same stratum and time. With that order the risk set of a tie group is the
prefix of its stratum up to the end of the group, so the risk-set sums

    ``S0_g = sum_{i in R_g} r_i``,  ``S1_g = sum_{i in R_g} r_i x_i``  (``r_i = w_i exp(x_i'b)``)

are cumulative sums of group sums (``np.add.reduceat`` at the group starts), restarted at
each stratum. A *death group* is a tie group with at least one death record; Efron's
correction concerns only the *tied* death groups (two or more death records), whose
summed death risks ``D0_g, D1_g`` are formed at the same boundaries.

Efron's approximation (R's default) splits a death group with ``d`` death records and
summed death weight ``W`` into ``d`` terms ``k = 0..d-1`` of weight ``W/d`` and fraction
``f = k/d`` (counting death *records*, not summed weights, as ``therneau/survival :
src/coxfit6.c``); Breslow is ``f = 0``. Each death record carries its own ``f``.

Delayed entry (counting-process data ``(entry, time]``, R's ``Surv(start, stop, event)``):
a row is in the risk set of group g when ``entry < t_g <= time``. Its *entry group* is the
first group of its stratum (in the descending order) with ``t_g <= entry`` (``G``, one past
the last group, when there is none): from that group on the row has left the risk set
again (looking backwards in time), so risk-set sums are the prefix sums above minus the
prefix sums of the values binned by entry group, and a row's reverse sums stop at its
entry group. An entry on the day of a death is not at risk at that death, as in R.

The single sort: integer-valued times spanning fewer than 65,536 values (days) are
ordered by a stable radix sort of 16-bit keys (numpy's ``argsort(kind="stable")`` on
``uint16``), an order of magnitude faster than a comparison sort; other non-negative
doubles by one ``np.sort`` of their bit patterns with the row index packed into the
lowest bits (:func:`_packed_order`, about 1.5x faster than ``np.argsort``; the few pairs
of times closer than the packed bits are put right by a stable sort). The order
of rows within a tie group changes only the rounding of sums.

Reference: Therneau & Grambsch (2000), *Modeling Survival Data*, sec. 3.3; Efron (1977),
JASA 72:557.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _empty() -> np.ndarray:
    return np.empty(0, np.intp)


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
    # death groups (tie groups with a death record) and tied death groups (two or more):
    dgu: np.ndarray = field(default_factory=_empty)  # (Gd,) the death groups, ascending
    dpos: np.ndarray = field(default_factory=_empty)  # (m,) each death's index in dgu
    dstart: np.ndarray = field(default_factory=_empty)  # (Gd,) first death of each, in dead
    tstart: np.ndarray = field(default_factory=_empty)  # first of each tied group, in tied
    tdpos: np.ndarray = field(default_factory=_empty)  # index in dgu of each tied group
    tgi: np.ndarray = field(default_factory=_empty)  # each tied death's tied-group index
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # block bounds

    @property
    def single(self) -> bool:
        return self.sfirst.size == 1


def _flags(a: np.ndarray) -> np.ndarray:
    """True where a run of equal values starts."""
    new = np.empty(a.shape[0], bool)
    new[:1] = True
    np.not_equal(a[1:], a[:-1], out=new[1:])
    return new


def _day_keys(time: np.ndarray) -> np.ndarray | None:
    """``max - time`` as ``uint16`` when the times are integers spanning < 65,536 values
    (a descending order by a radix sort), else None."""
    if time.shape[0] < 1024 or time.dtype.kind not in "iuf":
        return None
    hi, lo = time.max(), time.min()
    if not hi - lo < 65536:
        return None
    if time.dtype.kind == "f":
        head = time[:256]
        if not np.array_equal(head, np.floor(head)):  # most continuous times stop here
            return None
    key = hi - time
    if time.dtype.kind == "f" and not np.array_equal(key, np.floor(key)):
        return None
    return key.astype(np.uint16)


def _packed_order(time: np.ndarray) -> np.ndarray | None:
    """Descending order of non-negative doubles from one ``uint64`` sort (not an argsort):
    the bit pattern of a non-negative double orders like the number, so the row index is
    packed into its lowest ``b`` bits (``2^b >= n``). Two times that differ only in those
    bits (relative difference below ``2^(b-52)``) might come out of order: a stable sort of
    the gathered, nearly sorted times puts them right (a timsort, near linear). None (the
    caller argsorts) for what cannot be packed."""
    n = time.shape[0]
    if time.dtype != np.float64 or n < 1024 or n >= 1 << 31:
        return None
    bits = time.view(np.uint64)
    if bits.max() >= np.uint64(1 << 63):  # a negative zero (or sign bit): not packable
        return None
    b = np.uint64(int(n - 1).bit_length())
    key = np.right_shift(bits, b)
    key <<= b
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    key &= np.uint64((1 << int(b)) - 1)
    order = key.view(np.int64)[::-1].astype(np.intp)
    ts = np.take(time, order, mode="clip")
    if not (ts[1:] <= ts[:-1]).all():  # a few pairs out of order: a stable sort of the
        order = order[np.argsort(-ts, kind="stable")]  # nearly sorted times (timsort) fixes them
    return order


def sort_order(time: np.ndarray, strata_code: np.ndarray) -> np.ndarray:
    """Row order by (stratum ascending, time descending): the engine's single sort."""
    key = _day_keys(time)
    packed = None if key is not None else _packed_order(time)
    if key is not None:
        order = np.argsort(key, kind="stable")
    elif packed is not None:
        order = packed
    else:
        order = np.argsort(time)[::-1].copy()
    if strata_code.max() == strata_code.min():
        return order
    if key is None:
        return np.lexsort((-time, strata_code))
    s = strata_code[order]
    s = s.astype(np.uint16) if s.max() < 65536 else s
    return order[np.argsort(s, kind="stable")]


def prepare(time, event, xs, w, strata_code, order, *, efron: bool, entry=None,
            means=None) -> Sorted:
    """Build the tie-group index used by every iteration.

    ``xs`` is the design already in ``order`` (column-major, see :func:`sort_order`); it is
    centred in place at the weighted column means (unless ``means`` says it already is).
    ``w`` None means unit weights. ``entry`` (unsorted, each < its time) adds the entry
    groups of delayed entry.
    """
    single = strata_code.max() == strata_code.min()
    t = np.take(time, order, mode="clip")  # clip: no bounds pass (order is a permutation)
    n = t.shape[0]
    ws = np.ones(n) if w is None else w[order]
    if means is None:
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
    dfirst = _flags(dgroup)  # first death record of each death group
    dstart = np.flatnonzero(dfirst)
    dgu = dgroup[dstart]
    dpos = np.cumsum(dfirst, dtype=itype) - 1
    count = np.diff(np.append(dstart, dead.size))  # death records per death group
    nd = np.zeros(ngroups, itype)
    nd[dgu] = count
    wsum = count.astype(float) if w is None else np.add.reduceat(ws[dead], dstart)
    wtave = (wsum / count)[dpos]
    dcount = count[dpos]
    if efron:
        # rank of each death within its tie group: position minus first death of the group
        frac = np.arange(dead.size, dtype=float)
        frac -= dstart[dpos]
        frac /= dcount
    else:
        frac = np.zeros(dead.size)
    # Breslow (fraction 0): the tied-death correction subtracts exact zeros, so it is skipped
    tied = np.flatnonzero(dcount > 1) if efron else np.empty(0, np.intp)
    tfirst = _flags(dgroup[tied])
    egroup = None
    if entry is not None:
        egroup = _entry_groups(entry[order], t[starts], gstrat[group], sfirst, send)
    sd = Sorted(xs, ws, ev, t, group, starts, gstrat, sfirst, send, dead, dgroup, frac, nd,
                wtave, means, tied, (ws * ev) @ xs, egroup, dgu, dpos, dstart,
                np.flatnonzero(tfirst), dpos[tied][tfirst], np.cumsum(tfirst) - 1)
    sd.cache["unit"] = w is None  # unit weights: the engine skips multiplying by w
    return sd
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
