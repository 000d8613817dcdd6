"""Treatment effect by subgroup: the Cox interaction test (the hazard ratio in each level is
:mod:`retrostudy.stats.subgroup_hrs`).

R equivalents (survival 3.5)::

    fit0 <- coxph(Surv(time, event) ~ trt + sub + covariates, ties = ties)
    fit1 <- coxph(Surv(time, event) ~ trt + sub + covariates + trt:sub, ties = ties)
    anova(fit0, fit1)                                      # interaction_test
    # with a robust variance (non-integer weights, robust = TRUE) anova refuses
    # ("Can't do anova tables with robust variances"); interaction_test is then the Wald
    # test of the interaction coefficients with the robust variance:
    i <- grep(":", names(coef(fit1))); b <- coef(fit1)[i]
    t(b) %*% solve(vcov(fit1)[i, i], b)                    # on length(i) df
    coxph(Surv(time, event) ~ trt + covariates, subset = sub == level)  # subgroup_hazard_ratios

The interaction test, not the per-level p-values, is the test of effect modification
(Wang R et al. N Engl J Med 2007;357:2189-2194).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from retrostudy.stats import _checks
from retrostudy.stats._cox_design import build_design, label
from retrostudy.stats._types import ArrayLike, Columns, Levels
from retrostudy.stats.cox import cox_ph

__all__ = ["InteractionTest", "interaction_test"]

_TIME, _EVENT = "time (subgroups)", "event (subgroups)"
_ALIAS_TOL = 1e-10  # residual variance share below which a column is aliased


@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionTest:
    """Test of the treatment x subgroup interaction in a Cox model; ``method`` names it.

    ``method = "likelihood ratio"`` (model-based variance): ``statistic = 2
    (loglik_interaction - loglik_main)``. ``method = "robust Wald"`` (``variance`` "robust":
    non-integer case weights, or ``robust=True``; a likelihood-ratio test is not valid with
    a robust variance and R's anova refuses it): ``statistic = b' V^-1 b`` with ``b`` the
    interaction coefficients of the interaction model and ``V`` their block of its robust
    (sandwich) variance. Either is on ``df`` = the number of estimable interaction columns,
    (treatment columns) x (subgroup levels - 1) less the ``aliased`` ones (R's NA
    coefficients, e.g. a subgroup level where one arm is empty). When every interaction
    column is aliased, ``estimable`` is False, ``df`` 0 and ``p_value`` NaN (R's anova
    prints Chisq 0 on 0 df); the reason is in ``warnings`` with any monotone-fit warning of
    either model. Both log-likelihoods are reported in either case.
    """

    variable: str
    statistic: float
    df: int
    p_value: float
    method: str
    treatment: str
    subgroup: str
    levels: tuple
    loglik_main: float
    loglik_interaction: float
    aliased: tuple[str, ...]
    n: int
    n_events: int
    ties: str
    variance: str
    estimable: bool
    warnings: tuple[str, ...]


def _inputs(time, event, treatment, subgroup, covariates, names):
    t = _checks.check_time(time)
    n = t.shape[0]
    e = _checks.check_event(event, n)
    tname, sname = names
    data = {_TIME: t, _EVENT: e, tname: _checks.check_labels("treatment", treatment, n),
            sname: _checks.check_labels("subgroup", subgroup, n)}
    for k, v in dict(covariates or {}).items():
        if k in data:
            raise ValueError(f"covariates has a column named {k!r}, which is already used; "
                             f"rename it")
        data[k] = np.asarray(v)
    return data


def _sub_levels(values: np.ndarray, given, name: str) -> list:
    present = sorted(set(values.tolist()), key=lambda v: (str(type(v)), v))
    if given is None:
        lv = present
    else:
        lv = [v for v in given if v in set(present)]
        extra = [v for v in present if v not in set(given)]
        if extra:
            raise ValueError(f"subgroup {name!r} has value {extra[0]!r} that is not among its "
                             f"levels {list(given)}")
    if len(lv) < 2:
        raise ValueError(f"subgroup {name!r} has a single level ({lv[0]!r}); there is no "
                         "interaction to test")
    return lv


def _extra_columns(data, strata, weights) -> dict:
    """Checked strata and weights columns added to ``data``; the cox_ph keywords naming them."""
    n = data[_TIME].shape[0]
    extra = {}
    if strata is not None:
        extra["strata"] = "strata (subgroups)"
        data[extra["strata"]] = _checks.check_labels("strata", strata, n)
    if weights is not None:
        extra["weights"] = "weights (subgroups)"
        data[extra["weights"]] = _checks.check_weights(weights, n)
    return extra


def _aliased(x_main: np.ndarray, inter: np.ndarray, w) -> list[bool]:
    """Interaction columns that are linear combinations of the main effects and the earlier
    interaction columns (R's NA coefficients), by residual variance of the centred columns."""
    def centred(a):
        mean = a.mean(axis=0) if w is None else w @ a / w.sum()
        c = a - mean
        return c if w is None else c * np.sqrt(w)[:, None]

    basis = centred(x_main)
    flags = []
    for j in range(inter.shape[1]):
        col = centred(inter[:, j:j + 1])[:, 0]
        total = col @ col
        if basis.shape[1]:
            coef = np.linalg.lstsq(basis, col, rcond=None)[0]
            resid = col - basis @ coef
        else:
            resid = col
        bad = total == 0 or resid @ resid <= _ALIAS_TOL * total
        flags.append(bool(bad))
        if not bad:
            basis = np.column_stack([basis, col])
    return flags


def _fit(data, covariates, levels, **kw):
    """cox_ph with its monotone-likelihood RuntimeWarnings collected, not raised, and a note
    when Newton-Raphson ran out of iterations (R: "Ran out of iterations")."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        fit = cox_ph(data, time=_TIME, event=_EVENT, covariates=covariates,
                     levels={k: v for k, v in levels.items() if k in covariates}, **kw)
    notes = [str(c.message) for c in caught]
    if not fit.converged and not fit.monotone:
        notes.append(f"the Cox fit did not converge in {fit.iterations} iterations (the "
                     "likelihood is probably monotone: a hazard ratio of 0 or infinity)")
    return fit, notes


def interaction_test(time: ArrayLike, event: ArrayLike, treatment: ArrayLike,
                     subgroup: ArrayLike, *, covariates: Columns | None = None,
                     ties: str = "efron", strata: ArrayLike | None = None,
                     weights: ArrayLike | None = None, robust: bool | None = None,
                     levels: Levels | None = None, treatment_name: str = "treatment",
                     subgroup_name: str = "subgroup") -> InteractionTest:
    """Cox test of the treatment x subgroup interaction: likelihood ratio, or robust Wald.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (>= 0) and event indicators (0/1).
    treatment : array_like
        Treatment: strings or booleans (or named in ``levels``) are categorical with the
        first level as reference, numbers a numeric column (a 0/1 column gives the same test).
    subgroup : array_like
        The subgroup variable, always categorical (at least two levels).
    covariates : mapping, optional
        Name -> values of adjustment covariates (categorical as in :func:`cox_ph`).
    ties : {"efron", "breslow", "exact"}
    strata, weights : array_like, optional
        Stratum labels (separate baseline hazards) and case weights, as in :func:`cox_ph`.
    robust : bool, optional
        Sandwich variance, as in :func:`cox_ph`: by default (None) on when a weight is not
        an integer. With it the test is the robust Wald test (``method``).
    levels : dict, optional
        Name (``treatment_name``, ``subgroup_name`` or a covariate) -> ordered levels.
    treatment_name, subgroup_name : str
        Labels used in the result and the coefficient names.

    Returns
    -------
    InteractionTest

    Notes
    -----
    The interaction columns are the products of each treatment column with each non-reference
    subgroup indicator; both models are fitted by :func:`cox_ph` on the same records, and
    :math:`\\chi^2 = 2\\{l(\\hat\\beta_1) - l(\\hat\\beta_0)\\}` on the number of interaction
    columns that are not aliased, as ``anova(fit0, fit1)`` in R. With a robust variance
    that comparison of likelihoods has no chi-square reference (R: "Can't do anova tables
    with robust variances"), so the test is Wald's
    :math:`\\chi^2 = \\hat b' \\hat V_{rob}^{-1} \\hat b` on the interaction coefficients
    :math:`\\hat b` of the interaction model (Lin & Wei 1989), ``method = "robust Wald"``.

    Examples
    --------
    >>> r = interaction_test([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 0, 1, 1, 1, 0, 1],
    ...                      [0, 1, 0, 1, 0, 1, 0, 1], ["a", "a", "a", "a", "b", "b", "b", "b"])
    >>> r.variable, r.df, r.method
    ('treatment:subgroup', 1, 'likelihood ratio')
    """
    names = (treatment_name, subgroup_name)
    data = _inputs(time, event, treatment, subgroup, covariates, names)
    n = data[_TIME].shape[0]
    levels = dict(levels or {})
    levels[subgroup_name] = _sub_levels(data[subgroup_name], levels.get(subgroup_name),
                                        subgroup_name)
    extra = _extra_columns(data, strata, weights)
    if robust is not None:
        extra["robust"] = bool(robust)
    main = [treatment_name, subgroup_name, *dict(covariates or {})]
    design = build_design(data, main, {k: v for k, v in levels.items() if k in main}, n)
    tcols = [j for j, v in enumerate(design.variables) if v == treatment_name]
    scols = [j for j, v in enumerate(design.variables) if v == subgroup_name]
    products, inames = [], []
    for j in tcols:
        for k in scols:
            products.append(design.x[:, j] * design.x[:, k])
            inames.append(f"{label(treatment_name, design.levels[j])}:"
                          f"{label(subgroup_name, design.levels[k])}")
    inter = np.column_stack(products)
    w = None if weights is None else data[extra["weights"]]
    flags = _aliased(design.x, inter, w)
    kept = [nm for nm, f in zip(inames, flags, strict=True) if not f]
    for nm, f in zip(inames, flags, strict=True):
        if not f:
            data[nm] = inter[:, inames.index(nm)]
    fit0, notes = _fit(data, main, levels, ties=ties, **extra)
    notes = [f"main-effects model: {s}" for s in notes]
    aliased = tuple(nm for nm, f in zip(inames, flags, strict=True) if f)
    if aliased:
        notes.append(f"interaction column(s) {list(aliased)} are aliased with the main effects "
                     "(an arm without patients in a subgroup level) and are left out, as R's "
                     "NA coefficients")
    is_robust = fit0.variance == "robust"
    ll1, stat = fit0.loglik, 0.0
    if kept:
        fit1, notes1 = _fit(data, main + kept, levels, ties=ties, **extra)
        notes += [f"interaction model: {s}" for s in notes1]
        ll1 = fit1.loglik
        stat = _robust_wald(fit1, len(kept)) if is_robust else 2.0 * (ll1 - fit0.loglik)
    else:
        notes.append("no interaction column is estimable; the interaction cannot be tested")
    df = len(kept)
    return InteractionTest(
        variable=f"{treatment_name}:{subgroup_name}", statistic=float(stat), df=df,
        p_value=float(sps.chi2.sf(stat, df)) if df else float("nan"),
        method="robust Wald" if is_robust else "likelihood ratio", treatment=treatment_name,
        subgroup=subgroup_name, levels=tuple(levels[subgroup_name]),
        loglik_main=float(fit0.loglik), loglik_interaction=float(ll1), aliased=aliased,
        n=fit0.n, n_events=fit0.n_events, ties=fit0.ties, variance=fit0.variance,
        estimable=bool(df), warnings=tuple(notes))


def _robust_wald(fit, k: int) -> float:
    """b' V^-1 b over the last ``k`` coefficients (the interaction columns) of ``fit``,
    with its (robust) variance; inf when that block is singular, NaN when not finite."""
    b, v = fit.coef[-k:], fit.var[-k:, -k:]
    if not (np.isfinite(b).all() and np.isfinite(v).all()):
        return float("nan")
    try:
        return float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        return float("inf")
