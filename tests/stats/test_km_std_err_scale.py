"""The scale of the Kaplan–Meier standard error on both variance paths, against R.

``KaplanMeier.std_err`` is the SE of S(t) (survival scale) and ``std_err_log`` the SE of
log S(t) (the bands' sigma) whatever the variance. R's ``fit$std.err`` is not one scale: it
is the log-scale SE for Greenwood curves (``fit$logse`` TRUE) and the survival-scale SE for
robust ones (``fit$logse`` FALSE); ``summary(fit)$std.err`` is the survival scale on both.
Reference: ``km_scale`` in ``tests/reference/edge_cases.json`` (45 simulated patients, the
curve reaching 0): Greenwood unweighted and with integer weights, infinitesimal jackknife
with fractional weights and with ``robust=TRUE``.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import kaplan_meier

with (Path(__file__).parents[1] / "reference" / "edge_cases.json").open() as fh:
    REF = json.load(fh)
DATA = {k: np.asarray(v) for k, v in REF["km_data"].items()}
CASES = REF["km_scale"]


def _nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _fit(case):
    w = None if case["weights"] is None else DATA[case["weights"]].astype(float)
    return kaplan_meier(DATA["time"], DATA["event"], weights=w, robust=case["robust"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_std_err_is_the_survival_scale_on_every_path(case):
    km = _fit(case)
    assert km.variance == ("greenwood" if case["logse"] else "robust")
    np.testing.assert_allclose(km.time, case["time"], rtol=0)
    np.testing.assert_allclose(km.survival, case["survival"], rtol=1e-13)
    np.testing.assert_allclose(km.std_err, _nan(case["summary_std_err"]), rtol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_std_err_log_is_the_bands_sigma_on_every_path(case):
    km = _fit(case)
    fit_se = _nan(case["fit_std_err"])
    surv = np.asarray(case["survival"])
    if case["logse"]:  # R's fit$std.err is already log scale; Inf (null) where S = 0
        want = np.where(np.isnan(fit_se), np.inf, fit_se)
    else:  # R's fit$std.err is the survival scale
        np.testing.assert_allclose(km.std_err, fit_se, rtol=1e-10)
        with np.errstate(divide="ignore", invalid="ignore"):
            want = np.where(fit_se == 0, 0.0, fit_se / surv)
    np.testing.assert_allclose(km.std_err_log, want, rtol=1e-10)
    assert (surv == 0).any()  # the edge where the two paths' conventions differ
    pos = surv > 0
    np.testing.assert_allclose(km.std_err[pos], km.std_err_log[pos] * surv[pos], rtol=1e-13)
    # the bands are built from std_err_log: R's log-transform limits
    np.testing.assert_allclose(km.conf_low, _nan(case["conf_low"]), rtol=1e-10)
    np.testing.assert_allclose(km.conf_high, _nan(case["conf_high"]), rtol=1e-10)
    z = 1.959963984540054
    np.testing.assert_allclose(km.conf_low[pos], surv[pos] * np.exp(-z * km.std_err_log[pos]),
                               rtol=1e-12)
