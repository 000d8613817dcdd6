"""Kaplan–Meier estimator, numerically identical to R's ``survfit(Surv(time, event) ~ 1)``.

R equivalent: ``survival::survfit`` (survival 3.5), its ``summary(fit, times=)``,
``quantile(fit)`` and ``print(fit, rmean=tau)``. Default CI transform ``"log"`` as in R;
SAS and EZR use ``"log-log"`` (see :mod:`retrostudy.stats.profiles`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from retrostudy.stats import _display
from retrostudy.stats._checks import check_conf_level, check_time
from retrostudy.stats._km_ci import check_conf_type, conf_band
from retrostudy.stats._km_core import count_table, validate_time_event, validate_weights
from retrostudy.stats._km_entry import check_entry, entry_counts, entry_jackknife, timefix_pairs
from retrostudy.stats._km_quantile import check_p, find_quantile
from retrostudy.stats._km_variance import greenwood, infinitesimal_jackknife
from retrostudy.stats._types import ArrayLike

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KaplanMeier", "Quantile", "RestrictedMean", "SurvivalAt", "kaplan_meier"]
_COLUMNS = ("time", "n_at_risk", "n_events", "n_censored", "survival", "std_err", "conf_low",
            "conf_high")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quantile:
    """A quantile of the survival distribution: the time by which a fraction ``p`` had the event."""

    estimate: float
    conf_low: float
    conf_high: float
    p: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SurvivalAt:
    """The curve read at given times, as R's ``summary(fit, times=, extend=TRUE)``."""

    time: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    n_at_risk: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class RestrictedMean:
    """Restricted mean survival time up to ``tau`` (area under S on [0, tau])."""

    estimate: float
    std_err: float
    tau: float


@dataclass(frozen=True, slots=True, kw_only=True)
class KaplanMeier:
    """A Kaplan–Meier curve, one row per distinct time (events and censorings).

    ``std_err`` is the standard error of S(t) on the survival scale, with either variance:
    the column R's ``summary(fit)$std.err`` prints. :attr:`std_err_log` is the standard
    error of log S(t) (the cumulative-hazard scale) from which the bands are built. R's own
    ``fit$std.err`` changes scale with the variance: it is the log-scale SE for Greenwood
    curves (``fit$logse`` TRUE) and the survival-scale SE for robust ones (``fit$logse``
    FALSE). ``variance`` names the estimator: ``"greenwood"`` or ``"robust"``
    (infinitesimal jackknife); ``timefix`` whether near-equal times were merged as R's
    ``aeqSurv`` does.
    """

    time: np.ndarray
    n_at_risk: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    conf_type: str
    conf_level: float
    variance: str
    timefix: bool

    @property
    def std_err_log(self) -> np.ndarray:
        """Standard error of log S(t): the sigma of the pointwise bands (``conf_type``).

        Greenwood: ``sqrt(sum d / (Y (Y - d)))``, infinite once S reaches 0 (R's
        ``fit$std.err``). Robust: ``std_err / survival``, 0 where ``std_err`` is 0 (R's
        ``fit$std.err / fit$surv``). Elsewhere ``std_err == std_err_log * survival``.
        """
        if self.variance == "greenwood":
            return greenwood(self.n_at_risk, self.n_events)
        return _log_scale(self.std_err, self.survival)

    def quantile(self, p: float = 0.5) -> Quantile:
        """Time by which a fraction ``p`` had the event, with R's tolerance and midpoint rule.

        As R's ``quantile(fit, probs=p)``: the limits are where the pointwise bands cross
        ``1 - p``, NaN where a band never does (or when ``conf_type="none"``).
        """
        p = check_p(p)
        return Quantile(
            estimate=find_quantile(self.time, 1.0 - self.survival, p),
            conf_low=find_quantile(self.time, 1.0 - self.conf_low, p),
            conf_high=find_quantile(self.time, 1.0 - self.conf_high, p),
            p=p,
        )

    def median(self) -> Quantile:
        """Median survival time, ``quantile(0.5)``."""
        return self.quantile(0.5)

    def at(self, times) -> SurvivalAt:
        """Survival, its standard error, CI and number at risk at the given times.

        Before the first time: S = 1, SE = 0, CI (1, 1), everyone at risk. Between times the
        curve is read from the last time <= t, the number at risk is the number with time
        >= t. After the last time the last values are carried and nobody is at risk, as
        R's ``summary(fit, times=, extend=TRUE)``.
        """
        q = np.atleast_1d(np.asarray(times, dtype=float))
        if q.ndim != 1 or not np.all(np.isfinite(q)) or (q < 0).any():
            raise ValueError("times must be finite and >= 0")
        row = np.searchsorted(self.time, q, side="right") - 1  # last time <= t
        nxt = np.searchsorted(self.time, q, side="left")  # first time >= t
        before = row < 0
        r = np.maximum(row, 0)
        risk = np.append(self.n_at_risk, 0)[nxt]

        def pick(values, fill):
            return np.where(before, fill, values[r])

        return SurvivalAt(
            time=q,
            survival=pick(self.survival, 1.0),
            std_err=pick(self.std_err, 0.0),
            conf_low=pick(self.conf_low, 1.0 if self.conf_type != "none" else np.nan),
            conf_high=pick(self.conf_high, 1.0 if self.conf_type != "none" else np.nan),
            n_at_risk=risk,
        )

    def to_frame(self) -> pd.DataFrame:
        """The curve as a DataFrame, one row per time: ``time, n_at_risk, n_events,
        n_censored, survival, std_err, conf_low, conf_high`` (R's ``summary(fit)`` with
        censored times too). Needs pandas."""
        return _display.frame({c: getattr(self, c) for c in _COLUMNS})

    def _repr_html_(self) -> str:
        med = self.median()
        notes = [
            f"n = {int(self.n_at_risk[0]) if self.n_at_risk.size else 0}, events = "
            f"{_display.cell(float(self.n_events.sum()))}; median {_display.cell(med.estimate)} "
            f"({_display.cell(med.conf_low)}, {_display.cell(med.conf_high)})",
            f"{self.conf_level:.0%} CI: conf_type={self.conf_type!r}, "
            f"variance={self.variance!r}, timefix={self.timefix}",
        ]
        rows = [[getattr(self, c)[i] for c in _COLUMNS] for i in range(self.time.size)]
        return _display.html_table("Kaplan–Meier estimate", _COLUMNS, rows, notes)

    def plot(
        self,
        ax: Any = None,
        *,
        label: str | None = None,
        conf_int: bool = True,
        censor_marks: bool = True,
        at_risk: bool | Sequence[float] = True,
        color: Any = None,
    ) -> Any:
        """Draw the curve on ``ax`` (a matplotlib Axes; a new figure when None).

        A step function from S(0) = 1 with its pointwise band (``conf_int``), ``+`` at
        censoring times and, below the axes, the number at risk at the x ticks (or at the
        times ``at_risk`` lists; False for none), each number centred under its time. Each
        further curve drawn on the same ``ax`` adds its row of numbers under the previous
        one, labelled ``label``, and the rows at the ticks are redrawn at the ticks of the
        rescaled axis. matplotlib is imported here, not with ``retrostudy.stats``.
        Times are in the curve's units (days); leave room below the axes for the rows
        (``fig.subplots_adjust(bottom=...)``) when drawing several. Returns ``ax``.
        """
        return _display.plot_km(self, ax, label=label, conf_int=conf_int,
                                censor_marks=censor_marks, at_risk=at_risk, color=color)

    def rmst(self, tau: float) -> RestrictedMean:
        """Restricted mean survival time on [0, tau] and its standard error.

        As R's ``print(fit, rmean=tau)`` (``survmean``): the area under the step curve; the
        variance is ``sum_j A_j^2 d_j / (Y_j (Y_j - d_j))`` over times t_j <= tau, with
        ``A_j`` the area from t_j to tau (Greenwood type, also for robust curves, as R).
        """
        tau = float(tau)
        if not (np.isfinite(tau) and tau > 0):
            raise ValueError(f"tau must be finite and > 0, got {tau}")
        keep = self.time <= tau
        t = np.append(self.time[keep], tau)
        s = np.append(self.survival[keep], self.survival[keep][-1] if keep.any() else 1.0)
        y, d = self.n_at_risk[keep], self.n_events[keep]
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(y - d == 0, 0.0, d / (y * (y - d)))
        rect = np.diff(np.concatenate(([0.0], t))) * np.concatenate(([1.0], s[:-1]))
        after = np.cumsum(rect[1:][::-1])[::-1]  # area from t_j to tau
        return RestrictedMean(
            estimate=float(rect.sum()),
            std_err=float(np.sqrt(np.sum(after**2 * hh))),
            tau=tau,
        )


def _log_scale(std_err: np.ndarray, surv: np.ndarray) -> np.ndarray:
    """SE of log S from the SE of S (delta method), 0 where the SE of S is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std_err == 0, 0.0, std_err / surv)


def _use_robust(robust, w: np.ndarray | None) -> bool:
    if robust is not None:
        return bool(robust)
    # R (survfitKM): non-integer case weights switch to the robust variance by default.
    return w is not None and not np.array_equal(w, np.floor(w))


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
    robust: bool | None = None,
    timefix: bool = True,
    entry: ArrayLike | None = None,
) -> KaplanMeier:
    r"""Kaplan–Meier estimate of the survival function with pointwise confidence limits.

    Parameters
    ----------
    time : array_like
        Follow-up times, finite and >= 0 (integer days are counted without sorting).
    event : array_like
        1 (or True) for an event, 0 for a censored time.
    weights : array_like, optional
        Case weights > 0. Integer frequency weights reproduce the expanded data.
    conf_type : {"log", "log-log", "plain", "none"}
        Transform for the pointwise CI; ``"log"`` is R's default.
    conf_level : float
        Confidence level of the pointwise limits.
    robust : bool, optional
        Use the infinitesimal-jackknife variance. Default (None): as R, robust when any
        weight is not an integer, Greenwood otherwise.
    timefix : bool
        As R's ``timefix=TRUE``: distinct times closer than sqrt(machine epsilon) (absolute,
        or relative to the mean distinct time) are treated as tied (R's ``aeqSurv``).
    entry : array_like, optional
        Delayed entry (left truncation): record i is at risk on ``(entry[i], time[i]]``,
        so an entry on the day of an event is not at risk at that event. Each entry must be
        finite and < its time. Rows are at the distinct times (exits) only, as R. None
        (default): everyone at risk from time zero, the usual estimator.

    Returns
    -------
    KaplanMeier

    Notes
    -----
    With :math:`Y_j` at risk and :math:`d_j` events at the distinct time :math:`t_j`
    (weighted sums when weighted),

    .. math:: \hat S(t) = \prod_{t_j \le t} (1 - d_j / Y_j),\qquad
              \widehat{\mathrm{Var}}\{\log \hat S(t)\} = \sum_{t_j \le t}
              \frac{d_j}{Y_j (Y_j - d_j)} \quad\text{(Greenwood)}.

    The robust variance is :math:`\sum_i w_i^2 U_i(t)^2` where :math:`U_i(t)` is the
    derivative of :math:`\hat S(t)` with respect to the weight of record i (infinitesimal
    jackknife). Bands with :math:`z = \Phi^{-1}(1 - \alpha/2)` and
    :math:`\sigma = \mathrm{se}\{\log \hat S\}`: log
    :math:`\hat S e^{\pm z\sigma}`; log-log
    :math:`\hat S^{\exp(\pm z\sigma/\log \hat S)}`; plain :math:`\hat S (1 \pm z\sigma)`.
    Conventions at the boundaries follow R: log limits undefined at S = 0, log-log limits
    undefined at S = 0 and S = 1, plain limits clipped to [0, 1], upper log limit capped at 1.

    ``std_err`` is :math:`\hat S(t)\,\sigma` for Greenwood and the square root of the
    robust variance of :math:`\hat S(t)` itself: the survival scale on both paths;
    ``std_err_log`` is :math:`\sigma` on both.

    With ``entry`` the risk set is :math:`Y_j = \sum_i w_i 1\{a_i < t_j \le t_i\}` and
    the same formulas apply (see :mod:`._km_entry` for the jackknife); R:
    ``survfit(Surv(entry, time, event) ~ 1)``. :meth:`KaplanMeier.at` then reads the
    number at risk of the next row, as R's ``summary(fit, times=)`` does.

    R equivalent: ``survfit(Surv(time, event) ~ 1, weights=, conf.type=, conf.int=, robust=)``;
    ``std_err`` is ``summary(fit)$std.err``. R's ``fit$std.err`` is ``std_err_log`` for
    Greenwood curves but ``std_err`` for robust ones (R's ``fit$logse``).

    References
    ----------
    Kaplan EL, Meier P. JASA 1958;53:457-481. Greenwood M. Reports on Public Health and
    Medical Subjects 1926;33. Therneau TM, Grambsch PM. Modeling Survival Data, Springer 2000.

    Examples
    --------
    The 6-MP arm of Freireich et al. (Blood 1963), as in Gehan (Biometrika 1965):

    >>> time = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> km = kaplan_meier(time, event)
    >>> km.survival[:3].round(4).tolist()
    [0.8571, 0.8067, 0.8067]
    >>> m = km.median()
    >>> m.estimate, m.conf_low, m.conf_high
    (23.0, 16.0, nan)
    """
    t, e = validate_time_event(time, event, defer_sign=True)
    w = validate_weights(weights, t.shape[0])
    conf_type = check_conf_type(conf_type)
    conf_level = check_conf_level(conf_level)
    use_robust = _use_robust(robust, w)
    if entry is None:
        table = count_table(t, e, w=w, squares=use_robust, timefix=timefix)
        times, y = table.time, table.at_risk()[:, 0]
        d, c = table.events[:, 0], table.censored[:, 0]
    else:
        tf = check_time(t)  # the deferred sign check, on the float copy needed here
        a, tf = timefix_pairs(check_entry(entry, tf), tf, timefix)
        times, y, d, c, k, ent = entry_counts(a, tf, e, w)
    if not use_robust:
        return from_counts(times, y, d, c, conf_type, conf_level, timefix)
    surv = _survival(d, y)
    if entry is None:
        std_err = infinitesimal_jackknife(table, y, surv)
    else:
        std_err = entry_jackknife(a, tf, e, w, times, y, d, surv, k, ent)
    se_log = _log_scale(std_err, surv)
    low, high = conf_band(surv, se_log, conf_type, conf_level)
    return KaplanMeier(
        time=times,
        n_at_risk=y,
        n_events=d,
        n_censored=c,
        survival=surv,
        std_err=std_err,
        conf_low=low,
        conf_high=high,
        conf_type=conf_type,
        conf_level=conf_level,
        variance="robust",
        timefix=timefix,
    )


def _survival(d: np.ndarray, y: np.ndarray) -> np.ndarray:
    surv = np.divide(d, y, dtype=float)  # one buffer, updated in place
    np.subtract(1.0, surv, out=surv)
    np.cumprod(surv, out=surv)
    return surv


def from_counts(times, y, d, c, conf_type: str, conf_level: float, timefix: bool) -> KaplanMeier:
    """The Greenwood curve from the counts at the distinct times (at risk ``y``, events
    ``d``, censored ``c``); shared with :class:`retrostudy.stats.km_table.SurvivalTable`."""
    surv = _survival(d, y)
    se_log = greenwood(y, d)
    low, high = conf_band(surv, se_log, conf_type, conf_level)
    with np.errstate(invalid="ignore"):
        std_err = np.multiply(se_log, surv, out=se_log)  # se_log is not needed after
    return KaplanMeier(
        time=times,
        n_at_risk=y,
        n_events=d,
        n_censored=c,
        survival=surv,
        std_err=std_err,
        conf_low=low,
        conf_high=high,
        conf_type=conf_type,
        conf_level=conf_level,
        variance="greenwood",
        timefix=timefix,
    )
