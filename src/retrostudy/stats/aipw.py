r"""Doubly robust (augmented IPW) survival curves, survival differences and RMST difference.

Estimator (average treatment effect over the whole sample, treatment ``A`` in {0, 1}, follow-up
``Y = min(T, C)``, event indicator ``delta``): for each arm ``a`` and time ``t``

.. math::
    \hat S_a(t) = \frac1n \sum_i \Big[\frac{1\{A_i = a\}}{\pi_a(X_i)}
        \frac{1\{Y_i > t\}}{\hat G_a(t)}
      - \frac{1\{A_i = a\} - \pi_a(X_i)}{\pi_a(X_i)}\,\hat S(t \mid X_i, a)\Big],
    \qquad \pi_1 = \hat e,\ \pi_0 = 1 - \hat e

with three working models:

* treatment: the propensity score :math:`\hat e(X)` from logistic regression
  (:func:`~retrostudy.stats.logistic_regression`, as R ``glm``; Firth's penalised
  likelihood with ``firth=True``), fitted on every row given -- e.g. a whole
  propensity-score sample -- while the sums run over the ``analysed`` rows (``n`` below is
  their number);
* outcome: a Cox model fitted in each arm on the outcome covariates (Efron ties, as R
  ``coxph``), :math:`\hat S(t\mid x, a) = \exp\{-\hat\Lambda_{0a}(t) e^{x'\hat\beta_a}\}`
  with Breslow's baseline
  :math:`\hat\Lambda_{0a}(t) = \sum_{s\le t} d_s / \sum_{Y_j\ge s} e^{x_j'\hat\beta_a}`;
* censoring: the Kaplan-Meier curve of censoring in each arm, :math:`\hat G_a(t) =
  \prod_{s\le t}\{1 - c_s / (n_s - d_s)\}` (censorings at a tied time come after its events).
  Censoring is assumed independent of the covariates within an arm (the IPCW term
  :math:`1\{Y>t\}/\hat G(t)` is unbiased for :math:`1\{T>t\}` under that assumption).

The estimate is consistent if either the propensity model or the outcome model is correct
(Robins, Rotnitzky & Zhao 1994; for survival with inverse probability of censoring weights,
Hubbard, van der Laan & Robins 2000; Bai, Tsiatis & O'Brien 2013). :math:`\hat S_a` is a step
function with jumps only at observed times; the survival difference at a landmark ``t`` is
:math:`\hat S_1(t) - \hat S_0(t)` and the RMST difference
:math:`\int_0^\tau \{\hat S_1(t) - \hat S_0(t)\}\,dt` (the areas of the step curves).

Checks by construction: with no covariates in either model, :math:`\hat S_a` equals the arm's
Kaplan-Meier curve exactly (Satten & Datta 2001: :math:`\hat S_{KM}\hat G_{KM} = \#\{Y > t\}/n`),
so the RMST difference equals the unadjusted one.

Confidence intervals: nonparametric bootstrap (``n_resamples`` resamples of patients with
replacement, every model refitted in each, percentile interval; no p-value is given, as the
percentile interval has no test that goes with it).

R: no package on Debian computes this estimator; ``adjustedCurves::adjustedsurv(method =
"aiptw")`` (through ``riskRegression::ate``) is the nearest, with a Cox censoring model.

References
----------
Robins JM, Rotnitzky A, Zhao LP (1994), JASA 89:846-866. Hubbard AE, van der Laan MJ, Robins JM
(2000), in Statistical Models in Epidemiology, Springer, 135-177. Satten GA, Datta S (2001),
Am Stat 55:207-210. Bai X, Tsiatis AA, O'Brien SM (2013), Biometrics 69:830-839. Denz R et al.
(2023), Stat Med 42:1461-1479 (comparison of adjusted survival curve estimators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _checks, _logistic
from ._types import ArrayLike
from .cox import cox_ph
from .propensity import logistic_regression


@dataclass(frozen=True, slots=True, kw_only=True)
class AIPWSurvival:
    """Doubly robust curves (``surv1``, ``surv0`` on ``[times[k], times[k+1])``), the survival
    difference (1 - 0) at each ``landmarks`` time, the RMSTs to ``tau`` and their difference.

    ``*_ci`` are bootstrap percentile intervals (None without resamples); ``n_failed``
    resamples where a model could not be fitted are left out and counted.
    """

    times: np.ndarray
    surv1: np.ndarray
    surv0: np.ndarray
    landmarks: tuple[float, ...]
    surv_diff: tuple[float, ...]
    tau: float
    rmst1: float
    rmst0: float
    rmst_diff: float
    ps_range: tuple[float, float]
    surv_diff_ci: tuple[tuple[float, float], ...] | None = None
    rmst_diff_ci: tuple[float, float] | None = None
    n_resamples: int = 0
    n_failed: int = 0
    seed: int | None = None
    conf_level: float = 0.95
    propensity_method: str = "ml"  # "firth": Firth's penalised likelihood
    estimand: str = "ATE"  # what the augmented estimator targets (the analysed patients)
    method: str = ("augmented inverse probability weighting (logistic propensity model, Cox "
                   "outcome model per arm, Kaplan-Meier censoring weights per arm)")


def censoring_km(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Kaplan-Meier curve of censoring, right-continuous, evaluated at ``at``."""
    u, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=u.size)
    c = np.bincount(inv, weights=1 - event, minlength=u.size)
    n = np.cumsum(np.bincount(inv, minlength=u.size)[::-1])[::-1].astype(float)
    left = n - d
    factor = np.where(left > 0, 1 - c / np.where(left > 0, left, 1), 1.0)
    g = np.cumprod(factor)
    k = np.searchsorted(u, at, side="right") - 1
    return np.where(k >= 0, g[np.maximum(k, 0)], 1.0)


def breslow_parts(time, event, z_arm, beta, z_all, at) -> tuple[np.ndarray, np.ndarray]:
    """Breslow's baseline ``Lambda0(at)`` from the arm's data (``time``, ``event``, ``z_arm``)
    and the relative hazards ``exp(z' beta)`` of every row of ``z_all``; the model's survival
    is ``S(at | z) = exp(-Lambda0(at) exp(z' beta))``."""
    r = np.exp(z_arm @ beta) if beta.size else np.ones(time.size)
    u, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=u.size)
    risk = np.cumsum(np.bincount(inv, weights=r, minlength=u.size)[::-1])[::-1]
    cumhaz = np.cumsum(d / risk)
    k = np.searchsorted(u, at, side="right") - 1
    lam = np.where(k >= 0, cumhaz[np.maximum(k, 0)], 0.0)
    rall = np.exp(z_all @ beta) if beta.size else np.ones(z_all.shape[0])
    return lam, rall


def _weighted_model_sum(c, rall, lam, cells: int = 2_000_000) -> np.ndarray:
    """``sum_i c_i exp(-rall_i lam)`` for every grid value, in row blocks of ``cells``."""
    out = np.zeros(lam.size)
    step = max(cells // max(lam.size, 1), 1)
    for i in range(0, c.size, step):
        out += c[i:i + step] @ np.exp(-np.outer(rall[i:i + step], lam))
    return out


def _ipcw_sum(t, wt, grid) -> np.ndarray:
    """``sum_i wt_i 1{t_i > g}`` for every grid value ``g``."""
    order = np.argsort(t, kind="stable")
    tail = np.append(np.cumsum(wt[order][::-1])[::-1], 0.0)
    return tail[np.searchsorted(t[order], grid, side="right")]


def _cox_beta(time, event, z, names) -> np.ndarray:
    if not names:
        return np.zeros(0)
    data = {"time": time, "event": event} | {nm: z[:, j] for j, nm in enumerate(names)}
    fit = cox_ph(data, time="time", event="event", covariates=list(names))
    if not fit.converged or fit.monotone:
        raise ValueError("the outcome Cox model did not converge (monotone likelihood) in one "
                         "arm; use fewer outcome covariates")
    return np.asarray(fit.coef, float)


def _fit_ps(xps, a, firth) -> np.ndarray:
    """Propensity scores of every row (``firth``: Firth's penalised fit, else ML)."""
    if xps.shape[1]:
        return logistic_regression(xps, a, firth=bool(firth)).fitted
    return np.full(a.size, a.mean())


def _curves(t, e, a, ps, xout, names_out, grid):
    """The AIPW curves of arms 1 and 0 on the analysed rows given their scores ``ps``."""
    out = []
    for arm in (1, 0):
        sel = a == arm
        pi = ps if arm == 1 else 1 - ps
        ipcw = _ipcw_sum(t, sel / pi, grid) / censoring_km(t[sel], e[sel], grid)
        beta = _cox_beta(t[sel], e[sel], xout[sel], names_out)
        lam, rall = breslow_parts(t[sel], e[sel], xout[sel], beta, xout, grid)
        out.append((ipcw - _weighted_model_sum((sel - pi) / pi, rall, lam)) / t.size)
    return out[0], out[1]


def _summaries(grid, s1, s0, landmarks, tau):
    k = np.searchsorted(grid, landmarks, side="right") - 1
    diff = tuple(float(s1[j] - s0[j]) for j in k)
    width = np.diff(np.append(grid, tau))
    return diff, float(s1 @ width), float(s0 @ width)


def aipw_survival(time: ArrayLike, event: ArrayLike, treated: ArrayLike, X_ps: ArrayLike,
                  X_outcome: ArrayLike | None = None, *, tau: float,
                  landmarks: Sequence[float] = (), names_ps: Sequence[str] | None = None,
                  names_outcome: Sequence[str] | None = None, n_resamples: int = 0,
                  seed: int | None = None, conf_level: float = 0.95,
                  analysed: ArrayLike | None = None, firth: bool = False) -> AIPWSurvival:
    """Doubly robust survival difference at ``landmarks`` and RMST difference to ``tau``.

    ``X_ps`` and ``X_outcome`` (default: ``X_ps``) are numeric covariate matrices (factors as
    0/1 columns; zero columns allowed). ``tau`` and every landmark must lie within both
    arms' follow-up. See the module docstring for the estimator.

    The propensity model is fitted on every row (``firth``: Firth's penalised likelihood,
    else maximum likelihood), so that it can be the model of a whole propensity-score
    sample; ``analysed`` (booleans, default all) marks the rows of the outcome analysis
    (the others' time and event are ignored and may be NaN); the estimate averages over the
    analysed rows with their scores. A bootstrap resample draws from every row and refits
    the propensity model the same way. The estimand is the average treatment effect (ATE)
    in the analysed patients.
    """
    a = _logistic.check_binary("treated", treated)
    use = np.ones(a.size, bool) if analysed is None else np.asarray(analysed, bool)
    if use.shape != a.shape:
        raise ValueError(f"analysed has {use.size} values but treated has {a.size}")
    t = _checks.check_time(np.where(use, np.asarray(time, float), 1.0))
    e = _checks.check_event(np.where(use, np.asarray(event, float), 0.0), t.size)
    xps, nps = _checks.check_covariates(X_ps, t.size, names=names_ps, rows_of="time")
    xo, no = _checks.check_covariates(X_ps if X_outcome is None else X_outcome, t.size,
                                      names=names_outcome if X_outcome is not None
                                      else names_ps, rows_of="time")
    conf_level = _checks.check_conf_level(conf_level)
    landmarks = tuple(float(v) for v in landmarks)
    limit = min(t[use & (a == 1)].max(initial=0.0), t[use & (a == 0)].max(initial=0.0))
    for v, what in [(tau, "tau"), *((lm, "landmark") for lm in landmarks)]:
        if not (np.isfinite(v) and 0 < v <= limit):
            raise ValueError(f"{what} {v} must be in (0, {limit:g}], the shorter arm's last "
                             "follow-up time; beyond it a curve is not estimable")
    ps_all = _fit_ps(xps, a, firth)
    tu = t[use]
    grid = np.unique(np.concatenate([[0.0], tu[tu < tau]]))
    s1, s0 = _curves(tu, e[use], a[use], ps_all[use], xo[use], no, grid)
    diff, r1, r0 = _summaries(grid, s1, s0, landmarks, float(tau))
    ps = ps_all[use]
    res = dict(times=grid, surv1=s1, surv0=s0, landmarks=landmarks, surv_diff=diff,
               tau=float(tau), rmst1=r1, rmst0=r0, rmst_diff=r1 - r0,
               ps_range=(float(ps.min()), float(ps.max())), conf_level=conf_level, seed=seed,
               propensity_method="firth" if firth else "ml")
    if n_resamples:
        res |= _bootstrap(t, e, a, use, xps, xo, no, float(tau), landmarks, int(n_resamples),
                          seed, conf_level, firth)
    return AIPWSurvival(**res)


def _bootstrap(t, e, a, use, xps, xo, no, tau, landmarks, b, seed, conf_level, firth) -> dict:
    """Percentile bootstrap: resample patients (every row of the propensity sample), refit
    all three models (the propensity model as the full sample's), re-estimate."""
    rng = np.random.default_rng(seed)
    diffs, rmsts, failed = [], [], 0
    for _ in range(b):
        i = rng.integers(0, t.size, t.size)
        ai, ui = a[i], use[i]
        ti, au = t[i][ui], ai[ui]
        if au.all() or not au.any() or tau > min(ti[au == 1].max(), ti[au == 0].max()):
            failed += 1
            continue
        grid = np.unique(np.concatenate([[0.0], ti[ti < tau]]))
        try:
            ps = _fit_ps(xps[i], ai, firth)[ui]
            s1, s0 = _curves(ti, e[i][ui], au, ps, xo[i][ui], no, grid)
        except (ValueError, np.linalg.LinAlgError):
            failed += 1
            continue
        diff, r1, r0 = _summaries(grid, s1, s0, landmarks, tau)
        diffs.append(diff)
        rmsts.append(r1 - r0)
    if not rmsts:
        raise ValueError("no bootstrap resample could be fitted")
    q = [(1 - conf_level) / 2, (1 + conf_level) / 2]
    lo, hi = np.quantile(rmsts, q)
    dq = np.quantile(np.array(diffs).reshape(len(rmsts), -1), q, axis=0)
    return dict(rmst_diff_ci=(float(lo), float(hi)),
                surv_diff_ci=tuple((float(x), float(y)) for x, y in dq.T),
                n_resamples=b, n_failed=failed)
