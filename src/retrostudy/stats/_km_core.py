"""Counting engine shared by :mod:`retrostudy.stats.km` and :mod:`retrostudy.stats.logrank`.

Everything the Kaplan–Meier estimator and the log-rank test need is a table of
(weighted) counts by distinct time, cell (group x stratum) and status (censored/event).
This module builds that table in one pass over the data:

* integer-valued times (integer days) whose maximum is not much larger than ``n`` are
  counted with no comparison sort: by :func:`numpy.bincount` on the key
  ``time << b | (2 cell + event)``, block by block, or, unweighted from
  :data:`KERNEL_MIN_ROWS` records on, by a compiled loop that visits each record once
  (:mod:`._km_kernel`: why, and what it buys, measured); the counts are equal;
* other unweighted times are sorted once as packed ``uint64`` keys: the IEEE-754 bit
  pattern of a non-negative double orders like the number, so ``(bits - min) << b | status``
  sorts by time with the cell and status in the low ``b`` bits, exactly, and
  :func:`numpy.sort` on integers is several times faster than :func:`numpy.argsort`;
* otherwise (weights, or times spanning too many binades to spare ``b`` bits) the times
  are sorted once with :func:`numpy.argsort` and the same key is counted per run of
  equal times.

Tables come out with one contiguous column per (cell, status), so the passes of the
front ends over them are sequential; on the one-cell sorted path (Kaplan–Meier) the
counts per run and the numbers at risk come straight from the run boundaries. Integer
times are checked for sign and size block by block while they are counted (one pass).

On the sorted paths, R's ``timefix`` (``aeqSurv``) is applied while the runs of equal
times are found (:func:`_first_of_runs`), so near-equal floating-point times are counted
as one time without a second pass over the table.

The front ends validate their input (:mod:`retrostudy.stats._checks`); the engine here
assumes clean arrays, as R's ``survdiff`` / ``survdiff.fit`` split does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrostudy.stats._checks import check_event, check_labels, check_time, check_weights
from retrostudy.stats._km_kernel import count_days

# Counting by bincount costs O(max(time)) per cell and status; use it while max(time) stays
# within a small multiple of n (beyond that, sorting n values is cheaper).
_BINCOUNT_SLACK = 4
_BINCOUNT_MIN = 4096
_BLOCK = 1 << 16
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # R aeqSurv's default
# Largest integer day timefix cannot merge with its neighbour (day * tolerance < 1).
_TIMEFIX_DAYS = math.ceil(1 / TIMEFIX_TOLERANCE) - 1
# Unweighted integer days from this many records on are counted by the compiled kernel,
# below by numpy (why this size, measured: ._km_kernel). Tests set it to force a path.
KERNEL_MIN_ROWS = 1_000_000


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
    risk: np.ndarray | None = None  # the numbers at risk, when counting found them already

    def at_risk(self, dtype=None) -> np.ndarray:
        """Number at risk at each distinct time: records with time >= t, per cell."""
        if self.risk is not None:
            return self.risk if dtype is None else self.risk.astype(dtype)
        total = np.add(self.censored, self.events, dtype=dtype, order="F")
        backward = total[::-1]
        np.cumsum(backward, axis=0, out=backward)  # in place: no second table-sized array
        return total


def validate_time_event(time, event, *, defer_sign: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``time`` and ``event``; integer inputs that cannot fail skip the copies.

    Returns ``time`` (an integer array when the input was integer, else float) and ``event``
    (int8 or bool). Anything unusual goes through the shared checks, so the messages are
    the shared ones. With ``defer_sign``, integer times are not scanned for negative
    values here: :func:`count_table` checks each block as it counts (one pass over the
    times instead of two) and raises the shared message.
    """
    t = np.asarray(time)
    fast_int = t.ndim == 1 and t.size and t.dtype.kind in "iu"
    if not (fast_int and (defer_sign or t.dtype.kind == "u" or t.min() >= 0)):
        t = check_time(time)
    e = np.asarray(event)
    fast = e.ndim == 1 and e.shape[0] == t.shape[0] and e.dtype.kind in "biu"
    # as unsigned, a negative code is huge: one pass checks 0 <= e <= 1
    if not (fast and (e.dtype.kind == "b" or _unsigned(e).max() <= 1)):
        e = check_event(event, t.shape[0])
    return t, e


def _unsigned(a: np.ndarray) -> np.ndarray:
    """The same integers seen as unsigned (negative values become huge): a view, no copy."""
    return a if a.dtype.kind == "u" else a.view(np.dtype(f"u{a.dtype.itemsize}"))


def validate_weights(weights, n: int) -> np.ndarray | None:
    return check_weights(weights, n)


def factorize(name: str, values, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct levels and the integer code of each row (R's factor order for numbers).

    Small non-negative integer labels are coded with :func:`numpy.bincount` (no sort).
    """
    arr = check_labels(name, values, n)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int8)
    if arr.dtype.kind in "iu" and n and int(_unsigned(arr).max()) == 1:
        # all labels 0 or 1 and some 1 (one pass); a 0 is usually among the first rows
        if (arr[:4096] == 0).any() or not arr.all():  # binary 0/1: nothing to recode
            return np.array([0, 1], dtype=arr.dtype), arr
    lo, hi = (arr.min(), arr.max()) if arr.dtype.kind in "iu" and n else (-1, -1)
    if lo >= 0 and hi <= 4 * n + 1024:
        present = np.bincount(arr) > 0
        levels = np.flatnonzero(present)
        if levels.shape[0] == levels[-1] + 1:  # labels are already 0..k-1
            return levels.astype(arr.dtype), arr
        lookup = np.cumsum(present) - 1
        return levels.astype(arr.dtype), lookup[arr]
    if arr.dtype.kind == "O":  # hash, then sort the few levels: np.unique sorts every row
        return sorted_codes(arr)
    levels, codes = np.unique(arr, return_inverse=True)
    return levels, codes.reshape(-1).astype(np.intp, copy=False)


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for an object array, in one hashing pass
    over the rows and a sort of the distinct values only (265k group labels: 55 ms instead
    of 290 ms). Values that do not compare raise TypeError, as in ``np.unique``."""
    seen: dict = {}
    first = np.fromiter((seen.setdefault(v, len(seen)) for v in values.tolist()), np.intp,
                        count=values.shape[0])
    levels = sorted(seen)
    rank = np.empty(len(levels), dtype=np.intp)
    rank[[seen[v] for v in levels]] = np.arange(len(levels), dtype=np.intp)
    out = np.empty(len(levels), dtype=object)
    out[:] = levels
    return out, rank[first]


def _bincount_ok(t: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Integer view of ``t`` and its maximum, when all times are integers and max(t) is small."""
    n = t.shape[0]
    limit = _BINCOUNT_SLACK * n + _BINCOUNT_MIN
    if t.dtype.kind in "iu":
        tmax = int(t.max())
        return (t, tmax) if tmax <= limit else None
    head = t[:1024]
    if not np.array_equal(head, np.floor(head)):  # cheap early exit for continuous times
        return None
    top = float(t.max())
    if top > limit:
        return None
    ti = t.astype(np.int64)
    return (ti, int(top)) if np.array_equal(ti, t) else None


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
    n = t.shape[0]
    compiled = w is None and max(1, KERNEL_MIN_ROWS) <= n < 1 << 31
    if t.dtype.kind in "iu":
        # One streaming pass: each block is checked (sign, size) as it is counted.
        cap = _BINCOUNT_SLACK * n + _BINCOUNT_MIN
        if compiled:
            limit = min(cap, _TIMEFIX_DAYS) if timefix else cap
            table = _count_compiled(t, e, cell, k, squares, None, limit)
        else:
            table = _count_bincount(t, e, w, cell, k, squares, None, cap, timefix)
        if table is not None:
            return table
        if t.min() < 0:
            check_time(t)  # raises the shared message
    else:
        ok = _bincount_ok(t)  # the maximum is computed once and passed on
        # integer gaps are >= 1: nothing merges under timefix unless times reach 1 / tol
        if ok is not None and not (timefix and ok[1] * TIMEFIX_TOLERANCE >= 1):
            if compiled:
                table = _count_compiled(ok[0], e, cell, k, squares, ok[1], ok[1])
            else:
                table = _count_bincount(ok[0], e, w, cell, k, squares, ok[1], None, timefix)
            assert table is not None  # with tmax known, the bincount path always counts
            return table
    t = t.astype(float, copy=False)
    table = _count_packed(t, e, cell, k, timefix) if w is None else None
    return table if table is not None else _count_sorted(t, e, w, cell, k, squares, timefix)


def _count_compiled(ti, e, cell, k, squares, tmax, limit) -> CountTable | None:
    """The table of integer days by the compiled kernel (:mod:`._km_kernel`), or None
    when a day is negative or above ``limit``. ``tmax``: the largest day, when known."""
    if tmax is None:
        head = int(_unsigned(ti[:_BLOCK]).max())  # a negative day looks huge
        if head > limit:
            return None
        tmax = min(limit, max(2 * head, _BINCOUNT_MIN))  # a guess; the kernel checks it
    counts = count_days(ti, e, cell, k, tmax, limit)
    if counts is None:
        return None
    return _day_table(counts, counts if squares else None, k)  # unweighted: w² = 1


def _first_of_runs(ts: np.ndarray, timefix: bool) -> np.ndarray:
    """Flags of the first sorted row of each distinct time.

    With ``timefix``, as R's ``aeqSurv``: a distinct time within ``tol`` of the previous
    one (in absolute terms, or relative to the mean distinct time) joins its group, and
    the group's first time stands for all of them (chains merge). Times are >= 0, so R's
    two comparisons are one: ``gap <= tol * max(1, mean)`` (equal up to rounding exactly at
    the threshold). Integer days never merge; 0.1 + 0.2 and 0.3 do.
    """
    return _runs_and_times(ts, timefix)[0]


def _runs_and_times(ts: np.ndarray, timefix: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_first_of_runs` and the distinct times ``ts[new]`` (computed once: when
    timefix merges nothing, the exact distinct times that gave the mean are the result)."""
    new = np.empty(ts.shape[0], dtype=bool)
    new[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new[1:])
    distinct = ts[new]
    if timefix and ts.shape[0] > 1:
        tol = TIMEFIX_TOLERANCE * max(1.0, float(np.mean(distinct)))
        gaps = np.diff(ts)
        np.greater(gaps, tol, out=new[1:])
        del gaps
        if np.count_nonzero(new) != distinct.shape[0]:  # some times merged
            distinct = ts[new]
    return new, distinct


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


def _tabulate(key: np.ndarray, w, squares: bool, length: int, width: int):
    """Counts of ``key`` as (time, cell, status) for ``width`` slots per time."""
    shape = (-1, width // 2, 2)
    counts = np.bincount(key, weights=w, minlength=length).reshape(shape)
    sq = None
    if squares:
        w2 = None if w is None else w * w
        sq = np.bincount(key, weights=w2, minlength=length).reshape(shape)
    return counts, sq


def _build(time, counts, sq, rows) -> CountTable:
    def status(a, j):  # one contiguous column per cell: later passes are sequential
        return None if a is None else np.asfortranarray(a[rows, :, j])

    return CountTable(
        time=time,
        censored=status(counts, 0),
        events=status(counts, 1),
        censored_w2=status(sq, 0),
        events_w2=status(sq, 1),
    )


def _tabulate_columns(time, code, index, w, k, squares) -> CountTable:
    """Counts of sorted rows laid out cell by cell: ``code`` is ``cell * 2 + event``,
    ``index`` the distinct time of each row (non-decreasing), ``code`` is overwritten.

    The key ``code * m + index`` makes :func:`numpy.bincount` write the ``2k`` columns of
    the table as separate contiguous streams, so the table comes out with contiguous
    columns and no transposing copy (an interleaved ``(m, k, 2)`` layout would need one).
    """
    m = time.shape[0]
    code *= m
    code += index
    length = 2 * k * m

    def table(weights):
        counts = np.bincount(code, weights=weights, minlength=length).reshape(k, 2, m)
        return counts[:, 0, :].T, counts[:, 1, :].T  # (m, k) views, contiguous columns

    censored, events = table(w)
    censored_w2 = events_w2 = None
    if squares:
        censored_w2, events_w2 = table(None if w is None else w * w)
    return CountTable(time, censored, events, censored_w2, events_w2)


def _count_bincount(ti, e, w, cell, k, squares, tmax, cap, timefix) -> CountTable | None:
    """Counts of integer times by :func:`numpy.bincount`, block by block.

    The key is ``time << b | (2 cell + event)`` with ``b`` the bits of ``2k - 1``: the
    status (``cell << 1 | event``, small) is formed once for all rows, then per block a
    shift and an OR into a cache-sized buffer (integer shift and OR are vectorised;
    multiply and add on int64 are several times slower here), so the times are read
    once from memory, as by a bare ``bincount``. With ``tmax`` unknown (``None``), each
    block is checked while it is in cache: a negative time raises the shared message, a
    time above ``cap`` (or one large enough for timefix to merge) returns None for the
    sorted path; the table grows with the largest time seen. A block is at least as long
    as the output so far, so adding the partial counts never dominates.
    """
    n = ti.shape[0]
    bits = int(2 * k - 1).bit_length()
    width = 1 << bits
    length = 0 if tmax is None else (tmax + 1) * width
    status = _status(e, cell, k)
    buf = np.empty(min(n, max(_BLOCK, 4 * length)), dtype=np.intp)
    counts = sq = None
    start = 0
    while start < n:
        part = slice(start, start + max(_BLOCK, 4 * length))
        tb = ti[part]
        start = part.stop
        if tmax is None:
            hi = int(_unsigned(tb).max())  # a negative time looks huge as unsigned
            if hi > cap or (timefix and hi * TIMEFIX_TOLERANCE >= 1):
                if tb.dtype.kind == "i" and tb.min() < 0:
                    check_time(ti)  # raises the shared message
                return None
            length = max(length, (hi + 1) * width)
        if buf.shape[0] < tb.shape[0]:
            buf = np.empty(tb.shape[0], dtype=np.intp)
        key = buf[: tb.shape[0]]
        np.left_shift(tb, bits, out=key, casting="unsafe")
        np.bitwise_or(key, status[part], out=key, casting="unsafe")
        c, c2 = _tabulate(key, None if w is None else w[part], squares, length, width)
        if counts is not None:  # c is at least as long as counts
            c[: counts.shape[0]] += counts
            if c2 is not None and sq is not None:
                c2[: sq.shape[0]] += sq
        counts, sq = c, c2
    assert counts is not None  # n >= 1: at least one block
    return _day_table(counts, sq, k)


def _day_table(counts, sq, k) -> CountTable:
    """The table of the days with a record, from counts indexed by (day, cell, status)."""
    flat = counts.reshape(counts.shape[0], -1)[:, : 2 * k]
    present = flat[:, 0] != 0
    for j in range(1, flat.shape[1]):  # 2k columns, not rows
        present |= flat[:, j] != 0
    rows = np.flatnonzero(present)
    return _build(rows.astype(float), counts[:, :k], None if sq is None else sq[:, :k], rows)


def _status(e: np.ndarray, cell: np.ndarray | None, k: int) -> np.ndarray:
    """``2 cell + event`` for all rows, as int8 when it fits (one-byte passes)."""
    if cell is None:
        return e
    dtype = np.int8 if 2 * k <= 128 else np.intp
    status = np.add(cell, cell, dtype=dtype, casting="unsafe")
    np.add(status, e, out=status, casting="unsafe")
    return status


def _count_sorted(t, e, w, cell, k, squares, timefix) -> CountTable:
    order = np.argsort(t)
    ts = t[order] + 0.0  # + 0.0: -0.0 becomes 0.0
    new, time = _runs_and_times(ts, timefix)
    run = np.cumsum(new)  # index of the distinct time of each sorted row
    run -= 1
    cs = None if cell is None else cell[order]
    code = _status_key(cs, e[order], None, 1) if cs is not None else e[order].astype(np.intp)
    ws = None if w is None else w[order]
    return _tabulate_columns(time, code, run, ws, k, squares)


def _count_packed(t, e, cell, k, timefix) -> CountTable | None:
    """Unweighted counts from one integer sort of time bits packed with cell and status."""
    n_bits = int(2 * k - 1).bit_length()
    bits = t.view(np.uint64)
    hi = bits.max()
    # -0.0 has the sign bit set, so it makes the span too wide and goes the argsort way.
    if n_bits == 1 and hi < np.uint64(1 << 63):  # a non-negative double shifts as it is
        lo = np.uint64(0)
        key = np.left_shift(bits, np.uint64(1))
    else:
        lo = bits.min()
        if int(hi - lo) >= 1 << (64 - n_bits):
            return None
        key = np.subtract(bits, lo)
        key <<= np.uint64(n_bits)
    status = e if cell is None else _status_key(cell, e, None, 1)
    np.bitwise_or(key, status, out=key, dtype=np.uint64, casting="unsafe")
    del status
    key.sort()
    code = (key & np.uint64((1 << n_bits) - 1)).view(np.int64)  # cell*2 + status, small
    key >>= np.uint64(n_bits)
    if lo:
        key += lo
    ts = key.view(np.float64)  # the sorted times themselves
    new, time = _runs_and_times(ts, timefix)
    if cell is None:
        # One cell: runs are contiguous, so a run's events are the sum of its status
        # bits and the number at risk is n minus the run's first position; no table key.
        starts = np.flatnonzero(new)
        del new, key, ts
        events = np.add.reduceat(code, starts)
        censored = np.empty_like(starts)
        np.subtract(starts[1:], starts[:-1], out=censored[:-1])
        censored[-1] = code.shape[0] - starts[-1]
        censored -= events
        np.subtract(code.shape[0], starts, out=starts)  # at risk
        col = (-1, 1)
        return CountTable(
            time, censored.reshape(col), events.reshape(col), risk=starts.reshape(col)
        )
    index = np.cumsum(new)
    index -= 1
    del key, ts, new
    return _tabulate_columns(time, code, index, None, k, False)
