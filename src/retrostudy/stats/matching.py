"""1:1 greedy nearest-neighbour matching on the propensity-score logit (MatchIt 4.5).

R equivalent (MatchIt's general routine, reached with a distance *matrix*)::

    dmat <- abs(outer(logit[treated == 1], logit[treated == 0], "-"))
    matchit(treated ~ ..., data, method = "nearest", distance = dmat,
            caliper = 0.2 * sd(logit), std.caliper = FALSE, replace = FALSE,
            m.order = "data", ratio = 1)

with ``logit`` the linear predictor of the PS model and the rows of ``data`` put in the
order the treated units choose (decreasing logit for ``order="largest"``), as
tests/reference/adjusted.R does. Passing the logit as a distance *vector* (or ``distance =
"glm", link = "linear.logit"``) makes MatchIt 4.5.1 use its fast routine, which does not
enforce a caliper below 1 logit unit (docs/statistics.md, "MatchIt 4.5.1 bug").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats._types import ArrayLike

from . import _checks, _logistic
from ._matching import greedy_pairs

ORDERS = ("largest", "smallest", "data", "random")


@dataclass(frozen=True)
class Matching:
    """Matched pairs, MatchIt's weights and the conventions used.

    ``pairs`` holds one row (treated index, control index) per pair, by increasing treated
    index; without replacement ``subclass`` is the pair's row number for both of its units
    (-1 unmatched; MatchIt numbers its factor differently, the partition is the same). With
    replacement a control can serve several pairs, so, as MatchIt (``subclass = NULL``),
    ``subclass`` is -1 for every unit: analyse with ``weights`` and a robust variance.
    ``weights`` (MatchIt, ATT): 1 for matched treated units; for a control the number of
    times it was used, the control weights then rescaled to sum to the number of distinct
    matched controls; 0 for unmatched units. ``caliper`` is in standard deviations of the
    distance over all units (R ``sd``, n - 1), ``caliper_width`` the same on the logit scale
    (None without a caliper); a control within ``|d_c - d_t| <= caliper_width`` qualifies.
    ``order`` is MatchIt's ``m.order`` (ties in data order); ``distance`` "logit".
    """

    subclass: np.ndarray
    weights: np.ndarray
    n_matched: dict
    n_unmatched: dict
    caliper: float | None
    caliper_width: float | None
    replace: bool
    order: str
    distance: str
    pairs: np.ndarray
    warnings: tuple[str, ...] = ()

    @property
    def matched(self) -> np.ndarray:
        """Boolean mask of the units in the matched sample (weight > 0)."""
        return self.weights > 0


def _visit_order(d1: np.ndarray, order: str, seed) -> np.ndarray:
    if order == "largest":
        return np.argsort(-d1, kind="stable")
    if order == "smallest":
        return np.argsort(d1, kind="stable")
    if order == "random":
        return np.random.default_rng(seed).permutation(d1.size)
    return np.arange(d1.size)


def _check_caliper(caliper) -> float | None:
    if caliper is None:
        return None
    if isinstance(caliper, bool) or not isinstance(caliper, (int, float, np.floating,
                                                                np.integer)):
        raise TypeError(f"caliper must be a number (SDs of the logit) or None, got {caliper!r}")
    if not np.isfinite(caliper) or caliper <= 0:
        raise ValueError(f"caliper must be > 0 standard deviations (or None for no caliper), "
                         f"got {caliper}")
    return float(caliper)


def match_nearest(logit: ArrayLike, treated: ArrayLike, *, caliper: float | None = 0.2,
                  replace: bool = False, order: str = "largest",
                  seed: int | None = None) -> Matching:
    """1:1 greedy nearest-neighbour matching of treated to control units on ``logit``.

    Parameters
    ----------
    logit : array_like
        The distance, normally :attr:`PropensityScore.logit` (Austin 2011 recommends
        matching on the logit with a caliper of 0.2 SD).
    treated : array_like of 0/1
    caliper : float or None
        Width in standard deviations of ``logit`` (all units, n - 1 denominator, as MatchIt's
        ``std.caliper=TRUE``); None for no caliper.
    replace : bool
        Match with replacement (controls reusable; the order then does not matter).
    order : {"largest", "smallest", "data", "random"}
        Order in which treated units choose (MatchIt ``m.order``; "random" uses numpy's
        generator seeded with ``seed``, so it does not reproduce R's ``set.seed``).

    Notes
    -----
    Each treated unit in turn takes the control with the nearest distance among those not
    yet used (any control with replacement); an exact tie in ``|d_c - d_t|`` (controls with
    the same distance, or one control above and one below at the same gap) goes to the
    control that comes first in the data, as MatchIt's general routine ``nn_matchC``. See
    :mod:`._matching`.

    References
    ----------
    Austin PC (2011), Pharm Stat 10:150-61. Ho D, Imai K, King G, Stuart E (2011), MatchIt,
    J Stat Softw 42(8). Rosenbaum PR, Rubin DB (1985), Am Stat 39:33-38.
    """
    t = _logistic.check_binary("treated", treated)
    d = _checks.as_1d_float("logit", logit)
    if d.size != t.size:
        raise ValueError(f"logit has {d.size} values but treated has {t.size}; lengths must "
                         "match")
    _checks.check_finite("logit", d, "every unit needs a distance (PS logit)")
    cal = _check_caliper(caliper)
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    is_t = t == 1
    tr_idx = np.flatnonzero(is_t)
    n1, n0 = int(is_t.sum()), int((~is_t).sum())
    width = None
    if cal is not None and np.unique(d).size > 1:  # MatchIt drops a caliper on a constant
        width = cal * float(np.std(d, ddof=1))
    visit = tr_idx if replace else tr_idx[_visit_order(d[tr_idx], order, seed)]
    ctrl = greedy_pairs(d, is_t, visit, width, bool(replace))
    found = ctrl >= 0
    pt, pc = visit[found], ctrl[found]
    by_t = np.argsort(pt, kind="stable")
    pairs = np.column_stack([pt[by_t], pc[by_t]]).astype(np.int64)
    if pairs.shape[0] == 0:
        raise ValueError(f"no treated unit has a control within the caliper ({cal} SD = "
                         f"{width} on the logit); widen the caliper or check the overlap")
    weights = np.zeros(t.size)
    weights[pairs[:, 0]] = 1.0
    np.add.at(weights, pairs[:, 1], 1.0)
    uses = weights[~is_t]
    weights[~is_t] = uses * (np.count_nonzero(uses) / uses.sum())
    subclass = np.full(t.size, -1, dtype=np.int64)
    if not replace:
        subclass[pairs[:, 0]] = np.arange(pairs.shape[0])
        subclass[pairs[:, 1]] = np.arange(pairs.shape[0])
    notes = []
    if not replace and n0 < n1:
        notes.append("fewer control than treated units; not all treated units can be matched")
    m1, m0 = int(np.count_nonzero(weights[is_t])), int(np.count_nonzero(weights[~is_t]))
    return Matching(subclass=subclass, weights=weights,
                    n_matched={"treated": m1, "control": m0},
                    n_unmatched={"treated": n1 - m1, "control": n0 - m0},
                    caliper=cal, caliper_width=width, replace=bool(replace),
                    order="data" if replace else order, distance="logit", pairs=pairs,
                    warnings=tuple(notes))
