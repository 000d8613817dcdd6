r"""Covariate balance before and after weighting or matching (cobalt's ``bal.tab``).

R equivalent (cobalt): ``bal.tab(X, treat, weights = w, s.d.denom = "pooled" (ATE) or
"treated" (ATT), binary = "std", continuous = "std")``. cobalt's default ``s.d.denom``
follows the estimand: "treated" for a matchit object (ATT, what 1:1 matching of the treated
estimates), "pooled" for ATE weights; ``sd_denom`` chooses it here. For the ATC the
default is the control SD, for overlap weights (ATO) the pooled one (cobalt's defaults).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrostudy.stats._types import ArrayLike

from . import _checks, _logistic

ESTIMANDS = ("ATE", "ATT", "ATC", "ATO")
SD_DENOMS = ("pooled", "treated", "control")


@dataclass(frozen=True)
class Balance:
    r"""Standardised mean differences (treated minus control) per covariate.

    Conventions (cobalt's defaults with ``binary="std"``): means after adjustment are
    weighted means; the denominator always comes from the UNWEIGHTED sample, so before and
    after are on the same scale: ATE the pooled :math:`\sqrt{(s_1^2 + s_0^2)/2}`, ATT the
    treated :math:`s_1` (ATC the control :math:`s_0`, ATO pooled), with :math:`s^2`
    the sample variance (n - 1) for continuous and
    :math:`p(1-p)` for binary (0/1) covariates. ``sd_denom`` names the one used
    (``"pooled"``, ``"treated"`` or ``"control"``; by default the estimand's, or as chosen in
    :func:`balance_table`). A zero denominator gives SMD 0 when the means
    are equal and +-inf otherwise. ``variance_ratio_*`` is treated over control variance
    (weighted: cobalt's unbiased reliability-weight variance
    :math:`\sum w (x - \bar x_w)^2 / (\sum w - \sum w^2 / \sum w)`), NaN for binary
    covariates, where it carries no information beyond the means. ``*_after`` are None
    without weights. A covariate is balanced when ``|smd| < threshold`` (after adjustment
    if weights were given).
    """

    names: tuple[str, ...]
    binary: np.ndarray
    smd_before: np.ndarray
    smd_after: np.ndarray | None
    mean_treated_before: np.ndarray
    mean_control_before: np.ndarray
    mean_treated_after: np.ndarray | None
    mean_control_after: np.ndarray | None
    variance_ratio_before: np.ndarray
    variance_ratio_after: np.ndarray | None
    sd_denominator: np.ndarray
    threshold: float
    estimand: str
    sd_denom: str = "pooled"

    @property
    def variance_ratio(self) -> np.ndarray:
        """Variance ratio after adjustment when weights were given, else before."""
        return (self.variance_ratio_before if self.variance_ratio_after is None
                else self.variance_ratio_after)

    @property
    def balanced(self) -> np.ndarray:
        smd = self.smd_before if self.smd_after is None else self.smd_after
        return np.abs(smd) < self.threshold

    def rows(self) -> list[dict]:
        """One plain dict per covariate (floats, None for undefined), for tables and JSON."""
        def num(a, i):
            if a is None or not np.isfinite(a[i]):
                return None
            return float(a[i])

        out = []
        for i, name in enumerate(self.names):
            out.append({
                "name": name, "binary": bool(self.binary[i]),
                "mean_treated_before": num(self.mean_treated_before, i),
                "mean_control_before": num(self.mean_control_before, i),
                "smd_before": num(self.smd_before, i),
                "variance_ratio_before": num(self.variance_ratio_before, i),
                "mean_treated_after": num(self.mean_treated_after, i),
                "mean_control_after": num(self.mean_control_after, i),
                "smd_after": num(self.smd_after, i),
                "variance_ratio_after": num(self.variance_ratio_after, i),
                "balanced": bool(self.balanced[i]),
            })
        return out


def _check_balance_weights(weights, t: np.ndarray) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.shape != t.shape:
        raise ValueError(f"weights must have {t.size} values, got shape {w.shape}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"weights must be finite and >= 0; position {i} is {w[i]}")
    for arm, mask in (("treated", t == 1), ("control", t == 0)):
        if not (w[mask] > 0).any():
            raise ValueError(f"weights are 0 for every {arm} unit; nothing to compare")
    return w


def _wmean(x, w):
    return (w[:, None] * x).sum(axis=0) / w.sum()


def _wvar(x, w):
    m = _wmean(x, w)
    sw, sw2 = w.sum(), np.sum(w**2)
    denom = sw - sw2 / sw
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w[:, None] * (x - m) ** 2).sum(axis=0) / denom


def _ratio(a, b, binary):
    with np.errstate(invalid="ignore", divide="ignore"):
        r = a / b
    return np.where(binary, np.nan, r)


def _smd(diff, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, diff / np.where(den > 0, den, 1.0),
                        np.where(diff == 0, 0.0, np.sign(diff) * np.inf))


def balance_table(X: ArrayLike, treated: ArrayLike, *, names: Sequence[str],
                  weights: ArrayLike | None = None, binary: Sequence[bool] | None = None,
                  threshold: float = 0.1, estimand: str = "ATE",
                  sd_denom: str | None = None) -> Balance:
    r"""Standardised mean differences of covariates, unadjusted and weighted.

    .. math:: \mathrm{SMD} = \frac{\bar x_{1,w} - \bar x_{0,w}}{s},\qquad
              s = \sqrt{(s_1^2 + s_0^2)/2}\ \text{(pooled)},\ s_1\ \text{(treated)}

    with :math:`s` from the unweighted arms (see :class:`Balance`). ``sd_denom`` is
    ``"pooled"`` or ``"treated"`` (cobalt's ``s.d.denom``); by default (None) the
    estimand's: pooled for the ATE, treated for the ATT (cobalt's default, and MatchIt's
    ``summary`` for a matched ATT sample). Pass IPT weights
    (:attr:`PSWeights.weights`) or matching weights (:attr:`Matching.weights`; zero weights
    drop units). ``binary`` (one bool per column) overrides the automatic detection (a
    column taking only 0 and 1).

    References
    ----------
    Austin PC (2009), Stat Med 28:3083-107. Austin PC, Stuart EA (2015), Stat Med
    34:3661-79. Greifer N, cobalt: Covariate Balance Tables and Plots (R package).
    """
    t = _logistic.check_binary("treated", treated)
    x, names = _checks.check_covariates(X, t.size, names=names, rows_of="treated")
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {ESTIMANDS}, got {estimand!r}")
    if sd_denom is None:
        sd_denom = {"ATT": "treated", "ATC": "control"}.get(estimand, "pooled")
    if sd_denom not in SD_DENOMS:
        raise ValueError(f"sd_denom must be one of {SD_DENOMS} (or None: the estimand's), "
                         f"got {sd_denom!r}")
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be > 0, got {threshold}")
    w = _check_balance_weights(weights, t)
    is01 = np.all((x == 0) | (x == 1), axis=0)
    if binary is None:
        flags = is01
    else:
        flags = np.asarray(binary, dtype=bool)
        if flags.shape != (x.shape[1],):
            raise ValueError(f"binary needs one bool per column ({x.shape[1]}), got {flags.shape}")
        if (flags & ~is01).any():
            j = int(np.flatnonzero(flags & ~is01)[0])
            raise ValueError(f"covariate {names[j]!r} is marked binary but is not 0/1")
    x1, x0 = x[t == 1], x[t == 0]
    m1, m0 = x1.mean(axis=0), x0.mean(axis=0)
    v1 = np.where(flags, m1 * (1 - m1), x1.var(axis=0, ddof=1) if x1.shape[0] > 1 else 0.0)
    v0 = np.where(flags, m0 * (1 - m0), x0.var(axis=0, ddof=1) if x0.shape[0] > 1 else 0.0)
    den = {"treated": np.sqrt(v1), "control": np.sqrt(v0)}.get(sd_denom)
    if den is None:
        den = np.sqrt((v1 + v0) / 2)
    raw1 = x1.var(axis=0, ddof=1) if x1.shape[0] > 1 else np.full(x.shape[1], np.nan)
    raw0 = x0.var(axis=0, ddof=1) if x0.shape[0] > 1 else np.full(x.shape[1], np.nan)
    after = {}
    if w is not None:
        w1, w0 = w[t == 1], w[t == 0]
        a1, a0 = _wmean(x1, w1), _wmean(x0, w0)
        after = dict(smd_after=_smd(a1 - a0, den), mean_treated_after=a1,
                     mean_control_after=a0,
                     variance_ratio_after=_ratio(_wvar(x1, w1), _wvar(x0, w0), flags))
    return Balance(names=names, binary=flags, smd_before=_smd(m1 - m0, den),
                   smd_after=after.get("smd_after"), mean_treated_before=m1,
                   mean_control_before=m0, mean_treated_after=after.get("mean_treated_after"),
                   mean_control_after=after.get("mean_control_after"),
                   variance_ratio_before=_ratio(raw1, raw0, flags),
                   variance_ratio_after=after.get("variance_ratio_after"),
                   sd_denominator=den, threshold=float(threshold), estimand=estimand,
                   sd_denom=sd_denom)
