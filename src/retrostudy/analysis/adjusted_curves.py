r"""Restricted mean survival time and cumulative incidence of one adjusted comparison method.

For each method of the adjusted comparison (crude, IPTW with its estimand, matching) and
endpoint, on the patients with weight > 0 (trimmed and unmatched patients left out):

* RMST of each arm to :math:`\tau` from its (weighted) Kaplan–Meier curve and the difference
  treated − reference with a Wald CI and z-test
  (:func:`retrostudy.stats.weighted_rmst`). Crude: R's ``print(survfit, rmean = tau)``
  Greenwood-type variance. IPTW: the robust infinitesimal-jackknife variance (the weights
  treated as known; the bootstrap of ``bootstrap = B`` re-estimates them). Matching: the same
  with the influences summed within matched sets (with replacement: within patients), as the
  clustered Cox variance.
* With ``[analyses.competing]`` on this endpoint: the (weighted) Aalen–Johansen cumulative
  incidence of each cause per arm at the competing-risks landmarks, infinitesimal-jackknife SE
  and log CI (R: ``survfit(Surv(t, factor(status)) ~ 1, weights = w)``), read as
  ``summary(fit, times =)``. Crude: unweighted, on the propensity-score sample.

:math:`\tau` (one per endpoint, every method): ``[analyses.rmst] tau`` when given, else the
endpoint's last landmark, each capped at the shortest follow-up over the methods' arms (the
last time with weight > 0), else that follow-up.

References: Conner SC et al. Stat Med 2019;38:5003-5016 (adjusted RMST); Cole SR, Hernán MA.
Comput Methods Programs Biomed 2004;75:45-49; Aalen OO, Johansen S. Scand J Stat 1978.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.analysis.competing import CifGroup, cif_at_landmarks
from retrostudy.analysis.competing_status import CAUSES
from retrostudy.stats import cumulative_incidence, weighted_cumulative_incidence, weighted_rmst

# the test of the difference by its variance (report.pvalues.TEST_NAMES says each in words)
TESTS = {"greenwood": "rmst_wald", "robust": "rmst_wald_robust",
         "robust_cluster": "rmst_wald_cluster"}


@dataclass(frozen=True, slots=True, kw_only=True)
class RMSTComparison:
    """RMST per arm and the difference treated − reference; months."""

    tau: float
    tau_rule: str
    rmst: dict[str, tuple[float, float]]  # group -> (estimate, standard error)
    difference: float
    std_err: float
    conf_low: float
    conf_high: float
    p_value: float
    variance: str  # "greenwood" | "robust" | "robust_cluster"

    def to_json(self) -> dict:
        return {
            "tau_months": self.tau, "tau_rule": self.tau_rule,
            "groups": {g: {"rmst": v[0], "std_err": v[1]} for g, v in self.rmst.items()},
            "difference": self.difference, "std_err": self.std_err,
            "conf_low": self.conf_low, "conf_high": self.conf_high, "p_value": self.p_value,
            "variance": self.variance, "test": TESTS[self.variance],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CIFComparison:
    """Cumulative incidence of each cause per arm at the landmarks (months)."""

    landmarks: tuple[float, ...]
    groups: dict[str, CifGroup]  # group -> patients, events per cause, incidences
    weighted: bool

    def to_json(self) -> dict:
        return {
            "method": "Aalen-Johansen" + (" with case weights" if self.weighted else ""),
            "variance": "infinitesimal jackknife", "conf_type": "log",
            "landmarks_months": list(self.landmarks),
            "groups": {g: a.to_json() for g, a in self.groups.items()},
        }


def follow_up_limit(time, treated, weight_sets) -> float:
    """The shortest last follow-up time (days) over the arms of every weighting (None: all
    patients), counting only patients with weight > 0."""
    out = np.inf
    for w in weight_sets:
        use = np.ones(time.size, bool) if w is None else np.asarray(w) > 0
        for arm in (True, False):
            s = use & (treated == arm)
            if s.any():
                out = min(out, float(time[s].max()))
    return out


def rmst_tau(limit: float, landmarks, tau_months: float | None, per: float) -> tuple[float, str]:
    """(tau in days, its rule in words); see the module docstring."""
    if tau_months is not None:
        return min(tau_months * per, limit), "[analyses.rmst] tau"
    if any(0 < m * per <= limit for m in landmarks):
        return (max(m * per for m in landmarks if 0 < m * per <= limit),
                "the endpoint's last landmark within follow-up")
    return limit, "the shortest last follow-up time of the arms"


def rmst_comparison(time, event, group, arms: tuple[str, str], weights, cluster, *,
                    tau: float, rule: str, per: float, conf_level: float) -> RMSTComparison:
    """``time`` in days; ``weights`` None = crude; ``cluster`` the matched sets (matching)."""
    w = np.ones(time.size) if weights is None else np.asarray(weights, float)
    keep = w > 0
    robust = weights is not None
    res = weighted_rmst(time[keep], event[keep], group[keep], w[keep], tau=tau,
                        groups=(arms[1], arms[0]), conf_level=conf_level,
                        variance="robust" if robust else "greenwood",
                        cluster=None if cluster is None else np.asarray(cluster)[keep])
    return RMSTComparison(
        tau=tau / per, tau_rule=rule,
        rmst={arms[0]: (res.rmst[1] / per, res.std_err[1] / per),
              arms[1]: (res.rmst[0] / per, res.std_err[0] / per)},
        difference=res.difference / per, std_err=res.difference_std_err / per,
        conf_low=res.conf_low / per, conf_high=res.conf_high / per, p_value=res.p_value,
        variance=res.variance)


def cif_comparison(days, status, group, arms: tuple[str, str], weights, *, landmarks,
                   per: float, conf_level: float) -> CIFComparison:
    """``status`` 0 censored, 1 progression, 2 death without progression, -1 not known
    (left out); ``weights`` None = crude."""
    w = np.ones(days.size) if weights is None else np.asarray(weights, float)
    out = {}
    for g in arms:
        s = (group == g) & (w > 0) & (status >= 0)
        st = status[s].astype(int)
        events = {CAUSES[c]: int((st == c).sum()) for c in CAUSES}
        fit = None
        if (st > 0).any():
            fit = (cumulative_incidence(days[s], st, causes=list(CAUSES), conf_level=conf_level)
                   if weights is None else
                   weighted_cumulative_incidence(days[s], st, w[s], causes=list(CAUSES),
                                                 conf_level=conf_level))
        out[g] = CifGroup(n=int(s.sum()), events=events,
                          landmarks=cif_at_landmarks(fit, landmarks, per))
    return CIFComparison(landmarks=tuple(float(m) for m in landmarks), groups=out,
                         weighted=weights is not None)
