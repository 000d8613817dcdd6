r"""Weighted curves for weighting analyses (IPTW, overlap weights): RMST difference from
weighted Kaplan-Meier curves and weighted cumulative incidence (Aalen-Johansen).

With case weights :math:`w_i` (e.g. from :func:`~retrostudy.stats.ps_weights`) every count
becomes a sum of weights: at a distinct time :math:`t_j`, :math:`Y_j = \sum_{i: T_i \ge t_j}
w_i` and :math:`d_{cj} = \sum_{i: T_i = t_j, \text{cause } c} w_i`. Then

.. math::
    \hat S^w(t) = \prod_{t_j \le t} (1 - d_j / Y_j),\qquad
    \mathrm{RMST}^w(\tau) = \int_0^\tau \hat S^w(t)\,dt,\qquad
    \hat F^w_c(t) = \sum_{t_j \le t} \hat S^w(t_{j-1})\, d_{cj} / Y_j

(Cole & Hernán 2004; Xie & Liu 2005 for the adjusted survival curve). The RMST standard error
is R's ``print(survfit(weights=), rmean=tau)`` (Greenwood-type on the weighted counts;
``variance="greenwood"``), or the robust infinitesimal jackknife (``variance="robust"``):
with :math:`h_j = d_j/Y_j`, :math:`A_j = \int_{t_j}^\tau \hat S^w` and
:math:`B_j = A_j/(1-h_j)` (:math:`\hat S^w(t_{j-1})(\tau - t_j)` where :math:`h_j = 1`),

.. math::
    U_i = w_i\,\frac{\partial\,\mathrm{RMST}^w}{\partial w_i}
        = w_i\Big(\sum_{t_j \le \min(T_i,\tau)} \frac{h_j B_j}{Y_j}
          - \frac{\delta_i\,1\{T_i \le \tau\}\,B_{j(i)}}{Y_{j(i)}}\Big),\qquad
    \widehat{\mathrm{var}} = \sum_c \Big(\sum_{i \in c} U_i\Big)^2

(:math:`c` the clusters, e.g. matched sets; one patient each by default), the integral over
:math:`[0, \tau]` of R's ``survfit(..., influence = TRUE)$influence.surv``. For the difference
the influences of the reference group enter with a minus sign, so a cluster holding patients
of both groups (a matched pair) contributes their covariance. The
cumulative incidence standard error is R's infinitesimal jackknife with weights,
:math:`\sqrt{\sum_i (w_i\,\partial \hat F_c / \partial w_i)^2}`. Both treat the weights as
known: they ignore that the propensity model was estimated, so for a CI that accounts for it
use :func:`~retrostudy.stats.bootstrap.bootstrap_iptw` (resamples refit the propensity
model). The RMST difference's Wald CI and z-test use
:math:`\mathrm{se} = \sqrt{\mathrm{se}_1^2 + \mathrm{se}_0^2}` (independent arms).

R equivalent: ``fit <- survfit(Surv(t, e) ~ g, weights = w); summary(fit, rmean = tau)$table``
(``rmean``, ``se(rmean)``); robust: per group ``f <- survfit(Surv(t, e) ~ 1, weights = w,
influence = TRUE)``, ``U <- f$influence.surv %*% widths`` (the step widths of the curve on
[0, tau], the first at S = 1 taken as 0 influence), ``sqrt(sum(rowsum(U, cluster)^2))``;
``survfit(Surv(t, factor(status, 0:k)) ~ 1, weights = w)`` in each group (``pstate``,
``std.err``).

References
----------
Cole SR, Hernán MA (2004), Comput Methods Programs Biomed 75:45-49. Xie J, Liu C (2005),
Stat Med 24:3089-3110. Conner SC et al. (2019), Stat Med 38:5003-5016 (adjusted RMST).
Aalen OO, Johansen S (1978), Scand J Stat 5:141-150.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ._checks import check_conf_level, check_event, check_time, check_weights
from ._km_core import count_table
from ._types import ArrayLike
from .competing import CumulativeIncidence, _check_status, _ij_std_err, _log_band
from .km import kaplan_meier


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightedRMST:
    """Weighted RMST of each group to ``tau`` and the difference ``groups[1] - groups[0]``."""

    groups: tuple
    tau: float
    rmst: tuple[float, float]
    std_err: tuple[float, float]
    difference: float
    difference_std_err: float
    conf_low: float
    conf_high: float
    p_value: float
    conf_level: float
    test: str = "Wald z-test of the RMST difference (weights treated as known)"
    variance: str = "greenwood"  # "greenwood" | "robust" | "robust_cluster"


def _rmst_influence(t: np.ndarray, e: np.ndarray, w: np.ndarray,
                    tau: float) -> tuple[float, np.ndarray]:
    """RMST to ``tau`` of the weighted Kaplan-Meier curve and ``U_i = w_i dRMST/dw_i``."""
    times, idx = np.unique(t, return_inverse=True)
    y = np.cumsum(np.bincount(idx, w, times.size)[::-1])[::-1]
    d = np.bincount(idx, w * e, times.size)
    h = d / y
    surv = np.cumprod(1.0 - h)
    s_prev = np.concatenate(([1.0], surv[:-1]))
    inside = times <= tau
    right = np.minimum(np.append(times[1:], np.inf), tau)
    piece = np.where(inside, surv * (right - times), 0.0)
    after = np.cumsum(piece[::-1])[::-1]  # A_j: area under S from t_j to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(h < 1, after / (1.0 - h), s_prev * (tau - times))
    b = np.where(inside, b, 0.0)
    q = np.cumsum(h * b / y)
    deriv = q[idx] - e * (t <= tau) * b[idx] / y[idx]
    rmst = min(float(times[0]), tau) + float(piece.sum())
    return rmst, w * deriv


def _cluster_sd(u: np.ndarray, cluster: np.ndarray | None) -> float:
    if cluster is None:
        return float(np.sqrt(np.sum(u * u)))
    _, c = np.unique(cluster, return_inverse=True)
    return float(np.sqrt(np.sum(np.bincount(c, u) ** 2)))


def _robust_se(t, e, w, g, levels, tau, cluster):
    """Per-group and difference standard errors of the infinitesimal jackknife."""
    cl = None if cluster is None else np.asarray(cluster, dtype=object)
    if cl is not None and cl.shape != t.shape:
        raise ValueError(f"cluster has {cl.size} values but time has {t.size}")
    u_diff = np.zeros(t.size)
    se = []
    for k, lev in enumerate(levels):
        s = g == lev
        _, u = _rmst_influence(t[s], e[s], w[s], tau)
        se.append(_cluster_sd(u, None if cl is None else cl[s]))
        u_diff[s] = u if k == 1 else -u
    return se, _cluster_sd(u_diff, cl), "robust" if cl is None else "robust_cluster"


def weighted_rmst(time: ArrayLike, event: ArrayLike, group: ArrayLike, weights: ArrayLike, *,
                  tau: float,
                  groups: Sequence | None = None, conf_level: float = 0.95,
                  variance: str = "greenwood", cluster: ArrayLike | None = None
                  ) -> WeightedRMST:
    """RMST to ``tau`` of the weighted Kaplan-Meier curve of each of two groups.

    ``groups`` gives the order (reference first; default sorted values); ``variance``:
    "greenwood" (R's ``se(rmean)``) or "robust" (infinitesimal jackknife; ``cluster``, e.g.
    matched-set ids, sums the influences within clusters). See the module docstring.
    """
    if variance not in ("greenwood", "robust"):
        raise ValueError(f"variance must be 'greenwood' or 'robust', got {variance!r}")
    if cluster is not None and variance != "robust":
        raise ValueError("cluster needs variance='robust'")
    t = check_time(time)
    e = check_event(event, t.size)
    w = check_weights(weights, t.size)
    if w is None:
        raise ValueError("weights are required (use rmst_compare for unweighted curves)")
    g = np.asarray(group, dtype=object)
    if g.shape != t.shape:
        raise ValueError(f"group has {g.size} values but time has {t.size}")
    levels = tuple(groups) if groups is not None else tuple(sorted(set(g.tolist()), key=str))
    if len(levels) != 2 or set(g.tolist()) != set(levels):
        found = sorted(set(g.tolist()), key=str)
        raise ValueError(f"weighted_rmst compares exactly two groups; got {found} "
                         f"(order {levels})")
    conf_level = check_conf_level(conf_level)
    est, se = [], []
    for lev in levels:
        s = g == lev
        if not 0 < tau <= t[s].max():
            raise ValueError(f"tau {tau} must be in (0, {t[s].max():g}], the last follow-up "
                             f"time of group {lev!r}")
        r = kaplan_meier(t[s], e[s], weights=w[s]).rmst(tau)
        est.append(r.estimate)
        se.append(r.std_err)
    diff = est[1] - est[0]
    dse = float(np.hypot(se[0], se[1]))
    kind = "greenwood"
    if variance == "robust":
        se, dse, kind = _robust_se(t, e, w, g, levels, float(tau), cluster)
    z = sps.norm.ppf(0.5 + conf_level / 2)
    p = float(2 * sps.norm.sf(abs(diff) / dse)) if dse > 0 else float("nan")
    return WeightedRMST(groups=levels, tau=float(tau), rmst=(est[0], est[1]),
                        std_err=(se[0], se[1]), difference=diff, difference_std_err=dse,
                        conf_low=diff - z * dse, conf_high=diff + z * dse, p_value=p,
                        conf_level=conf_level, variance=kind,
                        test="Wald z-test of the RMST difference, "
                        + {"greenwood": "Greenwood-type variance",
                           "robust": "robust (infinitesimal jackknife) variance",
                           "robust_cluster": "robust (infinitesimal jackknife) variance "
                           "clustered"}[kind] + " (weights treated as known)")


def weighted_cumulative_incidence(time: ArrayLike, status: ArrayLike,
                                  weights: ArrayLike | None, *, causes: Sequence[int] | None = None,
                                  conf_level: float = 0.95,
                                  timefix: bool = True) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence with case weights (one group; call per group).

    ``status``: 0 censored, a positive cause code otherwise. ``n_at_risk``, ``n_events`` and
    ``n_censored`` of the result are counts of patients (unweighted, as R's ``n.risk``);
    the estimates use the weighted sums. See the module docstring.
    """
    t = check_time(time)
    w = check_weights(weights, t.size)
    if w is None:
        raise ValueError("weights are required (use cumulative_incidence without weights)")
    conf_level = check_conf_level(conf_level)
    column, levels = _check_status(status, t.size, causes)
    k = levels.shape[0]
    table = count_table(t, (column > 0).astype(np.int8), w=w, cell=column, k=k + 1,
                        squares=True, timefix=timefix)
    y = table.at_risk().sum(axis=1)
    d_c = table.events[:, 1:]
    c = table.censored[:, 0]
    assert table.censored_w2 is not None and table.events_w2 is not None  # squares=True
    c2, d2 = table.censored_w2[:, 0], table.events_w2[:, 1:]
    total2 = c2 + d2.sum(axis=1)
    later2 = (np.cumsum(total2[::-1])[::-1] - total2)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d_c.sum(axis=1) / y)
        surv_prev = np.concatenate(([1.0], surv[:-1]))
        cif = np.cumsum(surv_prev[:, None] * d_c / y[:, None], axis=0)
    se = _ij_std_err(y, d_c, c, surv_prev, cif, squares=(c2, d2, later2))
    low, high = _log_band(cif, se, conf_level)
    counts = count_table(t, (column > 0).astype(np.int8), cell=column, k=k + 1,
                         timefix=timefix)
    return CumulativeIncidence(
        time=table.time, causes=levels, n_at_risk=counts.at_risk().sum(axis=1),
        n_events=counts.events[:, 1:], n_censored=counts.censored[:, 0], incidence=cif,
        std_err=se, conf_low=low, conf_high=high, event_free=surv, conf_type="log",
        conf_level=conf_level, variance="infinitesimal jackknife", timefix=timefix)
