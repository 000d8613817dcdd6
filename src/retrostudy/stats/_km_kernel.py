"""Compiled counting kernel for integer days: one visit per record.

On integer days the Kaplan–Meier / log-rank table is a histogram: records counted by
(day, cell, status). The numpy path (:func:`._km_core._count_bincount`) forms the key
``day << b | (2 cell + event)`` block by block and hands it to :func:`numpy.bincount`,
which reads it twice (for its maximum, then to count): with the status array and the
per-block checks, four passes per block, 2.0-2.5× a bare ``bincount`` of the days in
CPU time at 10⁷ rows. No arrangement of numpy calls visits each record once; a compiled
loop does (:func:`count_rows`)::

    for each record i:  d = t_i as unsigned;  high = max(high, d)
                        C[min(d, size - 1), 2 c_i + e_i] += 1

The check is fused into the count and costs no branch: a negative day is huge as an
unsigned integer, so ``high`` (the largest day) also reports negative days, and a day
beyond the table is counted in its last row, then discarded. The table's size is guessed
from the first block of rows (twice its largest day); when ``high`` shows a larger day
(times sorted by time, say) the rows are counted again with the exact size (at most two
passes). Counts are ``int32`` while they fit (the table stays in the fast caches) and
widened to ``int64``, the type the numpy path gives, on return.

Measured on this machine (2 cores shared, CPU seconds, 10⁷ rows, two groups, about
6,000 distinct days): the loop counts in about 1.0-1.1× a bare ``bincount`` of the days
(the numpy path: 1.9-2.0×); with the curve and the test from the table, 1.27× (was
1.98×); ``benchmarks/run.py`` (wall): 1.04× (was 1.95×). Counting in a separate pass
for the maximum first (0.27×, as ``bincount`` itself does) and then scattering cost about
1.1×; an early exit per row on an out-of-range day (with the table grown as larger days
appear) about 1.6× (the branch and the possible aliasing of the growing table keep the
loads from running ahead).

The loop is compiled by numba (``njit(cache=True)``: compiled once per machine and
argument types, about 0.5 s, then loaded from numba's on-disk cache in about 0.17 s).
Importing numba costs 0.1-0.3 s more. The kernel saves about 1 ns per record and call
(1 ms at 10⁶, 10 ms at 10⁷), so that first call is repaid after a few hundred calls at
10⁶ records (a network-scale study) and never by smaller studies:
:data:`._km_core.KERNEL_MIN_ROWS` = 10⁶ keeps every single-centre study, the examples,
the R parity tests and the 1M-person pipeline (265k analysed patients) on the numpy
path, which never imports numba. The counts are integers, so both paths give
the same table exactly; weighted counts stay on the numpy path (sums of weights added in
another order would change the last bits).
"""

from __future__ import annotations

import functools

import numpy as np

_ONE_CELL = np.zeros(0, dtype=np.intp)


def count_rows(t, e, cell, width, size):  # pragma: no cover - compiled by numba
    """``(high, counts)``: ``counts[day * width + 2 cell + event]`` (int32) over the days
    below ``size``, days at or above it counted in the last row; ``high`` the largest
    day seen as unsigned (a negative day is huge).

    ``t`` integer days, ``e`` 0/1 events, ``cell`` the cell code of each record (or an
    empty array: one cell), ``width`` = 2 × cells. Fewer than 2³¹ records.
    """
    n = t.shape[0]
    has_cell = cell.shape[0] == n
    counts = np.zeros(size * width, dtype=np.int32)
    last = np.uint64(size - 1)
    high = np.uint64(0)
    for i in range(n):
        day = np.uint64(t[i])
        high = max(high, day)
        code = np.int64(e[i])
        if has_cell:
            code += 2 * np.int64(cell[i])
        counts[np.int64(min(day, last)) * width + code] += 1
    return high, counts


def count_days(t, e, cell, k: int, guess: int, limit: int) -> np.ndarray | None:
    """Counts by (day, cell, event) as int64, shape ``(largest day + 1, k, 2)``; None
    when a day is negative or above ``limit``. ``guess``: the expected largest day.
    ``cell`` None: one cell."""
    kernel = compiled()
    cells = _ONE_CELL if cell is None else cell
    high, counts = kernel(t, e, cells, 2 * k, guess + 1)
    high = int(high)
    if high > limit:
        return None
    if high > guess:  # a day beyond the table: count again, with the exact size
        high, counts = kernel(t, e, cells, 2 * k, high + 1)
        high = int(high)
    return counts[: (high + 1) * 2 * k].astype(np.int64).reshape(-1, k, 2)


@functools.cache
def compiled():
    """:func:`count_rows` compiled by numba (imported here: 0.1-0.3 s, only when used)."""
    import numba

    return numba.njit(cache=True, nogil=True)(count_rows)
