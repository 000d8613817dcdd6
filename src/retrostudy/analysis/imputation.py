r"""Multiple imputation of missing covariates (``[analyses.imputation]``) for the adjusted Cox
model of each ``[[analyses.survival]]`` endpoint with ``adjust``.

For each such endpoint, on its patients with a time and an event: the covariates to impute
(``variables``, or every Table 1, propensity-score and Cox covariate with missing values)
are imputed ``m`` times by chained equations (:func:`retrostudy.stats.mice`: pmm for
numbers, logreg for two levels, polyreg for more, or the block's ``method``), with the
model's other covariates, the group, the event indicator and the follow-up time as
predictors (van Buuren 2018, section 9.2: the outcome belongs in the imputation model). The
adjusted Cox model (group + ``adjust``) is fitted on each completed dataset and the
coefficients pooled by Rubin's rules with Barnard–Rubin degrees of freedom
(:func:`retrostudy.stats.pool_cox`; ``dfcom = events - terms``). The complete-case fit of
the same model is kept beside it.

R equivalent: ``imp <- mice(d[, c(covs, "group", "time", "event")], m =, maxit =, seed =)``;
``summary(pool(with(imp, coxph(Surv(time, event) ~ group + ...))), conf.int = TRUE)``.

References: van Buuren S, Groothuis-Oudshoorn K. J Stat Softw 2011;45(3). Rubin DB (1987).
Barnard J, Rubin DB. Biometrika 1999;86:948-955.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis.checks import fail
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import CoxModel, _is_categorical, _levels, fit_model
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import mice, pool_cox


@dataclass(frozen=True, slots=True, kw_only=True)
class PooledHazardRatio:
    """One pooled term: hazard ratio exp(Q̄), its CI and p from t(ν), and the pooling
    diagnostics (fraction of missing information, relative increase in variance, ν)."""

    variable: str
    level: _stats.Level
    hazard_ratio: float
    conf_low: float
    conf_high: float
    p_value: float
    fmi: float
    riv: float
    df: float
    test: str = "rubin_t"

    def to_json(self) -> dict:
        return {"variable": self.variable, "level": self.level,
                "hazard_ratio": self.hazard_ratio, "conf_low": self.conf_low,
                "conf_high": self.conf_high, "p_value": self.p_value, "fmi": self.fmi,
                "riv": self.riv, "df": self.df, "test": self.test}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImputedEndpoint:
    """The adjusted Cox model of one endpoint, pooled over ``m`` imputations, and its
    complete-case fit."""

    endpoint: str
    label: str
    covariates: tuple[str, ...]  # model terms, group first
    n: int  # patients with a time and event (all analysed after imputation)
    n_events: int
    missing: dict[str, int]  # imputed column -> missing values among the n
    methods: dict[str, str]  # imputed column -> model
    m: int
    iterations: int
    seed: int
    pooled: tuple[PooledHazardRatio, ...]
    complete_case: CoxModel

    def group_terms(self) -> tuple[PooledHazardRatio, ...]:
        return tuple(t for t in self.pooled if t.variable == "group")

    def methods_text(self, var_labels) -> str:
        """The Methods sentence, written from this result (the table prints its numbers)."""
        if not self.missing:
            return (f"{self.label}: no covariate of the adjusted model has missing values; "
                    "the complete-case model is the analysis.")
        miss = ", ".join(f"{var_labels.get(c, c)} ({k} of {self.n}, {self.methods[c]})"
                         for c, k in self.missing.items())
        return (f"{self.label}: missing values of {miss} were imputed by chained equations "
                f"(m = {self.m} imputations of {self.iterations} iterations, seed {self.seed}; "
                "pmm: predictive mean matching, logreg/polyreg: logistic/multinomial "
                "regression), with the other covariates, the group, the event indicator and "
                "the follow-up time as predictors; the adjusted Cox model was fitted on each "
                "completed dataset and pooled by Rubin's rules (t-based CIs and p values, "
                "Barnard\u2013Rubin degrees of freedom). The complete-case model "
                f"({self.complete_case.n} patients) is shown beside it.")

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "covariates": list(self.covariates),
            "n": self.n,
            "n_events": self.n_events,
            "missing": dict(self.missing),
            "methods": dict(self.methods),
            "m": self.m,
            "iterations": self.iterations,
            "seed": self.seed,
            "method": "chained equations (mice); Cox model per completed dataset; Rubin's "
                      "rules with Barnard-Rubin degrees of freedom",
            "pooled": [t.to_json() for t in self.pooled],
            "complete_case": self.complete_case.to_json(),
        }


def candidate_columns(block, data: pd.DataFrame) -> list[str]:
    """Table 1, propensity-score and Cox covariates of the study present in ``data``."""
    names = [v.name for v in block.table1 if v.among is None]
    if block.adjusted is not None:
        names += [c.name for c in block.adjusted.covariates]
    names += [c for s in block.survival for c in s.adjust]
    return [c for c in dict.fromkeys(names) if c in data.columns]


def _mice_column(s: pd.Series):
    if _is_categorical(s):
        return np.array([None if pd.isna(v) else v for v in s.astype(object)], dtype=object)
    return s.to_numpy(float, na_value=math.nan)


def imputed_endpoint(data: pd.DataFrame, spec, settings, ctx: Context,
                     variables: list[str]) -> ImputedEndpoint:
    ep = spec.endpoint
    c = time_to_event_columns(ep)
    d = data.dropna(subset=[c.time, c.event]).reset_index(drop=True)
    covs = ["group", *spec.adjust]
    complete_case = fit_model(d, "complete_case", covs, spec, ctx.reference, ctx.conv)
    targets = [v for v in variables if d[v].isna().any()]
    cols = list(dict.fromkeys([*targets, *spec.adjust, "group", c.time, c.event]))
    stuck = [v for v in spec.adjust if v not in targets and d[v].isna().any()]
    if stuck:
        fail("analyses.imputation.variables", f"{ep!r}: the adjusted model's covariate(s) "
             f"{stuck} have missing values but are not imputed",
             hint="add them to variables, or leave variables out", code="imputation")
    methods = {v: settings.method.get(v) or ("pmm" if not _is_categorical(d[v]) else
                                              "logreg" if d[v].nunique() == 2 else "polyreg")
               for v in targets}
    levels = {v: sorted(d[v].dropna().unique().tolist(), key=str) for v in targets
              if methods[v] in ("logreg", "polyreg") and not _is_categorical(d[v])}
    frame = {k: _mice_column(d[k]) for k in cols}
    with _stats.explained(f"{ep}: multiple imputation", "analyses.imputation"):
        imp = mice(frame, m=settings.m, iterations=settings.iterations, seed=settings.seed,
                   method={v: methods[v] for v in targets}, levels=levels,
                   donors=settings.donors)
    levels_cox = _levels(d, covs, spec, ctx.reference)
    fits = []
    for k in range(imp.m):
        done = imp.complete(k)
        model = {"time": d[c.time].to_numpy(float), "event": d[c.event].to_numpy(int)}
        for v in covs:
            model[v] = (done[v] if _is_categorical(d[v]) else
                        np.asarray(done[v], float))
        with _stats.explained(f"{ep}: Cox model on imputation {k + 1}", "analyses.imputation"):
            fits.append(_stats.cox(model, covariates=covs, levels=levels_cox, conv=ctx.conv))
    pooled = pool_cox(fits)
    terms = tuple(
        PooledHazardRatio(variable=cf.variable, level=cf.level,
                          hazard_ratio=math.exp(p.estimate), conf_low=math.exp(p.conf_low),
                          conf_high=math.exp(p.conf_high), p_value=p.p_value, fmi=p.fmi,
                          riv=p.riv, df=p.df)
        for cf, p in zip(fits[0].coefficients, pooled, strict=True))
    return ImputedEndpoint(
        endpoint=ep, label=spec.text, covariates=tuple(covs), n=len(d),
        n_events=int(d[c.event].sum()), missing={v: int(d[v].isna().sum()) for v in targets},
        methods=methods, m=settings.m, iterations=settings.iterations, seed=settings.seed,
        pooled=terms, complete_case=complete_case)


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[ImputedEndpoint, ...]:
    """The registry's entry point: ``[analyses.imputation]`` (``settings``) applied to each
    ``[[analyses.survival]]`` endpoint with an adjusted model."""
    block = ctx.analyses
    if settings.variables is not None:
        unknown = [v for v in settings.variables if v not in data.columns]
        if unknown:
            fail("analyses.imputation.variables", f"the analysis dataset has no column(s) "
                 f"{unknown}", code="imputation")
        variables = list(settings.variables)
    else:
        variables = candidate_columns(block, data)
    return tuple(imputed_endpoint(data, s, settings, ctx, variables)
                 for s in block.survival if s.adjust)

