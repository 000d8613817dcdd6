r"""Delayed entry (left truncation): counting-process intervals ``(entry, time]``.

A record with entry time :math:`a_i` and exit time :math:`t_i` is at risk at :math:`s`
when :math:`a_i < s \le t_i`, as R's ``Surv(start, stop, event)``: an entry on day ``s`` is
at risk only *after* ``s``, so it does not count at an event on that day. Without entry
(:math:`a_i = 0` below every time) this is the usual risk set.

Kaplan–Meier on such data has rows at the distinct exit times, with
:math:`Y_j = \sum_i w_i 1\{a_i < t_j \le t_i\}`; Greenwood's variance is unchanged in form.
The infinitesimal-jackknife derivative of :math:`\log \hat S(t_j)` with respect to the
weight of record i is, with :math:`A_j = \sum_{k \le j} d_k / (Y_k (Y_k - d_k))`,
:math:`c_k = 1/(Y_k - d_k)` and :math:`B_i` the value of A at the last time :math:`\le a_i`,

* 0 for :math:`t_j \le a_i` (not yet entered),
* :math:`A_j - B_i` while the record is at risk and before its exit time,
* :math:`A_{k(i)} - B_i - \delta_i c_{k(i)}` from its exit time :math:`t_{k(i)}` on,

so :math:`\sum_i w_i^2 D_i(t_j)^2` is a sum of three running sums (no n-by-times matrix).
"""

from __future__ import annotations

import numpy as np

from retrostudy.stats._checks import as_1d_float, check_finite
from retrostudy.stats._km_core import _runs_and_times


def check_entry(entry, time: np.ndarray) -> np.ndarray:
    """Entry times: finite and strictly before the exit time of the same record."""
    a = as_1d_float("entry", entry, n=time.shape[0])
    check_finite("entry", a, "use 0 for records followed from time zero")
    bad = a >= time
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"entry must be < time (the interval (entry, time] must have positive length); "
            f"position {i} has entry {a[i]} and time {time[i]} ({int(bad.sum())} record(s)); "
            "drop records that exit on or before their entry")
    return a


def timefix_pairs(entry: np.ndarray, time: np.ndarray, timefix: bool):
    """R's ``aeqSurv`` on (start, stop): near-equal values of either column are merged to
    the first of their run (the union of both columns is one scale); an interval that
    becomes empty is an error, as in R."""
    if not timefix:
        return entry, time
    both = np.concatenate((entry, time))
    order = np.argsort(both, kind="stable")
    sorted_ = both[order] + 0.0
    new, _ = _runs_and_times(sorted_, True)
    rep = sorted_[np.flatnonzero(new)][np.cumsum(new) - 1]
    fixed = np.empty_like(both)
    fixed[order] = rep
    a, t = fixed[: entry.shape[0]], fixed[entry.shape[0]:]
    bad = a >= t
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"entry {entry[i]} and time {time[i]} at position {i} are equal up "
                         "to rounding (timefix); drop the record or pass timefix=False")
    return a, t


def entry_counts(a, t, e, w):
    """Distinct exit times and, per time, (at risk, events, censored) with delayed entry."""
    ones = np.ones(t.shape[0]) if w is None else w
    times, k = np.unique(t, return_inverse=True)
    m = times.shape[0]
    ev = np.bincount(k, weights=ones * e, minlength=m)
    tot = np.bincount(k, weights=ones, minlength=m)
    exited_before = np.concatenate(([0.0], np.cumsum(tot)[:-1]))  # exit time < t_j
    ent = np.searchsorted(times, a, side="right")  # first time index > entry
    entered = np.cumsum(np.bincount(ent, weights=ones, minlength=m + 1)[:m])
    y = entered - exited_before
    if w is None:  # integer counts, as the no-entry path reports them
        y, ev, tot = (np.rint(v).astype(np.int64) for v in (y, ev, tot))
    return times, y, ev, tot - ev, k, ent


def entry_jackknife(a, t, e, w, times, y, d, surv, k, ent) -> np.ndarray:
    """Robust SE of S(t) on the survival scale with delayed entry (see the module notes)."""
    m = times.shape[0]
    w2 = np.ones(t.shape[0]) if w is None else w * w
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(y - d > 0, 1.0 / (y - d), 0.0)
        hz = np.where((d > 0) & (y - d > 0), d * c / y, 0.0)
    big_a = np.cumsum(hz)
    b = np.where(ent > 0, np.concatenate(([0.0], big_a))[ent], 0.0)
    const = big_a[k] - b - e * c[k]  # from the exit time on

    def window(values):  # sum over records active (entered, not yet exited) at each j
        start = np.bincount(ent, weights=values, minlength=m + 1)[:m]
        stop = np.bincount(k, weights=values, minlength=m)
        return np.cumsum(start) - np.concatenate(([0.0], np.cumsum(stop)[:-1]))

    s0, s1, s2 = window(w2), window(w2 * b), window(w2 * b * b)
    # at the exit index itself the derivative is already the constant one
    s0 -= np.bincount(k, weights=w2, minlength=m)
    s1 -= np.bincount(k, weights=w2 * b, minlength=m)
    s2 -= np.bincount(k, weights=w2 * b * b, minlength=m)
    ended = np.cumsum(np.bincount(k, weights=w2 * const**2, minlength=m))
    var = ended + s0 * big_a**2 - 2 * s1 * big_a + s2
    var = np.maximum(var, 0.0) * surv**2
    return np.where(surv == 0, 0.0, np.sqrt(var))
