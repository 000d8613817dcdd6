"""Greedy 1:1 nearest-neighbour matching on a scalar distance (MatchIt's ``nn_matchC``).

Treated units are visited in the requested order; each takes the still-available control
with the smallest ``|d_c - d_t|`` (any control with replacement), an exact tie going to the
control that comes first in the data, and none when the smallest distance exceeds the
caliper (``|d_c - d_t| <= caliper`` qualifies). This is MatchIt's general algorithm
(``nn_matchC``, used for all nearest-neighbour matching up to 4.5.0 and for distance
matrices in 4.5.1). MatchIt 4.5.1's new fast path for a distance vector (``nn_matchC_vec``)
compares distances with C's integer ``abs``, so a caliper below 1 is not enforced and the
nearer of two neighbours within 1 unit is not always chosen; we do not reproduce that.

The available controls are kept sorted by distance (stable, so equal distances keep data
order) with two union-find "next available" arrays, so each match costs nearly O(1) and the
whole matching O(n log n) instead of MatchIt's O(n1 n0).
"""

from __future__ import annotations

import numpy as np


def _find(parent: np.ndarray, i: int) -> int:
    """Root of ``i`` with path halving (``parent[i] == i`` marks an available slot)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


class _Pool:
    """Controls sorted by distance; slots are removed when a control is used."""

    def __init__(self, dc: np.ndarray):
        m = dc.size
        self.dc, self.m = dc, m
        # right[j]: smallest available slot >= j (m = none); left[j + 1]: largest available
        # slot <= j, stored shifted by one (0 = none)
        self.right = np.arange(m + 1)
        self.left = np.arange(m + 1)

    def nearest_right(self, j: int) -> int:
        return _find(self.right, j) if j < self.m else self.m

    def nearest_left(self, j: int) -> int:
        return _find(self.left, j) - 1

    def first_equal(self, slot: int) -> int:
        """First available slot holding the same distance as ``slot`` (smallest data index,
        the sort being stable)."""
        start = int(np.searchsorted(self.dc, self.dc[slot], side="left"))
        return self.nearest_right(start)

    def remove(self, slot: int) -> None:
        self.right[slot] = slot + 1
        self.left[slot + 1] = slot


def greedy_pairs(distance: np.ndarray, treated: np.ndarray, visit: np.ndarray,
                 caliper: float | None, replace: bool) -> np.ndarray:
    """Control index matched to each treated unit (aligned with ``visit``), -1 when none.

    ``visit`` lists the treated units (indices into ``distance``) in matching order.
    """
    ctrl = np.flatnonzero(~treated)
    by_d = np.argsort(distance[ctrl], kind="stable")
    ctrl_sorted = ctrl[by_d]  # controls by increasing distance, ties in data order
    dc = distance[ctrl_sorted]
    pool = _Pool(dc)
    split = np.searchsorted(dc, distance[visit], side="left")
    out = np.full(visit.size, -1, dtype=np.int64)
    limit = np.inf if caliper is None else caliper
    for k, i in enumerate(visit.tolist()):
        di = distance[i]
        j = int(split[k])
        lft, r = pool.nearest_left(j), pool.nearest_right(j)
        dl = abs(dc[lft] - di) if lft >= 0 else np.inf
        dr = abs(dc[r] - di) if r < pool.m else np.inf
        best = min(dl, dr)
        if best == np.inf or best > limit:  # no control left, or none within the caliper
            continue
        cands = [pool.first_equal(s) for s, d in ((lft, dl), (r, dr)) if d == best]
        slot = min(cands, key=lambda s: ctrl_sorted[s])
        out[k] = ctrl_sorted[slot]
        if not replace:
            pool.remove(slot)
    return out
