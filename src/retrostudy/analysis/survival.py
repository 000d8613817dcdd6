"""Kaplan–Meier per group, landmark survival, log-rank and numbers at risk.

Times are integer days throughout; months (days / days_per_month) are for display only.
Numbers at risk follow R's ``summary(survfit, times = t)``: the patients whose observed
time is >= t, i.e. at risk at the *start* of each interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from retrostudy.analysis import _stats


def numbers_at_risk(time, breaks, entry=None) -> list[int]:
    r"""Patients still under observation at each break (time >= t), as R counts them.

    With ``entry`` (delayed entry) R's ``summary(survfit, times = b)$n.risk`` is the risk
    set at the first exit time :math:`s \ge b`: :math:`\#\{i: a_i < s \le t_i\}` (0 past
    the last exit); without entry that is :math:`\#\{i: t_i \ge b\}`."""
    t = np.sort(np.asarray(time, float))
    b = np.asarray(breaks, float)
    if entry is None:
        return (t.size - np.searchsorted(t, b, side="left")).astype(int).tolist()
    a = np.sort(np.asarray(entry, float))
    pos = np.searchsorted(t, b, side="left")
    s = t[np.minimum(pos, max(t.size - 1, 0))] if t.size else b
    n = (t.size - pos) - (a.size - np.searchsorted(a, s, side="left"))
    return np.where(pos < t.size, n, 0).astype(int).tolist()


def risk_breaks(max_months: float, step: float) -> np.ndarray:
    """The at-risk (and tick) times of a figure: 0, step, 2 step, ... up to ``max_months``."""
    return np.arange(0.0, math.floor(max_months / step) * step + step / 2, step)


@dataclass(frozen=True, slots=True, kw_only=True)
class AtRisk:
    """Numbers at risk under a figure: per group, the patients whose observed time is >= t
    (R's ``summary(fit, times = t)$n.risk``) at each break ``months`` (0, step, 2 step, ...,
    ``[report.km] break_months``) up to ``max_months`` (the x range: ``[report.km]
    max_months``, else the longest time shown)."""

    max_months: float
    months: tuple[float, ...]
    counts: Mapping[str, tuple[int, ...]]  # group -> one count per break


def at_risk(days: Mapping[str, np.ndarray], per: float, step: float,
            max_months: float, entry: Mapping[str, np.ndarray | None] | None = None) -> AtRisk:
    """:class:`AtRisk` of each group's observed times ``days`` (whole days; months = days /
    ``per``) at the breaks ``step`` months apart up to ``max_months``; ``entry``: each
    group's entry days under delayed entry (:func:`numbers_at_risk`)."""
    breaks = risk_breaks(max_months, step)
    entry = entry or {}
    return AtRisk(max_months=max_months, months=tuple(breaks.tolist()),
                  counts={g: tuple(numbers_at_risk(t, breaks * per, entry.get(g)))
                          for g, t in days.items()})


@dataclass(frozen=True, slots=True, kw_only=True)
class Curve:
    """A Kaplan–Meier step function for a figure, in months: the survival and its CI after
    each event time, and the censoring marks (time, survival at that time)."""

    time: np.ndarray
    survival: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    censor_times: np.ndarray
    censor_survival: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSurvival:
    group: str
    n: int
    n_events: int
    median: tuple[float, float, float]  # months: estimate, conf_low, conf_high (NaN = NE)
    landmarks: dict[float, tuple[float, float, float]]  # month -> survival, low, high
    curve: Curve  # step function for the figure
    time_days: np.ndarray
    event: np.ndarray
    days_per_month: float
    entry_days: np.ndarray | None = None  # delayed entry (analysis/entry.py)

    def at_risk(self, breaks_days) -> list[int]:
        """Numbers at risk at each break (days), as R counts them (:func:`numbers_at_risk`)."""
        return numbers_at_risk(self.time_days, breaks_days, self.entry_days)

    @property
    def time_months(self) -> np.ndarray:
        return self.time_days / self.days_per_month

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "n_events": self.n_events,
            **median_landmarks_json(self.median, self.landmarks),
        }


def group_survival(group: str, days, event, conv, landmarks, entry=None) -> GroupSurvival:
    """``entry``: entry days (delayed entry), R's ``survfit(Surv(entry, time, event) ~ 1)``."""
    days = np.asarray(days, float)
    event = np.asarray(event, int)
    fit = _stats.kaplan_meier(days, event, conv, entry=entry)
    med, lms, curve = km_summary(fit, days, event, conv.days_per_month, landmarks)
    return GroupSurvival(
        group=group,
        n=int(days.size),
        n_events=int(event.sum()),
        median=med,
        landmarks=lms,
        curve=curve,
        time_days=days,
        event=event,
        days_per_month=conv.days_per_month,
        entry_days=None if entry is None else np.asarray(entry, float),
    )


def km_summary(fit, days: np.ndarray, event: np.ndarray, per: float, landmarks):
    """What a group's row and figure show of a Kaplan–Meier ``fit`` (of ``days``, ``event``;
    weighted or not): the median with its CI and the survival with CI at each landmark month,
    in months (``days / per``), and the step curve with censoring marks."""
    med = tuple(v / per for v in _stats.km_median(fit))
    lm_days = [m * per for m in landmarks]
    s, lo, hi = _stats.km_at(fit, lm_days) if landmarks else ([], [], [])
    lms = {
        float(m): (float(a), float(b), float(c))
        for m, a, b, c in zip(landmarks, s, lo, hi, strict=True)
    }
    censored = np.unique(days[event == 0]) / per
    curve = Curve(
        time=np.asarray(fit.time, float) / per,
        survival=np.asarray(fit.survival, float),
        conf_low=np.asarray(fit.conf_low, float),
        conf_high=np.asarray(fit.conf_high, float),
        censor_times=censored,
        censor_survival=_step_at(
            np.asarray(fit.time, float) / per, np.asarray(fit.survival, float), censored
        ),
    )
    return med, lms, curve


def median_landmarks_json(median, landmarks: dict) -> dict:
    """The JSON of a median (estimate, CI) and of landmark survival (month -> s, low, high)."""
    return {
        "median_months": dict(zip(("estimate", "conf_low", "conf_high"), median, strict=True)),
        "landmarks": [
            {"months": m, "survival": s, "conf_low": lo, "conf_high": hi}
            for m, (s, lo, hi) in sorted(landmarks.items())
        ],
    }


def _step_at(times: np.ndarray, surv: np.ndarray, at: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(times, at, side="right") - 1
    return np.where(idx >= 0, surv[np.clip(idx, 0, None)], 1.0)
