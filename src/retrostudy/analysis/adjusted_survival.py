"""One endpoint compared crude, after IPTW and after matching.

Per method and group: Kaplan–Meier (weighted by the method's weights; patients with weight
0 -- trimmed or unmatched -- are left out), its median and landmark survival with CIs.
Between groups: the Cox hazard ratio of the non-reference group with

- crude: model-based variance, and the log-rank test;
- IPTW: the robust (sandwich) variance, and the robust score test, which is the weighted
  log-rank test (R: ``coxph(Surv(t, e) ~ group, weights = w, robust = TRUE)``, line
  "Robust");
- matching: the sandwich variance clustered on the matched sets (R: ``cluster = subclass``;
  with replacement a control can sit in several sets, so the clusters are patients
  instead), and the robust score test.

Weighted KM CIs use the infinitesimal-jackknife (robust) variance when a weight is not an
integer, Greenwood otherwise, as R's ``survfit`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrostudy.analysis import adjusted_stats as st
from retrostudy.analysis._stats import DEGENERATE, as_float, degenerate_reason, logrank
from retrostudy.analysis.adjusted_curves import CIFComparison, RMSTComparison
from retrostudy.analysis.adjusted_types import GroupHazardRatio, GroupTest
from retrostudy.analysis.model_checks import EValueOf, evalue_of
from retrostudy.analysis.survival import Curve, km_summary, median_landmarks_json

METHOD_NAMES = {"crude": "Crude", "iptw": "IPTW", "matching": "Matched"}


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightedGroup:
    group: str
    n: int  # patients with a weight > 0
    n_events: int  # their events (unweighted count)
    sum_weights: float
    ess: float  # Kish's effective sample size of the weights
    median: tuple[float, float, float]  # months (NaN = not estimable)
    landmarks: dict[float, tuple[float, float, float]]
    curve: Curve  # months, survival, CI, censor marks (for the figure)
    variance: str  # "greenwood" | "robust"
    days_per_month: float

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "n_events": self.n_events,
            "sum_weights": self.sum_weights,
            "effective_n": self.ess,
            "variance": self.variance,
            **median_landmarks_json(self.median, self.landmarks),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """One endpoint under one method (``"crude"``, ``"iptw"`` or ``"matching"``)."""

    endpoint: str
    method: str
    groups: tuple[WeightedGroup, ...]
    hazard_ratio: GroupHazardRatio  # of the treated group, with the Wald p of its variance
    test: GroupTest  # crude: log-rank; weighted: robust score
    n: int
    n_events: int
    evalue: EValueOf | None = None  # of the hazard ratio (None: not estimable)
    rmst: RMSTComparison | None = None  # RMST per arm and difference (None: not run)
    cumulative_incidence: CIFComparison | None = None  # with [analyses.competing] on it

    def to_json(self) -> dict:
        out = {
            "method": self.method,
            "n": self.n,
            "n_events": self.n_events,
            "groups": {g.group: g.to_json() for g in self.groups},
            "hazard_ratio": self.hazard_ratio.to_json(),
            "test": self.test.to_json(),
            "evalue": self.evalue.to_json() if self.evalue else None,
        }
        if self.rmst is not None:
            out["rmst"] = self.rmst.to_json()
        if self.cumulative_incidence is not None:
            out["cumulative_incidence"] = self.cumulative_incidence.to_json()
        return out


def _group(name, time, event, w, conv, landmarks) -> WeightedGroup:
    fit = st.km(time, event, w, conv)
    per = conv.days_per_month
    med, lms, curve = km_summary(fit, time, event, per, landmarks)
    weights = np.ones(time.size) if w is None else w
    return WeightedGroup(
        group=name,
        n=int(time.size),
        n_events=int(event.sum()),
        sum_weights=float(weights.sum()),
        ess=st.effective_n(weights),
        median=med,
        landmarks=lms,
        curve=curve,
        variance=str(fit.variance),
        days_per_month=per,
    )


def _test(method, time, event, group, fit) -> GroupTest:
    if method == "crude":
        lr = logrank(time, event, group)
        return GroupTest(name="log-rank", test="logrank", statistic=as_float(lr.statistic),
                         df=as_float(lr.df), p_value=as_float(lr.p_value),
                         not_estimable=lr.not_estimable)
    t = None if fit is None else fit.robust_score_test
    return GroupTest(
        name="robust score (weighted log-rank)",
        test="robust_score",
        statistic=math.nan if t is None else as_float(t.statistic),
        df=math.nan if t is None else as_float(t.df),
        p_value=math.nan if t is None else as_float(t.p_value),
        not_estimable=None if t is not None and np.isfinite(t.statistic)
        else "no Cox fit or a singular robust score variance",
    )


def compare(
    endpoint: str,
    method: str,
    arrays: dict,
    arms: tuple[str, str],
    conv,
    landmarks,
    *,
    weights=None,
    cluster=None,
    rmst: RMSTComparison | None = None,
    cumulative_incidence: CIFComparison | None = None,
) -> Comparison:
    """``arrays``: time (days), event, group (str) of the PS sample; ``arms``: (treated,
    reference). ``weights`` None = crude; ``cluster`` the matched-set ids (matching)."""
    w = None if weights is None else np.asarray(weights, float)
    keep = np.ones(arrays["time"].size, bool) if w is None else w > 0
    time = arrays["time"][keep].astype(float)
    event = arrays["event"][keep].astype(int)
    group = arrays["group"][keep]
    wk = None if w is None else w[keep]
    treated, reference = arms
    groups = tuple(
        _group(
            g,
            time[group == g],
            event[group == g],
            None if wk is None else wk[group == g],
            conv,
            landmarks,
        )
        for g in (treated, reference)
    )
    frame = {"time": time, "event": event, "group": group.astype(object)}
    if wk is not None:
        frame["w"] = wk
    if cluster is not None:
        frame["cluster"] = np.asarray(cluster)[keep]
    try:
        fit, reason = st.cox_group(
            frame, [reference, treated], conv, weighted=wk is not None, cluster=cluster is not None
        ), None
    except ValueError as exc:  # e.g. no events in the sample: the HR is NE, with the reason
        if not DEGENERATE.search(str(exc)):
            raise
        fit, reason = None, degenerate_reason(exc)
    hr = st.hr_record(fit, reason)
    n_events = int(event.sum())
    return Comparison(
        endpoint=endpoint,
        method=method,
        groups=groups,
        hazard_ratio=hr,
        test=_test(method, time, event, group, fit),
        n=int(time.size),
        n_events=n_events,
        evalue=evalue_of("group", hr.level, hr.hazard_ratio, hr.conf_low, hr.conf_high,
                         n_events, int(time.size)),
        rmst=rmst,
        cumulative_incidence=cumulative_incidence,
    )
