"""The lines-of-therapy walk (:func:`retrostudy.cohort.lines.derive_lines`, rules 1-5):
which records start a line, for all patients at once (:func:`walk_ranks`) or one day at a
time (:func:`walk`, key sets of any size). Both take the records sorted by (patient, day)
as arrays: patient code, key code, ``always_new_line`` and maintenance-addition flags, day
and end day (integers), and the rules ``(maintenance keys, number of keys, regimen window,
gap)``; both return the positions of the records that start a line."""

from __future__ import annotations

import numpy as np

from retrostudy.cohort.records import run_starts


def walk_ranks(pcode, key, always, add, day, end, rules) -> np.ndarray:
    """:func:`walk` for all patients at once: step ``k`` takes every patient's ``k``-th
    day (patients ordered by day count, so the ones still walking are a prefix and the
    state arrays are sliced, not gathered). State per patient: line start and end day, the
    key set (bit mask) and each key's last day (a patients x keys array)."""
    maint_keys, n_keys, window, gap = rules
    if pcode.size == 0:
        return np.zeros(0, dtype=np.int64)
    index = np.int32 if pcode.size < 2**31 - 1 else np.int64
    days = run_starts(pcode, day).astype(index)  # each patient-day's first record
    size = np.diff(np.append(days, pcode.size)).astype(index)
    # a day's key sets: 32-bit masks when the keys fit (half the memory of ~10^7 days)
    one = np.int32(1) if n_keys <= 31 else np.int64(1)
    bit = np.left_shift(one, key)
    zero = one - one
    keys_of, always_of, add_of, other_of = (
        np.bitwise_or.reduceat(np.where(m, bit, zero), days) for m in (True, always, add, ~add)
    )
    dday, dend = day[days], np.maximum.reduceat(end, days)
    first = run_starts(pcode[days])
    count = np.diff(np.append(first, days.size))
    order = np.argsort(-count, kind="stable")
    offset, count = first[order], count[order]
    maint = np.int64(sum(1 << k for k in maint_keys))
    never = np.iinfo(np.int64).min // 2
    start = np.zeros(order.size, dtype=np.int64)
    line_end = np.zeros(order.size, dtype=np.int64)
    held = np.zeros(order.size, dtype=np.int64)
    last = np.full((order.size, n_keys), never, dtype=np.int64)
    found = []
    active = order.size
    for k in range(int(count[0])):
        while count[active - 1] <= k:
            active -= 1
        i = offset[:active] + k
        d, e = dday[i], dend[i]
        carried = np.zeros(active, dtype=np.int64)
        if k == 0:
            new = np.ones(active, dtype=bool)
        else:
            h = held[:active]
            forced = ((always_of[i] & ~h) != 0) | (d - line_end[:active] > gap)
            adds = ((other_of[i] & ~h) != 0) | (((add_of[i] & ~h) != 0) & ((h & maint) == 0))
            carry = ~forced & adds & (d - start[:active] > window)
            new = forced | carry
            rows = np.flatnonzero(carry)
            if rows.size:  # keys given within the window before the new line's first day
                recent = last[rows] >= (d[rows] - window)[:, None]
                carried[rows] = recent.astype(np.int64) @ np.left_shift(
                    np.int64(1), np.arange(n_keys, dtype=np.int64))
        rows = np.flatnonzero(new)
        found.append(days[i[rows]])
        start[rows], line_end[rows], held[rows] = d[rows], e[rows], carried[rows]
        last[rows] = never
        held[:active] |= keys_of[i]
        owner = np.repeat(np.arange(active), size[i])
        record = np.arange(owner.size) - np.repeat(np.cumsum(size[i]) - size[i], size[i])
        last[owner, key[record + days[i][owner]]] = d[owner]
        np.maximum(line_end[:active], e, out=line_end[:active])
    return np.sort(np.concatenate(found)).astype(np.int64)


def chunks(pcode: np.ndarray, size: int = 1 << 20):
    """(lo, hi) slices of about ``size`` records that never split a patient."""
    lo, n = 0, len(pcode)
    while lo < n:
        hi = min(lo + size, n)
        while hi < n and pcode[hi] == pcode[hi - 1]:
            hi += 1
        yield lo, hi
        lo = hi


def walk(pcode, key, always, add, day, end, rules) -> np.ndarray:  # noqa: C901
    """The rules of :func:`_line_starts` one day at a time on plain ints (key sets of any
    size): the positions of the records that start a line."""
    maint_keys, _, window, gap = rules
    maint = sum(1 << k for k in maint_keys)
    bounds = np.append(run_starts(pcode, day), pcode.size).tolist()
    pcodes, keys, always, add, days, ends = (
        a.tolist() for a in (pcode, key, always, add, day, end)
    )
    found: list[int] = []
    patient = -1
    start = end_ = held = 0
    last: dict[int, int] = {}  # key bit -> day of its last dose in the line
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        d, e = days[lo], max(ends[lo:hi])
        bits = [1 << k for k in keys[lo:hi]]
        day_keys = sum(set(bits))
        always_keys = sum({b for b, a in zip(bits, always[lo:hi], strict=True) if a})
        add_keys = sum({b for b, a in zip(bits, add[lo:hi], strict=True) if a})
        other_keys = sum({b for b, a in zip(bits, add[lo:hi], strict=True) if not a})
        fresh_add = add_keys & ~held and not held & maint
        carried = 0
        if pcodes[lo] != patient:
            new, patient = True, pcodes[lo]
        elif always_keys & ~held or d - end_ > gap:
            new = True
        elif d - start <= window or not (other_keys & ~held or fresh_add):
            new = False
        else:
            new = True
            carried = sum(b for b, t in last.items() if d - t <= window)
        if new:
            found.append(lo)
            start, end_, held, last = d, e, carried, {}
        held |= day_keys
        last.update(dict.fromkeys(bits, d))
        end_ = max(end_, e)
    return np.asarray(found, dtype=np.int64)
