"""Pointwise confidence bands for a survival curve, with R survival's boundary conventions.

R's ``survfit`` computes the bands in ``survfit_confint`` from the standard error of
``log S`` (the cumulative-hazard scale, ``logse = TRUE``):

* ``"log"``: ``exp(log S -/+ z se)``, upper limit capped at 1; undefined (NaN) where S = 0;
* ``"log-log"``: ``exp(-exp(log(-log S) -/+ z se / log S))``; undefined where S = 0 or 1;
* ``"plain"``: ``S -/+ z se S`` clipped to [0, 1];
* ``"none"``: no band (NaN).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

CONF_TYPES = ("log", "log-log", "plain", "none")


def check_conf_type(conf_type: str) -> str:
    if conf_type not in CONF_TYPES:
        known = ", ".join(repr(c) for c in CONF_TYPES)
        raise ValueError(f"conf_type must be one of {known}; got {conf_type!r}")
    return conf_type


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile, ``qnorm(1 - (1 - conf_level) / 2)``."""
    return float(ndtri(1.0 - (1.0 - conf_level) / 2.0))


def conf_band(
    surv: np.ndarray, se_log: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper pointwise limits of S(t) from the standard error of log S(t)."""
    surv = np.asarray(surv, dtype=float)
    se_log = np.asarray(se_log, dtype=float)
    if conf_type == "none":
        nan = np.full(surv.shape, np.nan)
        return nan, nan.copy()
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se_log * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        # R writes exp(log S -/+ h) and exp(-exp(log(-log S) -/+ h)); the forms below are
        # algebraically equal with fewer exp/log passes (agreement ~1e-15 relative).
        if conf_type == "log":
            factor = np.multiply(se_log, z)
            np.exp(factor, out=factor)
            low = np.divide(surv, factor)
            high = np.multiply(surv, factor, out=factor)
            np.minimum(high, 1.0, out=high)
            zero = surv == 0  # undefined there, as R
            if zero.any():
                low[zero] = high[zero] = np.nan
            return low, high
        log_s = np.log(np.where((surv == 0) | (surv == 1), np.nan, surv))
        factor = np.exp(z * se_log / log_s)
        return np.exp(log_s / factor), np.exp(log_s * factor)
