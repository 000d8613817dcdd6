r"""Propensity scores: logistic model, inverse-probability weights, matching, balance.

Each function mirrors what a reviewer would run in R and records its conventions:

* :func:`logistic_regression` — ``glm(treated ~ X, family=binomial)`` (identical iterations),
  switching to Firth's penalised likelihood (R ``logistf``) when the data are separated;
* :func:`propensity_score` — fitted ``P(T=1 | X)`` and its logit;
* :func:`ps_weights` — ATE/ATT/ATC/overlap (ATO) weights as WeightIt's ``get_w_from_ps``,
  optionally stabilised, with Crump-style trimming and percentile truncation;
* :func:`match_nearest` — MatchIt 4.5 ``method="nearest"`` 1:1 greedy matching on the logit;
* :func:`balance_table` — standardised mean differences as cobalt's ``bal.tab``.

See docs/statistics.md, "Propensity scores", for the formulas and the R parity evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrostudy.stats._types import ArrayLike

from . import _checks, _logistic
from .balance import Balance, balance_table
from .matching import Matching, match_nearest

__all__ = [
    "Balance", "LogisticFit", "Matching", "PSWeights", "PropensityScore", "balance_table",
    "logistic_regression", "match_nearest", "propensity_score", "ps_weights",
]

ESTIMANDS = ("ATE", "ATT", "ATC", "ATO")


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic regression ``logit P(y=1) = X b`` (intercept first).

    Conventions: ``method`` "ml" reproduces R's ``glm(family=binomial)`` (IRLS from R's start,
    convergence ``|dev - dev_old| / (|dev| + 0.1) < 1e-8``; ``vcov`` the inverse information
    with the weights of the last IRLS step, as ``summary.glm``); "firth" is Firth's
    penalised likelihood (``vcov`` the inverse information at the estimate, as ``logistf``;
    ``loglik_penalised`` its objective). ``loglik`` and ``deviance = -2 loglik`` are the
    (weighted) binomial ones at ``fitted``. ``separation`` is True when the data are
    (quasi-)completely separated (Konis's linear program), so that maximum likelihood
    estimates do not exist; ``warnings`` says what happened and what was done.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    std_err: np.ndarray
    vcov: np.ndarray
    loglik: float
    deviance: float
    fitted: np.ndarray
    converged: bool
    iterations: int
    method: str
    separation: bool
    warnings: tuple[str, ...]
    loglik_penalised: float | None = None
    linear_predictor: np.ndarray | None = None


def _design(X, names, y) -> tuple[np.ndarray, tuple[str, ...]]:
    x, names = _checks.check_covariates(X, y.shape[0], names=names)
    x1 = np.column_stack([np.ones(x.shape[0]), x])
    rank = _logistic.design_rank(x1)
    if rank < x1.shape[1]:
        raise ValueError(f"X is rank deficient (rank {rank} with the intercept, "
                         f"{x1.shape[1]} columns): a covariate is constant or a linear "
                         f"combination of others; drop it (columns: {', '.join(names)})")
    return x1, ("(Intercept)",) + names


def logistic_regression(X: ArrayLike, y: ArrayLike, *, names: Sequence[str] | None = None,
                        weights: ArrayLike | None = None,
                        firth: bool | None = None) -> LogisticFit:
    r"""Logistic regression of ``y`` on ``X`` with an intercept, as R's ``glm(binomial)``.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Covariates without the intercept column (factors coded as 0/1 columns).
    y : array_like of 0/1
        Outcome (for a propensity score: the treatment indicator).
    names : sequence of str, optional
        Column names of ``X`` (default ``x1..xp``); the result's names start with
        ``"(Intercept)"``.
    weights : array_like, optional
        Case weights > 0 (R's ``prior weights``).
    firth : bool, optional
        None (default): maximum likelihood, and if the data are (quasi-)completely
        separated, Firth's penalised likelihood instead, with a recorded warning.
        True: always Firth. False: always maximum likelihood (diverging estimates are kept
        and flagged with ``separation`` and ``warnings``).

    Notes
    -----
    ML maximises :math:`l(b) = \sum_i w_i\{y_i \eta_i - \log(1 + e^{\eta_i})\}`, Firth
    :math:`l(b) + \tfrac12 \log\det X^\top W X`; see :mod:`._logistic` for the algorithms.
    Equivalent R: ``glm(y ~ X, family = binomial, weights = w)``; ``logistf(y ~ X)``.

    References
    ----------
    McCullagh & Nelder (1989), Generalized Linear Models, 2nd ed. Firth D (1993),
    Biometrika 80:27-38. Heinze G, Schemper M (2002), Stat Med 21:2409-19. Konis K (2007),
    Linear programming algorithms for detecting separated data in binary logistic
    regression models, DPhil thesis, Oxford. Albert A, Anderson JA (1984), Biometrika 71:1-10.
    """
    yv = _logistic.check_binary("y", y)
    x1, full = _design(X, names, yv)
    checked = _checks.check_weights(weights, yv.size)
    w = np.ones(yv.size) if checked is None else checked
    coef, vcov, mu, dev, iters, conv = _logistic.irls(x1, yv, w)
    direction = _logistic.check_separation(x1, yv, mu, conv)
    separation = direction is not None
    notes = []
    if not conv:
        notes.append("maximum likelihood did not converge in 25 iterations")
    if np.any((mu < 10 * _logistic._EPS) | (mu > 1 - 10 * _logistic._EPS)):
        notes.append("maximum likelihood: fitted probabilities numerically 0 or 1 occurred "
                     "(R glm's warning)")
    if direction is not None:
        terms = [full[j] for j in np.flatnonzero(direction) if j > 0] or ["(Intercept)"]
        notes.append("(quasi-)complete separation: maximum likelihood estimates do not exist "
                     f"(separating terms: {', '.join(terms)})")
    use_firth = separation if firth is None else bool(firth)
    if not use_firth:
        eta = x1 @ coef
        return LogisticFit(full, coef, np.sqrt(np.diag(vcov)), vcov, -dev / 2, dev, mu, conv,
                           iters, "ml", separation, tuple(notes), None, eta)
    coef, vcov, p, pen, iters, conv = _logistic.firth(x1, yv, w)
    if separation and firth is None:
        notes.append("Firth's penalised likelihood was used instead (firth=None)")
    if not conv:
        notes.append("Firth's penalised likelihood did not converge in 100 iterations")
    dev = _logistic.deviance(yv, p, w)
    return LogisticFit(full, coef, np.sqrt(np.diag(vcov)), vcov, -dev / 2, dev, p, conv,
                       iters, "firth", separation, tuple(notes), pen, x1 @ coef)


@dataclass(frozen=True)
class PropensityScore:
    """``ps = P(T=1 | X)`` from a logistic model and ``logit = log(ps / (1 - ps))`` (the
    model's linear predictor, the distance MatchIt uses with ``link="linear.logit"``)."""

    ps: np.ndarray
    logit: np.ndarray
    fit: LogisticFit


def propensity_score(X: ArrayLike, treated: ArrayLike, *, names: Sequence[str] | None = None,
                     firth: bool | None = None) -> PropensityScore:
    """Propensity score of ``treated`` (0/1) given covariates ``X`` (no intercept column).

    A logistic model fitted by :func:`logistic_regression` (R: ``glm(treated ~ X,
    family=binomial)``; Firth's penalised likelihood when the data are separated). Check
    ``fit.warnings`` and ``fit.separation`` before using the scores.
    """
    t = _logistic.check_binary("treated", treated)
    fit = logistic_regression(X, t, names=names, firth=firth)
    assert fit.linear_predictor is not None  # logistic_regression always sets it
    return PropensityScore(ps=fit.fitted, logit=fit.linear_predictor, fit=fit)




@dataclass(frozen=True)
class PSWeights:
    r"""Inverse-probability-of-treatment weights and their conventions.

    ``estimand`` "ATE": treated ``1/ps``, controls ``1/(1-ps)``; stabilised (``stabilized``)
    times ``P(T=1)`` resp. ``P(T=0)``, the marginal proportions among the retained units
    (WeightIt's ``stabilize=TRUE``; Robins, Hernán & Brumback 2000). "ATT": treated 1,
    controls ``ps/(1-ps)`` (the odds); stabilised, the control weights are rescaled to sum to
    the number of retained controls (so each arm's weights sum to its size; weighted means
    are unchanged, and the effective sample sizes are comparable with the ATE ones).
    "ATC": treated ``(1-ps)/ps``, controls 1; stabilised, the treated weights are rescaled to
    sum to the number of retained treated (the mirror of the ATT). "ATO" (overlap weights,
    Li, Morgan & Zaslavsky 2018): treated ``1-ps``, controls ``ps``; bounded in (0, 1), never
    stabilised (``stabilized`` is False in the result whatever was asked).
    ``trim = (lo, hi)``: units with ``ps < lo`` or ``ps > hi`` get weight 0 and are flagged
    in ``trimmed`` (Crump et al. 2009: the population is restricted; the PS is not
    re-estimated). ``truncate = q``: after stabilisation, weights of retained units above
    the ``q`` quantile of the retained weights (R's ``quantile(w, q)``, type 7) are set to
    it (Cole & Hernán 2008); flagged in ``truncated``, counted per arm in ``n_truncated``,
    the cap in ``truncation_cap``. ``effective_n`` is Kish's ``(sum w)^2 / sum w^2`` per arm
    over the retained units (after truncation).
    """

    weights: np.ndarray
    estimand: str
    stabilized: bool
    trim: tuple[float, float] | None
    trimmed: np.ndarray
    effective_n: dict
    n_trimmed: dict | None = None
    p_treated: float | None = None  # P(T=1) among retained units (stabilisation factor)
    truncate: float | None = None  # quantile at which the weights were truncated
    truncation_cap: float | None = None  # the weight value they were truncated to
    truncated: np.ndarray | None = None  # units whose weight was lowered to the cap
    n_truncated: dict | None = None  # per arm


def check_ps(ps, n: int | None = None) -> np.ndarray:
    """Propensity scores strictly between 0 and 1 (positivity), finite."""
    p = _checks.as_1d_float("ps", ps)
    if n is not None and p.size != n:
        raise ValueError(f"ps has {p.size} values but treated has {n}; lengths must match")
    _checks.check_finite("ps", p, "every unit needs a propensity score")
    bad = (p <= 0) | (p >= 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"ps must be strictly between 0 and 1; position {i} is {p[i]} ({int(bad.sum())} "
            "unit(s) at 0 or 1: positivity fails, e.g. separation; refit with firth=True or "
            "exclude these units with trim=)")
    return p


def _check_trim(trim) -> tuple[float, float] | None:
    if trim is None:
        return None
    try:
        lo, hi = (float(v) for v in trim)
    except (TypeError, ValueError):
        raise TypeError(f"trim must be a pair (lower, upper) of numbers, got {trim!r}") from None
    if not (0 <= lo < hi <= 1):
        raise ValueError(f"trim must satisfy 0 <= lower < upper <= 1, got ({lo}, {hi})")
    return lo, hi


def _kish(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / np.sum(w**2))


def ps_weights(ps: ArrayLike, treated: ArrayLike, *, estimand: str = "ATE",
               stabilized: bool = True, trim: tuple[float, float] | None = None,
               truncate: float | None = None) -> PSWeights:
    r"""Inverse-probability (and overlap) weights from propensity scores.

    .. math::
        \text{ATE: } w_i = \frac{T_i}{e_i} + \frac{1-T_i}{1-e_i},\qquad
        \text{ATT: } w_i = T_i + (1-T_i)\frac{e_i}{1-e_i},

        \text{ATC: } w_i = T_i\frac{1-e_i}{e_i} + (1-T_i),\qquad
        \text{ATO: } w_i = T_i (1-e_i) + (1-T_i) e_i

    Stabilised ATE weights are multiplied by :math:`\hat P(T=T_i)`; stabilised ATT control
    (ATC treated) weights are rescaled to sum to the number of controls (treated); overlap
    weights are not stabilised. ``truncate`` (a quantile in (0.5, 1)) caps the weights at
    that quantile. See :class:`PSWeights`.

    R equivalent (WeightIt): ``get_w_from_ps(ps, treat, estimand=, stabilize=)`` and
    ``trim(w, at = q)``; plain R: ``ifelse(t == 1, 1/ps, 1/(1-ps)) * ifelse(t == 1,
    mean(t), 1 - mean(t))``, ``ifelse(t == 1, 1 - ps, ps)`` (ATO),
    ``pmin(w, quantile(w, q))`` (truncation).

    References
    ----------
    Austin PC, Stuart EA (2015), Stat Med 34:3661-79. Crump RK et al. (2009), Biometrika
    96:187-99. Kish L (1965), Survey Sampling, Wiley. Li F, Morgan KL, Zaslavsky AM (2018),
    JASA 113:390-400. Cole SR, Hernán MA (2008), Am J Epidemiol 168:656-64.
    """
    t = _logistic.check_binary("treated", treated)
    p = check_ps(ps, n=t.size)
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {ESTIMANDS}, got {estimand!r}")
    bounds = _check_trim(trim)
    trimmed = np.zeros(t.size, bool) if bounds is None else (p < bounds[0]) | (p > bounds[1])
    keep = ~trimmed
    tr, ct = keep & (t == 1), keep & (t == 0)
    if not tr.any() or not ct.any():
        arm = "treated" if not tr.any() else "control"
        raise ValueError(f"trim={bounds} removes every {arm} unit; widen the bounds")
    w = np.zeros(t.size)
    p1 = float(tr.sum() / keep.sum())
    if estimand == "ATE":
        w[tr] = 1 / p[tr]
        w[ct] = 1 / (1 - p[ct])
        if stabilized:
            w[tr] *= p1
            w[ct] *= 1 - p1
    elif estimand == "ATT":
        w[tr] = 1.0
        w[ct] = p[ct] / (1 - p[ct])
        if stabilized:
            w[ct] *= ct.sum() / w[ct].sum()
    elif estimand == "ATC":
        w[tr] = (1 - p[tr]) / p[tr]
        w[ct] = 1.0
        if stabilized:
            w[tr] *= tr.sum() / w[tr].sum()
    else:  # ATO: bounded, nothing to stabilise
        w[tr] = 1 - p[tr]
        w[ct] = p[ct]
        stabilized = False
    q = _check_truncate(truncate)
    cap, cut = None, None
    if q is not None:
        cap = float(np.quantile(w[keep], q))
        cut = keep & (w > cap)
        w[cut] = cap
    ess = {"treated": _kish(w[tr]), "control": _kish(w[ct])}
    return PSWeights(weights=w, estimand=estimand, stabilized=bool(stabilized), trim=bounds,
                     trimmed=trimmed, effective_n=ess, n_trimmed=_per_arm(trimmed, t),
                     p_treated=p1, truncate=q, truncation_cap=cap, truncated=cut,
                     n_truncated=None if cut is None else _per_arm(cut, t))


def _per_arm(flag: np.ndarray, t: np.ndarray) -> dict:
    return {"treated": int((flag & (t == 1)).sum()), "control": int((flag & (t == 0)).sum())}


def _check_truncate(truncate) -> float | None:
    if truncate is None:
        return None
    try:
        q = float(truncate)
    except (TypeError, ValueError):
        raise TypeError(f"truncate must be a quantile (a number), got {truncate!r}") from None
    if not 0.5 < q < 1:
        raise ValueError(f"truncate must be a quantile between 0.5 and 1 (e.g. 0.99), got {q}")
    return q
