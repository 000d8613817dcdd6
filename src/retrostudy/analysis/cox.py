"""Cox models for one endpoint: the group alone, each covariate alone, and the adjusted model.

The group's reference is ``[groups].reference``; categorical covariates use the reference
named in ``[analyses.survival].reference`` (else their first level in sorted order, as R
does for factors). Rows with a missing covariate are left out of the models that use it
(complete cases; the n used is reported). Fewer than ``epv_min`` events per model term
adds a warning to the results, never a Python warning.

A model that cannot be fitted on these data -- no events among its complete cases, a
covariate with one value, a covariate that is a combination of others (R: coefficient NA,
"X matrix deemed to be singular") -- is kept with every estimate missing (NE) and the reason
in ``not_estimable``; the study goes on. docs/statistics.md, "Degenerate data".
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis._stats import NOT_TESTED, HazardRatio, Level, ModelTests
from retrostudy.analysis.model_checks import EValueOf, PHCheck, group_evalues, ph_check
from retrostudy.endpoints.outcome import time_to_event_columns


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxModel:
    name: str  # "unadjusted" | "adjusted" | "univariable:<covariate>"
    covariates: tuple[str, ...]
    n: int
    n_events: int
    coefficients: tuple[HazardRatio, ...]
    epv: float
    tests: ModelTests
    levels: dict[str, list[Level]]  # categorical covariate -> its levels, reference first
    monotone: bool = False  # likelihood without a maximum: hazard ratios not estimable
    fit_warnings: tuple[str, ...] = ()
    not_estimable: str | None = None  # why the model could not be fitted (estimates NaN)
    evalues: tuple[EValueOf, ...] = ()  # of the group terms (model_checks.py)
    ph: PHCheck | None = None  # cox.zph of the unadjusted and adjusted models
    method: str = "standard"  # "firth": Firth's penalised fit, used as the likelihood is monotone

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "covariates": list(self.covariates),
            "n": self.n,
            "n_events": self.n_events,
            "events_per_term": self.epv,
            "coefficients": [c.to_json() for c in self.coefficients],
            "tests": self.tests.to_json(),
            "monotone": self.monotone,
            "not_estimable": self.not_estimable,
            "reference_levels": {k: v[0] for k, v in self.levels.items()},
            "evalues": [e.to_json() for e in self.evalues],
            "ph_test": self.ph.to_json() if self.ph else None,
            "method": self.method,
        }


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _levels(data: pd.DataFrame, covariates, spec, reference_group: str) -> dict:
    levels = {}
    for cov in covariates:
        if cov == "group":
            others = sorted(set(data["group"].dropna().unique()) - {reference_group})
            levels["group"] = [reference_group, *others]
        elif _is_categorical(data[cov]):
            values = sorted(data[cov].dropna().unique(), key=str)
            ref = spec.reference.get(cov, values[0] if values else None)
            levels[cov] = [ref, *[v for v in values if v != ref]]
    return levels


def _column(series: pd.Series) -> np.ndarray:
    if _is_categorical(series):
        return series.astype(object).to_numpy()
    return series.to_numpy(float)


def _unbounded(row) -> bool:
    """A hazard-ratio CI open on both sides, (0, inf): the data say nothing about it."""
    low, high = row.conf_low, row.conf_high
    return not (low is not None and low > 0) and not (high is not None and np.isfinite(high))


def fit_model(data, name, covariates, spec, reference_group, conv,
              firth_if_monotone: bool = False, entry: str | None = None) -> CoxModel:
    """One Cox model on the complete cases of its columns. ``firth_if_monotone``: when the
    likelihood is monotone, refit with Firth's penalised likelihood (Heinze & Schemper 2001;
    R ``coxphf``: Breslow ties, profile penalised-likelihood CI and p) and report that fit
    (``method = "firth"``; ``monotone`` stays True, it describes the ordinary likelihood).
    ``entry``: a column of ``data`` with entry days (delayed entry, R's
    ``Surv(entry, time, event)``; no Firth refit, no concordance, no PH check)."""
    ep = spec.endpoint
    c = time_to_event_columns(ep)
    cols = [c.time, c.event, *covariates, *([entry] if entry else [])]
    d = data[list(dict.fromkeys(cols))].dropna()  # only the model's columns are copied
    frame = {"time": d[c.time].to_numpy(float), "event": d[c.event].to_numpy(int)}
    if entry:
        frame["_entry"] = d[entry].to_numpy(float)
    for cov in covariates:
        frame[cov] = _column(d[cov])
    levels = _levels(d, covariates, spec, reference_group)
    n_events = int(frame["event"].sum())
    with _stats.explained(f"{ep}: {name} Cox model", "analyses.survival.adjust"):
        try:
            fit = _stats.cox(frame, covariates=list(covariates), levels=levels, conv=conv,
                             entry="_entry" if entry else None)
        except ValueError as exc:
            if not _stats.DEGENERATE.search(str(exc)):
                raise
            return _not_estimable(name, covariates, d, levels, n_events,
                                  _stats.degenerate_reason(exc))
        firth = firth_if_monotone and bool(fit.monotone) and not entry
        if firth:
            try:
                # a flat likelihood divides by zero on its way to no estimate: judged below
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    pen = _stats.cox(frame, covariates=list(covariates), levels=levels,
                                     conv=conv, firth=True)
            except ValueError:
                # no penalised estimate either: a flat likelihood (e.g. every event where
                # only one group is at risk) has a singular information; NE as before
                firth = False
            else:
                # a flat likelihood can also leave a numerically tiny, not exactly singular
                # information: the penalised profile CI is then unbounded on both sides, which
                # a monotone (one-sided) likelihood never gives; no estimate, NE as before
                firth = not any(_unbounded(r) for r in _stats.coefficient_records(pen))
                fit = pen if firth else fit
    coefs = _stats.coefficient_records(fit)
    tests = _stats.model_tests(fit, delayed_entry=bool(entry))
    return CoxModel(
        name=name,
        covariates=tuple(covariates),
        n=len(d),
        n_events=n_events,
        coefficients=tuple(coefs),
        epv=n_events / max(len(coefs), 1),
        tests=tests,
        levels=levels,
        monotone=bool(fit.monotone),
        fit_warnings=tuple(fit.warnings),
        evalues=group_evalues(coefs, n_events, len(d)),
        ph=None if fit.monotone or entry or name.startswith("univariable") else ph_check(fit),
        method="firth" if firth else "standard",
    )


def _not_estimable(name, covariates, d, levels, n_events, reason) -> CoxModel:
    """A model without a fit: one NaN row per term it would have had (as R's NA)."""
    rows = [
        HazardRatio(variable=cov, level=lv, hazard_ratio=math.nan, conf_low=math.nan,
                    conf_high=math.nan, p_value=math.nan, test="wald")
        for cov in covariates
        for lv in (levels[cov][1:] if cov in levels else [None])
    ]
    return CoxModel(
        name=name,
        covariates=tuple(covariates),
        n=len(d),
        n_events=n_events,
        coefficients=tuple(rows),
        epv=n_events / max(len(rows), 1),
        tests=ModelTests(lr=NOT_TESTED, wald=NOT_TESTED, score=NOT_TESTED,
                         concordance=math.nan),
        levels=levels,
        not_estimable=reason,
    )


def cox_models(data: pd.DataFrame, spec, reference_group: str, conv,
               entry: str | None = None) -> list[CoxModel]:
    """The endpoint's models; a monotone likelihood gets Firth's estimate (``method``),
    except with delayed entry (``entry``: the column of entry days), where it stays NE."""
    models = [fit_model(data, "unadjusted", ["group"], spec, reference_group, conv, True,
                        entry)]
    if spec.univariable:
        for cov in spec.adjust:
            models.append(fit_model(data, f"univariable:{cov}", [cov], spec, reference_group,
                                    conv, True, entry))
    if spec.adjust:
        models.append(
            fit_model(data, "adjusted", ["group", *spec.adjust], spec, reference_group, conv,
                      True, entry)
        )
    return models


def epv_warnings(models: list[CoxModel], endpoint: str, epv_min: float) -> list[str]:
    """Too few events per term (adjusted and unadjusted models), and any model whose
    likelihood is monotone (its hazard ratios are printed as NE)."""
    few = [
        f"{endpoint}: the {m.name} Cox model has {m.n_events} events for {len(m.coefficients)} "
        f"term(s) ({m.epv:.1f} events per term, below {epv_min:g}); its estimates may be unstable."
        for m in models
        if m.epv < epv_min and not m.name.startswith("univariable") and not m.not_estimable
    ]
    monotone = [
        f"{endpoint}: the {m.name} Cox model has a monotone likelihood (a level with no events, "
        "or separation), so its ordinary hazard ratios are not estimable; "
        + ("Firth's penalised estimates are shown instead (profile-likelihood CI and p, "
           "Breslow ties, as R's coxphf)." if m.method == "firth" else
           "they are shown as NE; consider fewer terms, merging sparse levels, or Firth's "
           "penalised likelihood (retrostudy.stats.cox_ph(..., firth=True)).")
        for m in models
        if m.monotone
    ]
    failed = [
        f"{endpoint}: the {m.name} Cox model is not estimable ({m.not_estimable}); its hazard "
        "ratios are shown as NE."
        for m in models
        if m.not_estimable
    ]
    return few + monotone + failed
