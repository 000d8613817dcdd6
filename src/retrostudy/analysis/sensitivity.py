"""Sensitivity analyses of ``[analyses.sensitivity]``: one endpoint, several definitions.

Time-to-event rows (``endpoints``, the primary definition first): per group patients,
events and the Kaplan–Meier median (CI), the log-rank p value and the unadjusted Cox hazard
ratio — the same functions as the main survival analyses, so the primary row repeats its
numbers. Each alternative's differences from the primary definition are listed (from
``[endpoints]``). Response rows (``response``, BOR columns such as the unconfirmed ``bor``
and a ``confirmation = true`` one): objective response (CR or PR) and disease control
(CR, PR, SD or non-CR/non-PD, any duration) as n (%) of all patients of the group, with the
between-group test of Table 1's rule (chi-square when every expected count is >= 5, else
Fisher's exact test).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from retrostudy.analysis._stats import HazardRatio
from retrostudy.analysis.checks import keyed, require_columns, tte_columns
from retrostudy.analysis.context import Context
from retrostudy.analysis.endpoint import EndpointResult, analyse_endpoint
from retrostudy.analysis.table1 import choose_test, run_test
from retrostudy.protocol.analyses import SurvivalAnalysis, Table1Variable

KEY = "analyses.sensitivity"
_RESPONSE = {"objective_response": ("CR", "PR"),
             "disease_control": ("CR", "PR", "SD", "NON_CR_NON_PD")}
_RESPONSE_LABELS = {"objective_response": "Objective response (CR or PR)",
                    "disease_control": "Disease control (CR, PR, SD or non-CR/non-PD)"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Proportion:
    """``x`` of ``n`` patients."""

    x: int
    n: int

    def to_json(self) -> dict:
        return {"x": self.x, "n": self.n}


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseMeasure:
    """One response measure (objective response, disease control) by group, compared across
    groups by ``test`` ("none": not compared, p NaN)."""

    label: str
    test: str
    p_value: float
    groups: dict[str, Proportion]

    def to_json(self) -> dict:
        return {"label": self.label, "test": self.test, "p_value": self.p_value,
                "groups": {g: v.to_json() for g, v in self.groups.items()}}


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseComparison:
    """The response measures of one best-overall-response ``column``."""

    column: str
    measures: dict[str, ResponseMeasure]  # measure name -> its counts and test

    def to_json(self) -> dict:
        return {"column": self.column,
                "measures": {k: m.to_json() for k, m in self.measures.items()}}


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitivityResult:
    endpoints: tuple[EndpointResult, ...]
    differences: dict[str, str]  # endpoint -> text: how it differs from the primary definition
    response: tuple[ResponseComparison, ...]

    def to_json(self) -> dict:
        eps = []
        for e in self.endpoints:
            eps.append({
                "endpoint": e.endpoint, "label": e.label,
                "differs_from_primary": self.differences.get(e.endpoint, ""),
                "n_excluded_missing": e.n_excluded,
                "groups": {g.group: {"n": g.n, "n_events": g.n_events,
                                     "median_months": dict(zip(
                                         ("estimate", "conf_low", "conf_high"), g.median,
                                         strict=True))} for g in e.groups},
                "logrank_p_value": e.logrank.p_value,
                "logrank_test": "logrank",
                "hazard_ratios": {str(c.level): {k: getattr(c, k) for k in (
                    "hazard_ratio", "conf_low", "conf_high", "p_value", "test")}
                    for c in group_coefficients(e)},
            })
        return {"endpoints": eps, "response": [r.to_json() for r in self.response]}


def group_coefficients(e: EndpointResult) -> list[HazardRatio]:
    """The group's coefficients (one per non-reference group) of the unadjusted model."""
    m = e.model("unadjusted")
    return [c for c in m.coefficients if c.variable == "group"] if m else []


def _differences(names: list[str], items: dict) -> dict:
    """Per alternative endpoint, the settings that differ from the first (primary) one."""
    if not names or names[0] not in items:
        return {}
    base = items[names[0]].model_dump(exclude={"label"})
    out = {}
    for n in names[1:]:
        spec = items.get(n)
        if spec is None:
            continue
        mine = spec.model_dump(exclude={"label"})
        diff = [f"{k} = {_show(mine.get(k))}" for k in sorted(set(base) | set(mine))
                if base.get(k) != mine.get(k)]
        out[n] = "; ".join(diff) if diff else "same definition"
    return out


def _show(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def table2_tests(block, data) -> dict[str, str]:
    """One test per comparison: the test ``[analyses.response]`` names for a rate that is
    the same comparison as a measure here (its column equals the measure on Table 2's BOR
    column, over all patients), by measure."""
    spec = block.response
    if spec is None or spec.denominator != "analysed" or spec.column not in data:
        return {}
    out = {}
    for name, cats in _RESPONSE.items():
        flag = data[spec.column].isin(cats).to_numpy(dtype=bool)
        same = [r.test for r in spec.rates if r.test != "auto" and r.name in data
                and (data[r.name].fillna(False).astype(bool).to_numpy() == flag).all()]
        if same:
            out[name] = same[0]
    return out


def _response(data, groups, column, conv, fixed: dict[str, str]) -> ResponseComparison:
    frames = [data[data["group"] == g] for g in groups]
    measures = {}
    for name, cats in _RESPONSE.items():
        xs = [int(f[column].isin(cats).sum()) for f in frames]
        ns = [len(f) for f in frames]
        table = np.array([[x, n - x] for x, n in zip(xs, ns, strict=True)]).T
        ok = len(groups) > 1 and (table.sum(1) > 0).all()
        var = Table1Variable(name=name, kind="binary", test=fixed.get(name, "auto"))
        test = choose_test(var, len(groups), table, conv.chisq_correct) if ok else "none"
        measures[name] = ResponseMeasure(
            label=_RESPONSE_LABELS[name], test=test,
            p_value=run_test(test, table=table) if ok else float("nan"),
            groups={g: Proportion(x=x, n=n) for g, x, n in zip(groups, xs, ns, strict=True)},
        )
    return ResponseComparison(column=column, measures=measures)


def run(settings, data, ctx: Context) -> SensitivityResult:
    """The registry's entry point: ``[analyses.sensitivity]`` (``settings``)."""
    block, spec, groups, reference, conv = ctx.analyses, settings, ctx.groups, ctx.reference, \
        ctx.conv
    ep_labels = ctx.endpoint_labels
    needed = [c for ep in spec.endpoints for c in tte_columns(f"{KEY}.endpoints", ep)]
    needed += [(f"{KEY}.response", c) for c in spec.response]
    require_columns(data, needed)
    eps = []
    for ep in spec.endpoints:
        with keyed(f"{KEY}.endpoints", f"sensitivity analysis of {ep!r}"), \
                warnings.catch_warnings():  # a monotone fit is flagged in its warnings, as NE
            warnings.simplefilter("ignore", RuntimeWarning)
            eps.append(analyse_endpoint(data, list(groups), SurvivalAnalysis(
                endpoint=ep, label=ep_labels.get(ep, ep.upper()), landmarks=[],
                univariable=False), reference, conv, block.epv_min))
    return SensitivityResult(
        endpoints=tuple(eps),
        differences=_differences(list(spec.endpoints), ctx.endpoints),
        response=tuple(_response(data, list(groups), c, conv, table2_tests(block, data))
                       for c in spec.response),
    )
