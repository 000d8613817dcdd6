r"""Time-varying exposure (``[[analyses.time_varying]]``): an exposure that starts after the
index date enters the Cox model of an endpoint as a time-dependent covariate, beside the
immortal-time-biased model that treats it as present from the index date.

Exposure start :math:`u_i` = ``<exposure>_days`` where ``<exposure>_event`` is 1 (missing:
never exposed). Correct model: each patient's follow-up :math:`(0, t_i]` is split at
:math:`u_i` into an unexposed and an exposed interval
(:func:`retrostudy.stats.split_at_exposure`, R's ``tmerge`` + ``tdc``), and the Cox model
``Surv(start, stop, event) ~ exposed + adjust`` is fitted on the intervals (delayed entry at
``start``). Naive model: ``exposed = 1`` for every patient whose exposure starts during
follow-up (:math:`u_i < t_i`, as the split), fitted on ``Surv(time, event)`` as a baseline
covariate — the exposed patients' time from the index date to :math:`u_i` is *immortal* (they had to
survive to be exposed), which biases the naive hazard ratio towards benefit (Suissa 2008).
Patients without a time for the endpoint, or with a time of 0 (no interval), are left out of
both models and counted.

``window_days = W``: only a start within W days after the index date counts
(:math:`u_i \le W`); a later start is set to missing, so that patient is unexposed for the
whole follow-up in both models (R: the start day set to ``NA`` before ``tmerge``); their
number is reported. This is the exposure definition "drug begun within W days", common to
both models, so the immortal-time comparison stays like for like.

References: Therneau T, Crowson C, Atkinson E. Using time dependent covariates and time
dependent coefficients in the Cox model (survival vignette). Suissa S. Am J Epidemiol
2008;167:492-499. Lévesque LE et al. BMJ 2010;340:b5087.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis._stats import HazardRatio
from retrostudy.analysis.checks import require_columns, tte_columns
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import _column, _levels
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import cox_ph, split_at_exposure


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeVaryingResult:
    """One endpoint x exposure: the time-dependent and the naive (ever/never) Cox models."""

    endpoint: str
    endpoint_label: str
    exposure: str
    exposure_label: str
    covariates: tuple[str, ...]  # adjustment terms besides the exposure
    n: int  # patients analysed
    n_excluded: int  # without a time (or a covariate) for the endpoint, or with time 0
    n_events: int
    n_exposed: int  # exposure started before the end of follow-up (u < t)
    n_intervals: int  # counting-process rows
    median_start_days: float  # median exposure start among the exposed (days)
    window_days: int | None = None  # only starts on day <= window_days count
    n_after_window: int = 0  # starts after the window (analysed as unexposed)
    time_varying: tuple[HazardRatio, ...]  # every term of the time-dependent model
    naive: tuple[HazardRatio, ...]  # every term of the ever/never model

    def exposure_hr(self, which: str) -> HazardRatio:
        terms = self.time_varying if which == "time_varying" else self.naive
        return next(t for t in terms if t.variable == "exposed")

    def to_json(self) -> dict:
        window = ({} if self.window_days is None else
                  {"window_days": self.window_days, "n_after_window": self.n_after_window})
        return {
            "endpoint": self.endpoint,
            "exposure": self.exposure,
            "exposure_label": self.exposure_label,
            "covariates": list(self.covariates),
            "n": self.n,
            "n_excluded": self.n_excluded,
            "n_events": self.n_events,
            "n_exposed": self.n_exposed,
            "n_intervals": self.n_intervals,
            "median_start_days": _stats.as_float(self.median_start_days),
            "time_varying": [h.to_json() for h in self.time_varying],
            "naive": [h.to_json() for h in self.naive],
            "method": "time-dependent Cox model on counting-process intervals split at the "
                      "exposure start (tmerge/tdc), beside the naive model with the exposure "
                      "as a baseline ever/never covariate (immortal-time biased)",
        } | window


def _fit(frame: dict, covs: list[str], levels: dict, conv, entry: str | None):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*monotone likelihood.*",
                                category=RuntimeWarning)
        return cox_ph(frame, time="time", event="event", covariates=covs, ties=conv.ties,
                      levels=levels, conf_level=conv.conf_level, entry=entry)


def time_varying(data: pd.DataFrame, spec, ctx: Context) -> TimeVaryingResult:
    c = time_to_event_columns(spec.endpoint)
    x = time_to_event_columns(spec.exposure)
    d = data.dropna(subset=[c.time, c.event, *spec.adjust])
    d = d[d[c.time] > 0]
    t, e = d[c.time].to_numpy(float), d[c.event].to_numpy(int)
    started = d[x.event].fillna(0).to_numpy(int) == 1
    u = np.where(started, d[x.time].to_numpy(float, na_value=math.nan), math.nan)
    late = started & (u > spec.window_days) if spec.window_days else np.zeros_like(started)
    started &= ~late
    u[late] = math.nan  # a start after the window does not count: unexposed throughout
    rows = split_at_exposure(t, e, u)
    covs = ["exposed", *spec.adjust]
    levels = _levels(d, spec.adjust, spec, ctx.reference)
    base = {v: _column(d[v]) for v in spec.adjust}
    where = "analyses.time_varying"
    tv_frame = {"start": rows.start, "time": rows.stop, "event": rows.event,
                "exposed": rows.exposed.astype(int)} | {k: v[rows.index] for k, v in base.items()}
    ever = (started & (u < t)).astype(int)  # exposed before the end of follow-up
    naive_frame = {"time": t, "event": e, "exposed": ever} | base
    with _stats.explained(f"{spec.endpoint}: time-dependent Cox model of {spec.exposure}", where):
        tv = _fit(tv_frame, covs, levels, ctx.conv, entry="start")
    with _stats.explained(f"{spec.endpoint}: naive Cox model of {spec.exposure}", where):
        nv = _fit(naive_frame, covs, levels, ctx.conv, entry=None)
    return TimeVaryingResult(
        endpoint=spec.endpoint, endpoint_label=ctx.endpoint_labels.get(spec.endpoint,
                                                                       spec.endpoint.upper()),
        exposure=spec.exposure, exposure_label=spec.text, covariates=tuple(spec.adjust),
        n=len(d), n_excluded=len(data) - len(d), n_events=int(e.sum()),
        n_exposed=int(ever.sum()), n_intervals=int(rows.start.size),
        median_start_days=float(np.median(u[ever == 1])) if ever.any() else math.nan,
        window_days=spec.window_days, n_after_window=int(late.sum()),
        time_varying=tuple(_stats.coefficient_records(tv)),
        naive=tuple(_stats.coefficient_records(nv)))


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[TimeVaryingResult, ...]:
    """The registry's entry point: every ``[[analyses.time_varying]]`` block (``settings``)."""
    need = [col for s in settings
            for col in (*tte_columns("analyses.time_varying.endpoint", s.endpoint),
                        *tte_columns("analyses.time_varying.exposure", s.exposure),
                        *(("analyses.time_varying.adjust", a) for a in s.adjust))]
    require_columns(data, need)
    return tuple(time_varying(data, s, ctx) for s in settings)
