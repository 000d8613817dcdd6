r"""Delayed entry (left truncation): ``entry`` of ``[[analyses.survival]]``.

A patient whose records at the centre start after time zero (referred in after the index
date; a study of survival from a diagnosis made elsewhere) is observed only from her entry
day :math:`a_i > 0`: had she had the event before :math:`a_i` she would never have been seen.
Counting her in the risk sets of :math:`(0, a_i]` would bias survival upwards (the
"immortal" time before entry). With delayed entry she is at risk on :math:`(a_i, t_i]`
only: the risk set at :math:`t` is :math:`\{i : a_i < t \le t_i\}` (Klein & Moeschberger
2003, section 4.6; Andersen et al. 1993, III.3), R's ``Surv(entry, time, event)``.

``entry`` names where the entry day comes from, in days after the index date:

* an endpoint (``<entry>_days`` / ``<entry>_event`` in the analysis dataset, e.g. a ``tte``
  endpoint whose event is the first visit at the centre): the day of its event; a patient
  without the event enters at time zero (0);
* else a numeric column ``<entry>`` of the analysis dataset (e.g. from an
  ``[analysis_table]``), the entry day itself; every patient needs a value (0: from time
  zero).

Refused, naming the patient: an entry before time zero (negative), an entry on or after the
patient's event or censoring day (the interval :math:`(a_i, t_i]` would be empty; such a
patient cannot be in a left-truncated sample), a missing entry day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis.checks import fail
from retrostudy.endpoints.outcome import time_to_event_columns

KEY = "analyses.survival.entry"


@dataclass(frozen=True, slots=True, kw_only=True)
class DelayedEntry:
    """The entry days of one endpoint's analysed patients and how many enter after time 0."""

    source: str  # the protocol's entry = "<source>"
    kind: str  # "endpoint" (the day of its event) or "column" (the day itself)
    days: np.ndarray  # per analysed patient, in the rows' order
    n: int  # patients analysed
    n_delayed: int  # entry > 0
    median_delayed_days: float  # median entry among those entering after time 0 (NaN: none)

    @property
    def method(self) -> str:
        """The Methods sentence of this endpoint's delayed entry."""
        where = (f"the day of the first {self.source!r} event" if self.kind == "endpoint"
                 else f"the {self.source!r} column")
        return (f"Delayed entry (left truncation): patients enter observation on {where} "
                f"({self.n_delayed} of {self.n} patients after the index date); each is at "
                "risk only from entry to event or censoring, Surv(entry, time, event), in the "
                "Kaplan\u2013Meier estimates and the Cox models, and groups are compared with "
                "the score test of the Cox model of the group on the same left-truncated risk "
                "sets (R's survdiff does not accept delayed entry).")

    def to_json(self) -> dict:
        return {"source": self.source, "kind": self.kind, "n": self.n,
                "n_delayed": self.n_delayed,
                "median_delayed_days": (None if np.isnan(self.median_delayed_days)
                                        else self.median_delayed_days),
                "method": "left truncation: at risk on (entry, time], Surv(entry, time, event); "
                          "groups compared with the Cox score test"}


def _patient(d: pd.DataFrame, i: int) -> str:
    return str(d["patient_id"].iloc[i]) if "patient_id" in d.columns else f"row {i + 1}"


def delayed_entry(d: pd.DataFrame, endpoint: str, source: str) -> DelayedEntry:
    """Entry days of the rows of ``d`` (those with a time and event of ``endpoint``)."""
    e = time_to_event_columns(source)
    if e.time in d.columns and e.event in d.columns:
        kind = "endpoint"
        has = d[e.event].fillna(0).to_numpy(float) == 1
        a = np.where(has, d[e.time].to_numpy(float, na_value=np.nan), 0.0)
    elif source in d.columns and pd.api.types.is_numeric_dtype(d[source]):
        kind = "column"
        a = d[source].to_numpy(float, na_value=np.nan)
    else:
        fail(KEY, f"entry = {source!r} is neither an endpoint ({e.time}, {e.event}) nor a "
             "numeric column of the analysis dataset",
             hint="name a tte endpoint whose event is the entry into observation (e.g. the "
             "first visit at the centre), or a column of entry days after the index date",
             code="entry_source")
    _check(d, endpoint, source, a)
    late = a > 0
    return DelayedEntry(source=source, kind=kind, days=a, n=len(a), n_delayed=int(late.sum()),
                        median_delayed_days=float(np.median(a[late])) if late.any()
                        else float("nan"))


def _check(d: pd.DataFrame, endpoint: str, source: str, a: np.ndarray) -> None:
    t = d[time_to_event_columns(endpoint).time].to_numpy(float)
    what = f"{endpoint}: entry from {source!r}"
    for bad, message, hint in (
        (np.isnan(a), "has no entry day",
         "give every patient an entry day (0: observed from the index date)"),
        (a < 0, "enters before time zero (entry {a:g} days)",
         "an entry is in days after the index date; a patient observed from the index date "
         "or earlier enters at 0"),
        (a >= t, "enters on day {a:g}, not before the end of follow-up (day {t:g})",
         "a patient is at risk from entry to event or censoring, so entry must be earlier; "
         "check the entry date, or exclude patients seen only after their event"),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            more = f" ({int(bad.sum())} patients)" if bad.sum() > 1 else ""
            fail(KEY, f"{what}: patient {_patient(d, i)} "
                 + message.format(a=a[i], t=t[i]) + more, hint=hint, code="entry_value")


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupTest:
    """The comparison of the groups with delayed entry: the score test of the unadjusted Cox
    model ``Surv(entry, time, event) ~ group`` (R: ``summary(coxph(...))$sctest``), with the
    observed and expected events per group on the left-truncated risk sets,
    :math:`E_g = \\sum_j d_j Y_{gj} / Y_j` (at :math:`\\beta = 0`). Duck-types the fields
    of :class:`retrostudy.stats.LogRank` the report reads."""

    statistic: float
    df: float
    p_value: float
    groups: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    not_estimable: str | None = None
    test: str = "cox_score_entry"


def observed_expected(entry, time, event, group, levels) -> tuple[np.ndarray, np.ndarray]:
    """Observed and expected events per level of ``group`` (risk set :math:`a < t \\le t_i`)."""
    a, t, e = (np.asarray(v, float) for v in (entry, time, event))
    g = np.asarray(group, object)
    tj, dj = np.unique(t[e == 1], return_counts=True)
    at_risk = []
    for lv in levels:
        m = g == lv
        ts, as_ = np.sort(t[m]), np.sort(a[m])
        # exits at or after t_j minus entries at or after t_j: a < t_j <= t
        at_risk.append((ts.size - np.searchsorted(ts, tj, side="left"))
                       - (as_.size - np.searchsorted(as_, tj, side="left")))
    y = np.asarray(at_risk, float)
    total = y.sum(axis=0)
    expected = (y * np.where(total > 0, dj / np.where(total > 0, total, 1), 0)).sum(axis=1)
    observed = np.array([float(e[g == lv].sum()) for lv in levels])
    return observed, expected
