r"""Cumulative incidence under competing risks (Aalen–Johansen), as R survival's multi-state fit.

R equivalent: ``survfit(Surv(time, factor(status, 0:k)) ~ 1)`` (survival 3.5): its
``pstate`` and ``std.err`` columns for the states 1..k, its default ``conf.type = "log"``
limits and ``n.risk[, 1]``. cmprsk's ``cuminc`` gives the same estimate with a different
(delta-method) variance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from retrostudy.stats._checks import as_1d_float, check_conf_level, check_time
from retrostudy.stats._km_core import count_table
from retrostudy.stats._types import ArrayLike

__all__ = ["CumulativeIncidence", "cumulative_incidence"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CumulativeIncidence:
    """Cumulative incidence of each cause, one row per distinct time (events and censorings).

    Columns of ``incidence``, ``std_err``, ``conf_low``, ``conf_high`` and ``n_events``
    follow ``causes``. ``event_free`` is the probability of no event of any cause yet (the
    all-cause Kaplan–Meier, R's state ``"(s0)"``); ``event_free + incidence.sum(1) == 1``.
    ``variance`` is ``"infinitesimal jackknife"`` (R's multi-state default) or
    ``"cmprsk (Gray delta method)"`` (``cmprsk::cuminc``'s ``var``), and
    ``conf_type`` ``"log"`` (R's default for multi-state curves).
    """

    time: np.ndarray
    causes: np.ndarray
    n_at_risk: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    incidence: np.ndarray
    std_err: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    event_free: np.ndarray
    conf_type: str
    conf_level: float
    variance: str
    timefix: bool


def _check_status(status, n: int, causes) -> tuple[np.ndarray, np.ndarray]:
    """Status codes and the cause levels; returns the column (0 = censored, j = causes[j-1])."""
    s = as_1d_float("status", status, n=n)
    bad = ~np.isfinite(s) | (s < 0) | (s != np.floor(s))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"status must be 0 (censored) or a positive integer cause code; position {i} is {s[i]}"
        )
    present = np.unique(s[s > 0]).astype(np.int64)
    if causes is None:
        if present.size == 0:
            raise ValueError("status has no events (all 0); there is no incidence to estimate")
        levels = present
    else:
        levels = np.asarray(causes)
        if levels.ndim != 1 or levels.size == 0 or levels.dtype.kind not in "iu":
            raise ValueError(
                f"causes must be a non-empty list of positive integers, got {causes!r}"
            )
        if (levels <= 0).any() or np.unique(levels).size != levels.size:
            raise ValueError(f"causes must be distinct positive integers, got {levels.tolist()}")
        missing = np.setdiff1d(present, levels)
        if missing.size:
            raise ValueError(
                f"status has cause code(s) {missing.tolist()} not listed in causes "
                f"{levels.tolist()}"
            )
        levels = levels.astype(np.int64)
    order = np.argsort(levels)
    column = np.zeros(n, dtype=np.intp)
    hit = s > 0
    column[hit] = order[np.searchsorted(levels[order], s[hit].astype(np.int64))] + 1
    return column, levels


def _ij_std_err(y, d_c, c, surv_prev, cif, squares=None):
    r"""Infinitesimal-jackknife standard error of each cumulative incidence (see Notes there).

    With case weights the counts are weighted and the variance is :math:`\sum_i (w_i U_i)^2`
    (R's ``survfit(weights=)``): ``squares`` = (censored, events by cause, still at risk
    after each time) as sums of squared weights multiply the squared influences instead of
    the counts.
    A record leaving at :math:`t_e` with influence :math:`B` at :math:`t_e` carries it forward as
    :math:`B - Q\{F(t_j) - F(t_e)\}`; records still at risk after :math:`t_j` share
    :math:`A(t_j)`. Squares are summed by (exit time, status) with cumulative sums.
    """
    d = d_c.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(d > 0, d / (y * (y - d)), 0.0)  # inf where everyone at risk fails
        lam = d_c / y[:, None]
    big_g = np.cumsum(g)
    g_prev = np.concatenate(([0.0], big_g[:-1]))
    a = np.cumsum(surv_prev[:, None] * lam * (g_prev - 1.0 / y)[:, None], axis=0)
    q_event = (1.0 / y - g_prev)[:, None]
    q_cens = np.where(c > 0, -big_g, 0.0)[:, None]  # no censoring where everyone fails
    jump = (surv_prev / y)[:, None]
    # (weight, C = B + Q F(t_e), Q) for censorings, events of this cause, of other causes
    later = (y - d - c)[:, None]  # records with time > t_j
    m_c, m_dc, m_later = (c, d_c, later) if squares is None else squares
    groups = [
        (m_c[:, None], a + q_cens * cif, q_cens),
        (m_dc, a + jump + q_event * cif, q_event),
        (m_dc.sum(axis=1)[:, None] - m_dc, a + q_event * cif, q_event),
    ]
    s_cc = s_cq = s_qq = np.zeros(())
    for w, cc, qq in groups:  # three status groups, each a whole array
        with np.errstate(invalid="ignore"):
            keep = w > 0
            s_cc = s_cc + np.cumsum(np.where(keep, w * cc * cc, 0.0), axis=0)
            s_cq = s_cq + np.cumsum(np.where(keep, w * cc * qq, 0.0), axis=0)
            s_qq = s_qq + np.cumsum(np.where(keep, w * qq * qq, 0.0), axis=0)
    var = np.where(later > 0, m_later * a * a, 0.0) + s_cc - 2.0 * cif * s_cq + cif * cif * s_qq
    return np.sqrt(np.maximum(var, 0.0))


def _cmprsk_std_err(y, d_c, surv_prev, surv, cif):
    r"""cmprsk's ``cuminc`` (Gray's delta-method) standard error; formula in the Notes there.

    :math:`\mathrm{Var} = \sum_j w_j (\alpha_j - F(t)\beta_j)^2` expanded into three
    cumulative sums, so every time is one pass.
    """
    yy = y[:, None]
    d_other = d_c.sum(axis=1)[:, None] - d_c
    with np.errstate(divide="ignore", invalid="ignore"):
        base = (surv_prev * surv_prev / (y * y))[:, None]
        inv = np.where(surv > 0, 1.0 / surv, 0.0)[:, None]

        def weight(k, keep):
            tie = np.where(k > 1, 1.0 - (k - 1.0) / (yy - 1.0), 1.0)
            return np.where(keep, base * tie * k, 0.0)

        w1 = weight(d_c, d_c > 0)
        w2 = weight(d_other, (d_other > 0) & (inv > 0))
    a1, a2 = 1.0 + inv * cif, inv * cif
    s_aa = np.cumsum(w1 * a1 * a1 + w2 * a2 * a2, axis=0)
    s_ab = np.cumsum((w1 * a1 + w2 * a2) * inv, axis=0)
    s_bb = np.cumsum((w1 + w2) * inv * inv, axis=0)
    var = s_aa - 2.0 * cif * s_ab + cif * cif * s_bb
    return np.sqrt(np.maximum(var, 0.0))


def _log_band(p, se, conf_level):
    """R's ``survfit_confint(p, se, logse=FALSE, "log")``: exp(log p -/+ z se / p), upper <= 1."""
    z = float(ndtri(1.0 - (1.0 - conf_level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = np.where(se == 0, 0.0, se / p)
        log_p = np.log(np.where(p == 0, np.nan, p))
        return np.exp(log_p - z * se_log), np.minimum(np.exp(log_p + z * se_log), 1.0)


VARIANCES = {"ij": "infinitesimal jackknife", "cmprsk": "cmprsk (Gray delta method)"}


def cumulative_incidence(
    time: ArrayLike, status: ArrayLike, *, causes: Sequence[int] | None = None,
    conf_level: float = 0.95, timefix: bool = True,
    variance: str = "ij",
) -> CumulativeIncidence:
    r"""Aalen–Johansen cumulative incidence functions for competing risks.

    Parameters
    ----------
    time : array_like
        Follow-up times, finite and >= 0.
    status : array_like
        0 for a censored time, a positive integer code for the cause of the event.
    causes : sequence of int, optional
        The cause codes, as the levels of R's ``factor(status, 0:k)``; a cause without
        events gets a zero column. Default: the codes present in ``status``, sorted.
    conf_level : float
        Level of the pointwise limits.
    timefix : bool
        Merge near-equal times as R's ``aeqSurv`` (see :func:`retrostudy.stats.kaplan_meier`).
        cmprsk merges only exactly equal times: use ``timefix=False`` to reproduce it when
        times differ by rounding noise.
    variance : {"ij", "cmprsk"}
        ``"ij"`` (default): R survival's infinitesimal jackknife. ``"cmprsk"``:
        ``cmprsk::cuminc``'s ``var`` (Gray's delta-method estimator with its tie correction).

    Returns
    -------
    CumulativeIncidence

    Notes
    -----
    With :math:`Y_j` at risk, :math:`d_{cj}` events of cause c and
    :math:`d_j = \sum_c d_{cj}` at the distinct time :math:`t_j`, and
    :math:`\hat S(t) = \prod_{t_j \le t}(1 - d_j / Y_j)` the all-cause Kaplan–Meier,

    .. math:: \hat F_c(t) = \sum_{t_j \le t} \hat S(t_{j-1}) \frac{d_{cj}}{Y_j}.

    The variance is R's infinitesimal jackknife, :math:`\sum_i U_{ic}(t)^2` with
    :math:`U_{ic}(t) = \partial \hat F_c(t) / \partial w_i` at unit weights. With
    :math:`G_j = \sum_{l \le j} d_l / \{Y_l (Y_l - d_l)\}`,
    :math:`A_c(t_j) = \sum_{l \le j} \hat S(t_{l-1}) (d_{cl}/Y_l)(G_{l-1} - 1/Y_l)` is the
    influence of a record still at risk after :math:`t_j`; a record leaving at :math:`t_e`
    has :math:`U = A_c(t_e) + [\text{cause } c]\,\hat S(t_{e-1})/Y_e - Q\{\hat F_c(t) -
    \hat F_c(t_e)\}` for :math:`t \ge t_e`, with :math:`Q = -G_e` if censored and
    :math:`Q = 1/Y_e - G_{e-1}` after an event of any cause. Records sharing an exit time
    and status have the same influence, so the sum of squares is three cumulative sums.

    ``variance="cmprsk"`` is cmprsk's (``cinc``): with :math:`\hat S_j = \hat S(t_j)`,
    :math:`c(k) = 1 - (k - 1)/(Y_j - 1)` for :math:`k > 1` tied events (else 1),
    :math:`d'_{j} = d_j - d_{cj}` the events of other causes,

    .. math:: \mathrm{Var}\,\hat F_c(t) = \sum_{t_j \le t} \frac{\hat S_{j-1}^2}{Y_j^2}
              \Big[ c(d_{cj}) d_{cj} \Big(1 + \frac{\hat F_c(t_j) - \hat F_c(t)}{\hat S_j}
              \Big)^2 + c(d'_j) d'_j \Big(\frac{\hat F_c(t_j) - \hat F_c(t)}{\hat S_j}
              \Big)^2 \Big],

    the fraction taken as 0 where :math:`\hat S_j = 0`. The two variances are both
    consistent and differ in finite samples, most in the tail where few remain at risk.
    Limits (R's default ``conf.type = "log"`` for multi-state curves):
    :math:`\hat F \exp(\pm z\,\mathrm{se}/\hat F)`, upper capped at 1, NaN where
    :math:`\hat F = 0`.

    R equivalent: ``fit <- survfit(Surv(time, factor(status, 0:k)) ~ 1)``; ``incidence`` is
    ``fit$pstate[, -1]``, ``std_err`` ``fit$std.err[, -1]``, limits ``fit$lower[, -1]``,
    ``fit$upper[, -1]``, ``n_at_risk`` ``fit$n.risk[, 1]``. ``cmprsk::cuminc`` has the same
    estimate and a different variance. ``1 - KM`` of one cause, censoring the others,
    overestimates the incidence; it is not what this computes.

    References
    ----------
    Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains
    based on censored observations. Scand J Stat 1978;5:141-150. Therneau TM, Crowson C,
    Atkinson E. Multi-state models and competing risks (survival package vignette, 2023).
    Putter H, Fiocco M, Geskus RB. Tutorial in biostatistics: competing risks and
    multi-state models. Stat Med 2007;26:2389-2430.

    Examples
    --------
    Time to plasma-cell malignancy (1) or death without it (2) in R survival's ``mgus2``
    (``tests/reference/rmst_cif.json``): at 10 years (120 months) the incidence of PCM is
    0.064 and of death without PCM 0.532. A small example:

    >>> ci = cumulative_incidence([1, 2, 2, 3, 4, 5], [1, 2, 0, 1, 0, 2])
    >>> ci.time.tolist(), ci.incidence[-1].round(4).tolist()
    ([1.0, 2.0, 3.0, 4.0, 5.0], [0.3889, 0.6111])
    """
    t = check_time(time)
    conf_level = check_conf_level(conf_level)
    column, levels = _check_status(status, t.shape[0], causes)
    k = levels.shape[0]
    table = count_table(t, (column > 0).astype(np.int8), cell=column, k=k + 1, timefix=timefix)
    y = table.at_risk().sum(axis=1)
    d_c = table.events[:, 1:]
    c = table.censored[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d_c.sum(axis=1) / y)
    surv_prev = np.concatenate(([1.0], surv[:-1]))
    with np.errstate(invalid="ignore"):
        cif = np.cumsum(surv_prev[:, None] * d_c / y[:, None], axis=0)
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {sorted(VARIANCES)}, got {variance!r}")
    if variance == "ij":
        se = _ij_std_err(y, d_c, c, surv_prev, cif)
    else:
        se = _cmprsk_std_err(y, d_c, surv_prev, surv, cif)
    low, high = _log_band(cif, se, conf_level)
    return CumulativeIncidence(
        time=table.time,
        causes=levels,
        n_at_risk=y,
        n_events=d_c,
        n_censored=c,
        incidence=cif,
        std_err=se,
        conf_low=low,
        conf_high=high,
        event_free=surv,
        conf_type="log",
        conf_level=conf_level,
        variance=VARIANCES[variance],
        timefix=timefix,
    )
