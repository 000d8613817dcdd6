r"""Restricted mean survival time (RMST) compared between two groups: survRM2's ``rmst2``.

R equivalent: ``survRM2::rmst2(time, status, arm, tau=)`` (unadjusted), whose per-arm numbers
are R survival's ``print(survfit(...), rmean=tau)``. The per-arm restricted means come from
:meth:`retrostudy.stats.KaplanMeier.rmst`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from retrostudy.stats._checks import check_conf_level, check_event, check_time
from retrostudy.stats._km_core import factorize
from retrostudy.stats._types import ArrayLike
from retrostudy.stats.km import kaplan_meier

__all__ = ["RMSTComparison", "RMSTContrast", "rmst_compare"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RMSTContrast:
    """A between-group contrast of restricted means with its normal-theory CI and p-value.

    ``scale`` is ``"difference"`` (``std_err`` on the difference) or ``"ratio"``
    (``std_err`` of the log ratio; the CI is exp(log ratio -/+ z se)). ``p_value`` is
    two-sided, for no difference (0) or a ratio of 1.
    """

    estimate: float
    std_err: float
    conf_low: float
    conf_high: float
    p_value: float
    scale: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RMSTComparison:
    """Result of :func:`rmst_compare`; per-group arrays follow ``groups``.

    ``groups[0]`` is the reference: ``difference`` is RMST(groups[1]) - RMST(groups[0])
    and ``ratio`` RMST(groups[1]) / RMST(groups[0]), as survRM2's "(arm=1)-(arm=0)".
    ``tau_rule`` is ``"user"`` or ``"survRM2 default"``; ``tau_max`` is the largest tau
    survRM2 accepts for these data (the default). ``variance`` names the per-arm variance
    estimator (``"greenwood"``: R's ``survmean`` and survRM2's plug-in formula).
    """

    groups: np.ndarray
    n: np.ndarray
    n_events: np.ndarray
    estimate: np.ndarray
    std_err: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    difference: RMSTContrast
    ratio: RMSTContrast
    tau: float
    tau_rule: str
    tau_max: float
    conf_level: float
    variance: str


def max_tau(time: np.ndarray, event: np.ndarray, codes: np.ndarray) -> float:
    """The largest truncation time survRM2 (1.0-4, ``rmst2``) allows: its default tau.

    An arm whose last observation is an event (every record at its largest time is an
    event) has S = 0 from there on, so its curve is defined at any tau; an arm whose last
    observation is censored is defined only up to that time. survRM2's six cases reduce to:
    the smallest largest time among the arms that end censored, or, when both arms end on
    an event, the larger of the two largest times.
    """
    last, ends_censored = [], []
    for g in range(2):  # two arms, not rows
        t_g, e_g = time[codes == g], event[codes == g]
        t_max = t_g.max()
        last.append(float(t_max))
        ends_censored.append(bool((e_g[t_g == t_max] == 0).any()))
    censored = [t for t, c in zip(last, ends_censored, strict=True) if c]
    return min(censored) if censored else max(last)


def _contrast(estimate: float, std_err: float, z: float, scale: str) -> RMSTContrast:
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.float64(estimate) / std_err  # se = 0 (no event before tau): NaN, not a crash
        low, high = estimate - z * std_err, estimate + z * std_err
    p = float(2.0 * ndtr(-abs(stat)))
    if scale == "ratio":
        estimate, low, high = np.exp(estimate), np.exp(low), np.exp(high)
    return RMSTContrast(estimate=float(estimate), std_err=float(std_err), conf_low=float(low),
                        conf_high=float(high), p_value=p, scale=scale)


def _check_tau(tau, limit: float) -> tuple[float, str]:
    if tau is None:
        return limit, "survRM2 default"
    tau = float(tau)
    if not (np.isfinite(tau) and tau > 0):
        raise ValueError(f"tau must be finite and > 0, got {tau}")
    if tau > limit:
        raise ValueError(
            f"tau = {tau:g} is beyond the follow-up of these data: survRM2 allows at most "
            f"{limit:g} (the largest time of an arm whose last observation is censored)"
        )
    return tau, "user"


def rmst_compare(time: ArrayLike, event: ArrayLike, group: ArrayLike, *, tau: float | None = None,
                 conf_level: float = 0.95) -> RMSTComparison:
    r"""Restricted mean survival time per group, their difference and their ratio.

    Parameters
    ----------
    time : array_like
        Follow-up times, finite and >= 0.
    event : array_like
        1 (or True) for an event, 0 for a censored time.
    group : array_like
        Exactly two distinct labels. Levels are sorted as R sorts a factor (numbers
        numerically); the first is the reference.
    tau : float, optional
        Truncation time. Default: survRM2's rule (see Notes). A tau beyond that raises
        ``ValueError``, as survRM2 stops.
    conf_level : float
        Level of the confidence intervals.

    Returns
    -------
    RMSTComparison

    Notes
    -----
    Per group, :math:`\hat\mu(\tau) = \int_0^\tau \hat S(t)\,dt` (area under the
    Kaplan–Meier step curve) with the Greenwood-type variance of R's ``survmean`` and
    survRM2's ``rmst1``,

    .. math:: \widehat{\mathrm{Var}}\,\hat\mu = \sum_{t_j \le \tau}
              \Big(\int_{t_j}^{\tau} \hat S(u)\,du\Big)^2 \frac{d_j}{Y_j (Y_j - d_j)},

    and the normal CI :math:`\hat\mu \pm z\,\mathrm{se}`. With :math:`\hat\mu_0` the reference
    group, the difference :math:`\hat\mu_1 - \hat\mu_0` has
    :math:`\mathrm{se} = \sqrt{\mathrm{se}_0^2 + \mathrm{se}_1^2}`; the ratio is done on the
    log scale (delta method), :math:`\mathrm{se}\{\log(\hat\mu_1/\hat\mu_0)\} =
    \sqrt{\mathrm{se}_0^2/\hat\mu_0^2 + \mathrm{se}_1^2/\hat\mu_1^2}`, CI
    :math:`\exp(\log \hat r \pm z\,\mathrm{se})`. p-values are two-sided normal,
    :math:`2\Phi(-|\hat\theta / \mathrm{se}|)`.

    **Default tau** (survRM2 1.0-4): an arm whose last observation is an event has
    :math:`\hat S = 0` beyond it, so it constrains nothing; tau is the smallest last
    observed time among the arms whose last observation is censored, or the larger last
    time when both arms end on an event. When both arms end censored (the usual case) this
    is the minimum over groups of the largest observed time.

    R equivalent: ``survRM2::rmst2(time, status, arm, tau=, alpha=1-conf_level)``'s
    ``RMST.arm0/arm1`` and the first two rows of ``unadjusted.result`` (RMST difference and
    ratio; survRM2's RMTL ratio is not computed). Per arm:
    ``summary(survfit(Surv(time, status) ~ 1), rmean=tau)$table[c("rmean", "se(rmean)")]``.

    References
    ----------
    Uno H, Claggett B, Tian L, et al. Moving beyond the hazard ratio in quantifying the
    between-group difference in survival analysis. J Clin Oncol 2014;32:2380-2385.
    Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
    for the design and analysis of randomized trials with a time-to-event outcome. BMC Med
    Res Methodol 2013;13:152. Miller RG. Survival Analysis. Wiley 1981.

    Examples
    --------
    survRM2's vignette: the 312 randomised patients of the Mayo pbc trial (``pbc[1:312, ]``
    in R survival; time in years, arm 1 = D-penicillamine, 0 = placebo) at tau = 10 give
    RMST 7.146 (arm 1) vs 7.283 (arm 0), difference -0.137 (95% CI -0.939 to 0.665,
    p = 0.738), ratio 0.981 (0.878 to 1.096). A small example:

    >>> res = rmst_compare([2, 4, 4, 7, 9, 3, 5, 6, 8, 10], [1, 1, 0, 1, 0, 1, 0, 1, 1, 0],
    ...                    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> res.tau, res.tau_rule, res.estimate.round(3).tolist()
    (9.0, 'survRM2 default', [6.0, 6.733])
    """
    t = check_time(time)
    e = check_event(event, t.shape[0])
    conf_level = check_conf_level(conf_level)
    levels, codes = factorize("group", group, t.shape[0])
    if levels.shape[0] != 2:
        raise ValueError(
            f"group must have exactly two levels for an RMST comparison, got "
            f"{levels.shape[0]} ({levels.tolist()})"
        )
    limit = max_tau(t, e, codes)
    tau, rule = _check_tau(tau, limit)
    fits = [kaplan_meier(t[codes == g], e[codes == g]).rmst(tau) for g in range(2)]
    est = np.array([f.estimate for f in fits])
    se = np.array([f.std_err for f in fits])
    z = float(ndtri(1.0 - (1.0 - conf_level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_se = float(np.sqrt(np.sum((se / est) ** 2)))
        log_ratio = float(np.log(est[1]) - np.log(est[0]))
    return RMSTComparison(
        groups=levels,
        n=np.bincount(codes, minlength=2),
        n_events=np.bincount(codes[e == 1], minlength=2),
        estimate=est,
        std_err=se,
        conf_low=est - z * se,
        conf_high=est + z * se,
        difference=_contrast(float(est[1] - est[0]), float(np.sqrt(np.sum(se**2))), z,
                             "difference"),
        ratio=_contrast(log_ratio, log_se, z, "ratio"),
        tau=tau,
        tau_rule=rule,
        tau_max=limit,
        conf_level=conf_level,
        variance="greenwood",
    )
