"""Counting engine shared by :mod:`retrostudy.stats.km` and :mod:`retrostudy.stats.logrank`.

Everything the Kaplan–Meier estimator and the log-rank test need is a table of
(weighted) counts by distinct time, cell (group x stratum) and status (censored/event).
This module builds that table in one pass over the data:

* integer-valued times (integer days) whose maximum is not much larger than ``n`` are
  counted with a single :func:`numpy.bincount` on the key ``(time * k + cell) * 2 + event``;
  no comparison sort is needed;
* other unweighted times are sorted once as packed ``uint64`` keys: the IEEE-754 bit
  pattern of a non-negative double orders like the number, so ``(bits - min) << b | status``
  sorts by time with the cell and status in the low ``b`` bits, exactly, and
  :func:`numpy.sort` on integers is several times faster than :func:`numpy.argsort`;
* otherwise (weights, or times spanning too many binades to spare ``b`` bits) the times
  are sorted once with :func:`numpy.argsort` and the same key is counted per run of
  equal times.

On the sorted paths, R's ``timefix`` (``aeqSurv``) is applied while the runs of equal
times are found (:func:`_first_of_runs`), so near-equal floating-point times are counted
as one time without a second pass over the table.

The front ends validate their input (:mod:`retrostudy.stats._checks`); the engine here
assumes clean arrays, as R's ``survdiff`` / ``survdiff.fit`` split does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats._checks import check_event, check_labels, check_time, check_weights

# Counting by bincount costs O(max(time)) per cell and status; use it while max(time) stays
# within a small multiple of n (beyond that, sorting n values is cheaper).
_BINCOUNT_SLACK = 4
_BINCOUNT_MIN = 4096
_BLOCK = 1 << 16
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # R aeqSurv's default


@dataclass(frozen=True, slots=True)
class CountTable:
    """Weighted counts by distinct time (rows) and cell (columns).

    ``censored[j, c]`` and ``events[j, c]`` hold the (weighted) number of records with
    time ``time[j]`` in cell ``c``; ``*_w2`` hold the sums of squared weights (only filled
    when asked for, for the robust variance).
    """

    time: np.ndarray
    censored: np.ndarray
    events: np.ndarray
    censored_w2: np.ndarray | None = None
    events_w2: np.ndarray | None = None

    def at_risk(self) -> np.ndarray:
        """Number at risk at each distinct time: records with time >= t, per cell."""
        total = self.censored + self.events
        return np.cumsum(total[::-1], axis=0)[::-1]


def validate_time_event(time, event) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``time`` and ``event``; integer inputs that cannot fail skip the copies.

    Returns ``time`` (an integer array when the input was integer, else float) and ``event``
    (int8 or bool). Anything unusual goes through the shared checks, so the messages are
    the shared ones.
    """
    t = np.asarray(time)
    if not (t.ndim == 1 and t.size and t.dtype.kind in "iu" and t.min() >= 0):
        t = check_time(time)
    e = np.asarray(event)
    fast = e.ndim == 1 and e.shape[0] == t.shape[0] and e.dtype.kind in "biu"
    if not (fast and (e.dtype.kind == "b" or (e.min() >= 0 and e.max() <= 1))):
        e = check_event(event, t.shape[0])
    return t, e


def validate_weights(weights, n: int) -> np.ndarray | None:
    return check_weights(weights, n)


def factorize(name: str, values, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct levels and the integer code of each row (R's factor order for numbers).

    Small non-negative integer labels are coded with :func:`numpy.bincount` (no sort).
    """
    arr = check_labels(name, values, n)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int8)
    lo, hi = (arr.min(), arr.max()) if arr.dtype.kind in "iu" and n else (-1, -1)
    if lo == 0 and hi == 1:  # binary 0/1 labels (the common case): nothing to recode
        return np.array([0, 1], dtype=arr.dtype), arr
    if lo >= 0 and hi <= 4 * n + 1024:
        present = np.bincount(arr) > 0
        levels = np.flatnonzero(present)
        if levels.shape[0] == levels[-1] + 1:  # labels are already 0..k-1
            return levels.astype(arr.dtype), arr
        lookup = np.cumsum(present) - 1
        return levels.astype(arr.dtype), lookup[arr]
    levels, codes = np.unique(arr, return_inverse=True)
    return levels, codes.reshape(-1).astype(np.intp, copy=False)


def _bincount_ok(t: np.ndarray) -> np.ndarray | None:
    """Integer view of ``t`` when every time is an integer and max(t) is not huge."""
    n = t.shape[0]
    limit = _BINCOUNT_SLACK * n + _BINCOUNT_MIN
    if t.dtype.kind in "iu":
        return t if int(t.max()) <= limit else None
    head = t[:1024]
    if not np.array_equal(head, np.floor(head)):  # cheap early exit for continuous times
        return None
    tmax = float(t.max())
    if tmax > limit:
        return None
    ti = t.astype(np.int64)
    return ti if np.array_equal(ti, t) else None


def count_table(
    t: np.ndarray,
    e: np.ndarray,
    *,
    w: np.ndarray | None = None,
    cell: np.ndarray | None = None,
    k: int = 1,
    squares: bool = False,
    timefix: bool = True,
) -> CountTable:
    """Counts by (distinct time, cell, status); see the module docstring for the paths."""
    ti = _bincount_ok(t)
    # integer gaps are >= 1: nothing merges under timefix unless times reach 1 / tol
    if ti is not None and not (timefix and ti.max() * TIMEFIX_TOLERANCE >= 1):
        return _count_bincount(ti, e, w, cell, k, squares)
    t = t.astype(float, copy=False)
    table = _count_packed(t, e, cell, k, timefix) if w is None else None
    return table if table is not None else _count_sorted(t, e, w, cell, k, squares, timefix)


def _first_of_runs(ts: np.ndarray, timefix: bool) -> np.ndarray:
    """Flags of the first sorted row of each distinct time.

    With ``timefix``, as R's ``aeqSurv``: a distinct time within ``tol`` of the previous
    one (in absolute terms, or relative to the mean distinct time) joins its group, and
    the group's first time stands for all of them (chains merge). Times are >= 0, so R's
    two comparisons are one: ``gap <= tol * max(1, mean)`` (equal up to rounding exactly at
    the threshold). Integer days never merge; 0.1 + 0.2 and 0.3 do.
    """
    new = np.empty(ts.shape[0], dtype=bool)
    new[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new[1:])
    if timefix and ts.shape[0] > 1:
        tol = TIMEFIX_TOLERANCE * max(1.0, float(np.mean(ts[new])))
        np.greater(np.diff(ts), tol, out=new[1:])
    return new


def _status_key(base: np.ndarray, e: np.ndarray, cell: np.ndarray | None, k: int) -> np.ndarray:
    """``(base * k + cell) * 2 + event`` as intp: one new array, then in-place passes."""
    if cell is None:
        key = np.left_shift(base, 1, dtype=np.intp)
    else:
        key = np.multiply(base, k, dtype=np.intp)
        key += cell
        key <<= 1
    key += e
    return key


def _tabulate(key: np.ndarray, w, squares: bool, length: int, k: int):
    shape = (-1, k, 2)
    counts = np.bincount(key, weights=w, minlength=length).reshape(shape)
    sq = None
    if squares:
        w2 = None if w is None else w * w
        sq = np.bincount(key, weights=w2, minlength=length).reshape(shape)
    return counts, sq


def _build(time, counts, sq, rows) -> CountTable:
    def status(a, j):  # contiguous columns: later passes over them are sequential
        return None if a is None else np.ascontiguousarray(a[rows, :, j])

    return CountTable(
        time=time,
        censored=status(counts, 0),
        events=status(counts, 1),
        censored_w2=status(sq, 0),
        events_w2=status(sq, 1),
    )


def _count_bincount(ti, e, w, cell, k, squares) -> CountTable:
    length = (int(ti.max()) + 1) * 2 * k
    # The key is built block by block: a cache-sized buffer instead of an n-sized
    # temporary (no page faults, lower peak memory). A block is at least as long as the
    # output, so adding the partial counts never dominates.
    block = max(_BLOCK, length)
    counts = sq = None
    for start in range(0, ti.shape[0], block):
        part = slice(start, start + block)
        key = _status_key(ti[part], e[part], None if cell is None else cell[part], k)
        c, c2 = _tabulate(key, None if w is None else w[part], squares, length, k)
        if counts is None:
            counts, sq = c, c2
        else:
            counts += c
            if sq is not None:
                sq += c2
    flat = counts.reshape(counts.shape[0], -1)
    present = flat[:, 0] != 0
    for j in range(1, flat.shape[1]):  # 2k columns, not rows
        present |= flat[:, j] != 0
    rows = np.flatnonzero(present)
    return _build(rows.astype(float), counts, sq, rows)


def _count_sorted(t, e, w, cell, k, squares, timefix) -> CountTable:
    order = np.argsort(t)
    ts = t[order] + 0.0  # + 0.0: -0.0 becomes 0.0
    new = _first_of_runs(ts, timefix)
    run = np.cumsum(new) - 1  # index of the distinct time of each sorted row
    cs = None if cell is None else cell[order]
    key = _status_key(run, e[order], cs, k)
    ws = None if w is None else w[order]
    m = int(run[-1]) + 1
    counts, sq = _tabulate(key, ws, squares, m * 2 * k, k)
    return _build(ts[new], counts, sq, slice(None))


def _count_packed(t, e, cell, k, timefix) -> CountTable | None:
    """Unweighted counts from one integer sort of time bits packed with cell and status."""
    n_bits = int(2 * k - 1).bit_length()
    bits = t.view(np.uint64)
    lo, hi = bits.min(), bits.max()
    # -0.0 has the sign bit set, so it makes the span too wide and goes the argsort way.
    if int(hi - lo) >= 1 << (64 - n_bits):
        return None
    key = np.subtract(bits, lo)
    key <<= np.uint64(n_bits)
    status = e if cell is None else _status_key(cell, e, None, 1)
    np.bitwise_or(key, status, out=key, dtype=np.uint64, casting="unsafe")
    key.sort()
    run = (key & np.uint64((1 << n_bits) - 1)).view(np.int64)  # cell*2 + status, small
    key >>= np.uint64(n_bits)
    key += lo
    ts = key.view(np.float64)  # the sorted times themselves
    new = _first_of_runs(ts, timefix)
    index = np.cumsum(new)
    index -= 1
    index *= 2 * k
    run += index
    del index
    m = int(run[-1]) // (2 * k) + 1
    counts, _ = _tabulate(run, None, False, m * 2 * k, k)
    return _build(ts[new], counts, None, slice(None))
