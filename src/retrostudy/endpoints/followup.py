"""Follow-up per group: median (range) of observation time, and reverse Kaplan–Meier median.

- Observation time (the seed's "median follow-up 2.8 (range 0.7–12.2) months", docs/sources.md,
  [S]): per patient, the days from the index date to the event or censoring of the endpoint
  named by ``observation`` (seed: its PFS), or to death / last date known alive when
  ``observation = "last_contact"``. Plain median, minimum and maximum.
- Reverse Kaplan–Meier (Schemper & Smith, Control Clin Trials 1996;17:343, [V]):
  the KM median of the OS times with the event indicator flipped (censoring is the "event"),
  as R ``survfit(Surv(time, status == 0) ~ 1)``; computed with ``retrostudy.stats``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.protocol.endpoints import FollowupEndpoint
from retrostudy.stats import kaplan_meier


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUp:
    """Follow-up of one group, in days (divide by ``days_per_month`` for display)."""

    group: str
    n: int
    observation: str  # what the observation time runs to (an endpoint name or last_contact)
    median_days: float
    min_days: float
    max_days: float
    reverse_km_of: str | None
    reverse_km_median_days: float
    reverse_km_conf_low: float
    reverse_km_conf_high: float
    conf_type: str = "log"


def observation_column(spec: FollowupEndpoint, os_name: str | None) -> str:
    """The ``_days`` column the observation time is read from."""
    if spec.observation == "last_contact":
        if os_name is None:
            raise ValueError("followup.observation = 'last_contact' needs an 'os' endpoint")
        return f"{os_name}_days"
    return f"{spec.observation}_days"


def group_followup(spec: FollowupEndpoint, data: pd.DataFrame, obs_col: str,
                   has_os: bool) -> tuple[FollowUp, ...]:
    """One :class:`FollowUp` per group (column ``group``; ``"all"`` if absent)."""
    groups = data["group"].astype("string") if "group" in data else pd.Series(
        "all", index=data.index, dtype="string")
    out = []
    for g in pd.unique(groups):
        d = data[(groups == g).to_numpy()]
        obs = d[obs_col].dropna().to_numpy(dtype=float)
        rk = (np.nan, np.nan, np.nan)
        if has_os:
            t = d[f"{spec.reverse_km_of}_days"].to_numpy(dtype=float)
            e = d[f"{spec.reverse_km_of}_event"].to_numpy(dtype=int)
            if (e == 0).any():
                q = kaplan_meier(t, 1 - e, conf_type="log").median()
                rk = (q.estimate, q.conf_low, q.conf_high)
        out.append(FollowUp(
            group=str(g), n=len(d), observation=spec.observation,
            median_days=float(np.median(obs)) if obs.size else np.nan,
            min_days=float(obs.min()) if obs.size else np.nan,
            max_days=float(obs.max()) if obs.size else np.nan,
            reverse_km_of=spec.reverse_km_of if has_os else None,
            reverse_km_median_days=float(rk[0]), reverse_km_conf_low=float(rk[1]),
            reverse_km_conf_high=float(rk[2]),
        ))
    return tuple(out)


def describe_followup(name: str, spec: FollowupEndpoint, has_os: bool) -> str:
    to = ("death or the last date known alive" if spec.observation == "last_contact"
          else f"the event or censoring of {spec.observation}")
    text = (f"{spec.label or name}: observation time = days from the index date to {to}, "
            "summarised as median (range).")
    if has_os:
        text += (f" Reverse Kaplan–Meier median follow-up: KM median of {spec.reverse_km_of} "
                 "with the event indicator reversed (Schemper & Smith 1996).")
    else:
        text += " Reverse Kaplan–Meier not computed: no OS endpoint."
    return text
