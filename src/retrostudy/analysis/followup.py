"""Follow-up per group (``[analyses.followup]``; the seed gives it in its text). The one place
it is computed; the result carries the sentence that describes it, so the table footnote, the
Methods paragraph and results.json say what the number is.

- observed time: days from the index date to the event or censoring of the ``observation``
  endpoint (the seed's "median follow-up 2.8 (range 0.7-12.2) months" is its PFS), as
  median (range);
- reverse Kaplan-Meier median (Schemper & Smith, Control Clin Trials 1996;17:343): the KM
  median of the ``reverse_km_of`` endpoint's times with the event indicator flipped
  (censoring is the "event"), as R ``survfit(Surv(time, status == 0) ~ 1)``, with the
  profile's CI transform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis.context import Context
from retrostudy.endpoints.outcome import time_to_event_columns


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpSummary:
    group: str
    n: int  # patients with an observed time
    median: float  # months of observed time (events and censored)
    low: float
    high: float
    reverse_km: tuple[float, float, float]  # median potential follow-up (reverse KM), months

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "observed_median_months": self.median,
            "observed_min_months": self.low,
            "observed_max_months": self.high,
            "reverse_km_median_months": dict(
                zip(("estimate", "conf_low", "conf_high"), self.reverse_km, strict=True)
            ),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUp:
    """Follow-up of every group, and what it was computed from (``method``)."""

    observation: str  # endpoint whose observed time is summarised
    reverse_km_of: str  # endpoint whose reverse Kaplan-Meier median is the follow-up
    labels: dict[str, str]  # endpoint -> text used in the sentence
    conf_type: str
    conf_level: float
    groups: tuple[FollowUpSummary, ...]
    # every patient of the dataset, whatever the group (the published comparison's
    # "followup.*.overall"; not in results.json's "followup", which is by group)
    overall: FollowUpSummary | None = None

    @property
    def method(self) -> str:
        obs = self.labels.get(self.observation, self.observation.upper())
        rev = self.labels.get(self.reverse_km_of, self.reverse_km_of.upper())
        pct = int(round(self.conf_level * 100))
        return (
            f"Follow-up. Observed time: from the index date to the event or censoring of {obs}, "
            "every patient, median (range). Median follow-up: reverse Kaplan\u2013Meier median "
            f"of {rev} (its event indicator reversed, so that censoring is the event; Schemper "
            f"& Smith 1996), {pct}% CI on the {self.conf_type} scale."
        )

    def to_json(self) -> dict:
        return {
            "observation": self.observation,
            "reverse_km_of": self.reverse_km_of,
            "method": self.method,
            "groups": {f.group: f.to_json() for f in self.groups},
        }


def _present(data: pd.DataFrame, endpoint: str) -> tuple[np.ndarray, np.ndarray]:
    c = time_to_event_columns(endpoint)
    d = data.dropna(subset=[c.time, c.event])
    return d[c.time].to_numpy(float), d[c.event].to_numpy(int)


def reverse_km_median(days: np.ndarray, event: np.ndarray, conv) -> tuple[float, float, float]:
    """KM median (CI) of ``days`` with ``1 - event`` as the event, in days; NaN when no
    patient is censored (the censoring distribution never drops)."""
    if days.size == 0 or not (event == 0).any():
        return (np.nan,) * 3
    return tuple(float(v) for v in _stats.km_median(_stats.kaplan_meier(days, 1 - event, conv)))


def follow_up(data: pd.DataFrame, groups: list[str], spec, conv,
              labels: dict[str, str] | None = None) -> FollowUp:
    """The follow-up of ``[analyses.followup]`` (``spec``) per group."""
    return FollowUp(observation=spec.observed, reverse_km_of=spec.reverse_km_of,
                    labels=dict(labels or {}), conf_type=conv.conf_type,
                    conf_level=conv.conf_level,
                    groups=tuple(_summary(g, data[data["group"] == g], spec, conv)
                                 for g in groups),
                    overall=_summary("overall", data, spec, conv))


def _summary(name: str, d: pd.DataFrame, spec, conv) -> FollowUpSummary:
    """The observed time (median, range) and the reverse-KM median of the patients ``d``."""
    per = conv.days_per_month
    days, _ = _present(d, spec.observed)
    rk = reverse_km_median(*_present(d, spec.reverse_km_of), conv)
    m = days / per
    return FollowUpSummary(
        group=name, n=int(days.size),
        median=float(np.median(m)) if m.size else np.nan,
        low=float(m.min()) if m.size else np.nan,
        high=float(m.max()) if m.size else np.nan,
        reverse_km=tuple(v / per for v in rk),
    )


def run(settings, data: pd.DataFrame, ctx: Context) -> FollowUp:
    """The registry's entry point: the follow-up of ``[analyses.followup]`` (``settings``)."""
    ep_text = {s.endpoint: s.text for s in ctx.analyses.survival}
    return follow_up(data, list(ctx.groups), settings, ctx.conv, ep_text)
