"""Subgroup analyses of ``[[analyses.subgroups]]``: the group's hazard ratio within each level.

For each variable (a yes/no or categorical column of the analysis dataset, or a
``[[analyses.derived]]`` one) and each of its levels: patients and events per group and the
unadjusted Cox hazard ratio of each group vs the reference (the study's Cox conventions),
plus the test of the group-by-variable interaction
(:func:`retrostudy.stats.interaction_test`) on the patients with a value of the variable.
A level gets no hazard ratio (NE, with the reason) when a group is absent from it or when it
has fewer than ``min_events`` events. A fit whose likelihood is monotone (a group without
events in the level, or separation) is refitted with Firth's penalised likelihood, as the
endpoint models (Heinze & Schemper 2001; profile penalised-likelihood CI and p, Breslow
ties, R's ``coxphf``); its hazard ratio carries ``method = "firth"``. Patients with a
missing value are left out of that variable (their number is reported).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis.checks import fail, keyed, require_columns, tte_columns
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import fit_model
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import interaction_test


@dataclass(frozen=True, slots=True)
class _CoxSpec:
    endpoint: str
    reference: dict[str, _stats.Level]


@dataclass(frozen=True, slots=True, kw_only=True)
class Count:
    """Patients and events of one group in one subgroup row."""

    n: int
    events: int

    def to_json(self) -> dict:
        return {"n": self.n, "events": self.events}


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupHR:
    """The unadjusted hazard ratio of a group vs the reference within one row, its CI and
    the p of the same Wald statistic (``test``); ``not_estimable``: why there is none (all
    NaN, no test)."""

    hazard_ratio: float
    conf_low: float
    conf_high: float
    p_value: float
    test: str | None
    not_estimable: str | None = None
    method: str | None = None  # "firth": Firth's penalised fit (a monotone likelihood)

    def to_json(self) -> dict:
        out = {"hazard_ratio": self.hazard_ratio, "conf_low": self.conf_low,
               "conf_high": self.conf_high, "p_value": self.p_value, "test": self.test}
        if self.not_estimable is not None:
            out["not_estimable"] = self.not_estimable
        if self.method is not None:
            out["method"] = self.method
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupRow:
    """One row: all patients (``value`` None) or one level of a variable."""

    n: int  # patients of the row with a time and an event
    counts: dict[str, Count]  # group -> its patients and events
    hazard_ratios: dict[str, SubgroupHR]  # each non-reference group -> its HR vs the reference
    value: str | None = None  # the level, as Table 1 names it ("1" for a stored 1.0)
    label: str | None = None

    @property
    def n_groups(self) -> int:
        """Patients of the row in the study's groups (the forest label's n)."""
        return sum(c.n for c in self.counts.values())

    def to_json(self) -> dict:
        out: dict = {} if self.value is None else {"value": self.value, "label": self.label}
        return out | {"n": self.n, "counts": {g: c.to_json() for g, c in self.counts.items()},
                      "hazard_ratios": {g: h.to_json() for g, h in self.hazard_ratios.items()}}


@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionTest:
    """The group-by-variable interaction test (:func:`retrostudy.stats.interaction_test`):
    ``method`` in words, ``test`` its name in results.json (None: a method without one);
    ``computed`` False: no test (NaN, ``note`` says why)."""

    statistic: float
    df: float
    p_value: float
    method: str = ""
    test: str | None = None
    note: str | None = None
    computed: bool = True

    def to_json(self) -> dict:
        out: dict = {"statistic": self.statistic, "df": self.df, "p_value": self.p_value,
                     "method": self.method}
        if self.computed:
            out["test"] = self.test
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupVariable:
    """One subgroup variable: its levels (rows) and the interaction test."""

    variable: str
    label: str
    n_missing: int  # patients without a value, left out of this variable
    levels: tuple[SubgroupRow, ...]
    interaction: InteractionTest

    def to_json(self) -> dict:
        return {"variable": self.variable, "label": self.label, "n_missing": self.n_missing,
                "levels": [lv.to_json() for lv in self.levels],
                "interaction": self.interaction.to_json()}


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupResult:
    endpoint: str
    label: str
    reference: str
    groups: tuple[str, ...]
    overall: SubgroupRow  # the "All patients" row
    variables: tuple[SubgroupVariable, ...]
    min_events: int
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "label": self.label,
            "reference_group": self.reference,
            "min_events": self.min_events,
            "overall": self.overall.to_json(),
            "variables": [v.to_json() for v in self.variables],
        }


def _keys_of(values: pd.Series) -> np.ndarray:
    """``values.map(value_key)`` as an object array, calling value_key once per distinct
    value (265k rows, a handful of levels)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.array([value_key(v) for v in distinct], dtype=object)[codes]


def value_key(value) -> str:
    """The text a level is known by: ``1`` for a stored 1.0 (as Table 1's levels name it)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _levels(series: pd.Series, var: str, key: str, order: list, max_levels: int) -> list:
    values = list(dict.fromkeys(series.dropna().unique().tolist()))
    if pd.api.types.is_float_dtype(series) and any(float(v) != int(v) for v in values):
        fail(key, f"subgroup variable {var!r} is continuous", hint="cut it into levels with "
             "[[analyses.derived]] (column >= at_least) and name the derived variable",
             code="subgroup_continuous")
    if len(values) > max_levels:
        fail(key, f"subgroup variable {var!r} has {len(values)} distinct values (more than "
             f"max_levels = {max_levels})", hint="merge levels or cut it with "
             "[[analyses.derived]]", code="subgroup_levels")
    listed = [v for o in order for v in values if value_key(v) == o]
    return listed + sorted((v for v in values if v not in listed), key=str)


def _cell(d: pd.DataFrame, ep: str, groups) -> dict[str, Count]:
    return {g: Count(n=int((d["group"] == g).sum()),
                     events=int(d.loc[d["group"] == g, time_to_event_columns(ep).event].sum()))
            for g in groups}


def _ne_reason(counts: dict[str, Count], reference: str, g: str, min_events: int,
               labels) -> str | None:
    pair = (counts[reference], counts[g])
    if not all(c.n for c in pair):
        missing = [labels.get(x, x) for x, c in zip((reference, g), pair, strict=True)
                   if not c.n]
        return f"no patients in {', '.join(missing)}"
    total = sum(c.events for c in pair)
    if total < min_events:
        return f"{total} event(s), fewer than {min_events}"
    return None  # a group without events: monotone likelihood, Firth's fit (_hrs)


def _hrs(d, ep, groups, reference, conv, min_events, labels, value=None,
         label=None) -> SubgroupRow:
    counts = _cell(d, ep, groups)
    hrs = {}
    for g in groups:
        if g == reference:
            continue
        why, c, firth = _ne_reason(counts, reference, g, min_events, labels), None, False
        if why is None:
            pair = d[d["group"].isin([reference, g])]
            with warnings.catch_warnings():  # a monotone fit is reported as NE below
                warnings.simplefilter("ignore", RuntimeWarning)
                fit = fit_model(pair, "unadjusted", ["group"], _CoxSpec(ep, {}), reference, conv,
                                firth_if_monotone=True)
            c = next((c for c in fit.coefficients if str(c.level) == g), None)
            why = fit.not_estimable or ("monotone likelihood" if c is None or (
                fit.monotone and fit.method != "firth") else None)
            firth = fit.method == "firth"
        hrs[g] = (
            SubgroupHR(hazard_ratio=math.nan, conf_low=math.nan, conf_high=math.nan,
                       p_value=math.nan, test=None, not_estimable=why)
            if why is not None or c is None
            else SubgroupHR(hazard_ratio=c.hazard_ratio, conf_low=c.conf_low,
                            conf_high=c.conf_high, p_value=c.p_value, test=c.test,
                            method="firth" if firth else None)
        )
    return SubgroupRow(n=len(d), counts=counts, hazard_ratios=hrs, value=value, label=label)


_INTERACTION_TESTS = {"likelihood ratio": "interaction_lr", "wald": "interaction_wald",
                      "robust wald": "interaction_robust_wald"}


def _interaction(d, ep, var, conv, reference) -> InteractionTest:
    """Likelihood-ratio test of group x variable (:func:`retrostudy.stats.interaction_test`)."""
    if d[var].nunique() < 2 or d["group"].nunique() < 2:
        return InteractionTest(statistic=math.nan, df=math.nan, p_value=math.nan,
                               note="fewer than two levels or groups", computed=False)
    groups = d["group"].astype(str).to_numpy(object)
    order = [reference, *sorted(set(groups) - {reference})]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            c = time_to_event_columns(ep)
            res = interaction_test(d[c.time].to_numpy(float),
                                   d[c.event].to_numpy(int), groups,
                                   _keys_of(d[var]), ties=conv.ties,
                                   levels={"group": order}, treatment_name="group",
                                   subgroup_name=var)
    except ValueError as exc:
        return InteractionTest(statistic=math.nan, df=math.nan, p_value=math.nan,
                               note=str(exc), computed=False)
    return InteractionTest(
        statistic=_stats.as_float(res.statistic), df=_stats.as_float(res.df),
        p_value=_stats.as_float(res.p_value), method=str(res.method),
        test=_INTERACTION_TESTS.get(str(res.method).lower()),
        note=("; ".join(res.warnings) or "no estimable interaction term")
        if not res.estimable or res.warnings else None)


def run_subgroup(i, spec, data, groups, reference, conv, labels, level_labels, var_labels,
                 ep_label) -> SubgroupResult:
    key = f"analyses.subgroups[{i}]"
    ep = spec.endpoint
    require_columns(data, tte_columns(f"{key}.endpoint", ep)
                    + [(f"{key}.variables", v) for v in spec.variables])
    c = time_to_event_columns(ep)
    used = list(dict.fromkeys([c.time, c.event, "group", *spec.variables]))
    d = data[used].dropna(subset=[c.time, c.event])  # copies only these columns
    d = d[d["group"].isin(groups)]  # patients outside every group are not compared
    with keyed(f"{key}.endpoint", "subgroup analysis, all patients"):
        overall = _hrs(d, ep, groups, reference, conv, spec.min_events, labels)
    variables = []
    for var in spec.variables:
        order = [v for (name, v) in level_labels if name == var]
        sub = d.dropna(subset=[var])
        levels = []
        for value in _levels(sub[var], var, f"{key}.variables", order, spec.max_levels):
            text = value_key(value)
            shown = {"True": "Yes", "False": "No"}.get(text, text) if isinstance(
                value, (bool, np.bool_)) else text
            with keyed(f"{key}.variables", f"subgroup {var} = {text}"):
                levels.append(_hrs(sub[sub[var] == value], ep, groups, reference, conv,
                                   spec.min_events, labels, value=text,
                                   label=level_labels.get((var, text), shown)))
        variables.append(SubgroupVariable(
            variable=var, label=var_labels.get(var, var), n_missing=len(d) - len(sub),
            levels=tuple(levels), interaction=_interaction(sub, ep, var, conv, reference)))
    return SubgroupResult(endpoint=ep, label=spec.label or ep_label, reference=reference,
                          groups=tuple(groups), overall=overall, variables=tuple(variables),
                          min_events=spec.min_events)


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[SubgroupResult, ...]:
    """The registry's entry point: every ``[[analyses.subgroups]]`` entry (``settings``)."""
    return tuple(
        run_subgroup(i, spec, data, list(ctx.groups), ctx.reference, ctx.conv, ctx.group_labels,
                     ctx.level_labels, ctx.var_labels,
                     ctx.endpoint_labels.get(spec.endpoint, spec.endpoint.upper()))
        for i, spec in enumerate(settings)
    )
