"""One time-to-event endpoint: KM per group, log-rank, Cox models, and their tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats, fmt
from retrostudy.analysis.cox import CoxModel, cox_models, epv_warnings
from retrostudy.analysis.survival import GroupSurvival, group_survival
from retrostudy.analysis.table import Cell, Row, Table, text_cells
from retrostudy.endpoints.outcome import time_to_event_columns


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointResult:
    endpoint: str
    label: str
    groups: tuple[GroupSurvival, ...]
    logrank: dict
    cox: tuple[CoxModel, ...]
    reference: str
    warnings: tuple[str, ...]
    n_excluded: int  # rows without a time or event for this endpoint

    def model(self, name: str) -> CoxModel | None:
        return next((m for m in self.cox if m.name == name), None)

    def group_hr(self, name: str) -> dict | None:
        m = self.model(name)
        if m is None:
            return None
        return next((c for c in m.coefficients if c["variable"] == "group"), None)

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "reference_group": self.reference,
            "n_excluded_missing": self.n_excluded,
            "groups": {g.group: g.to_json() for g in self.groups},
            "logrank": self.logrank,
            "cox": [m.to_json() for m in self.cox],
            "warnings": list(self.warnings),
        }


def analyse_endpoint(
    data: pd.DataFrame, groups: list[str], spec, reference: str, conv, epv_min: float
) -> EndpointResult:
    ep = spec.endpoint
    c = time_to_event_columns(ep)
    d = data.dropna(subset=[c.time, c.event])
    per_group = tuple(
        group_survival(
            g,
            d.loc[d["group"] == g, c.time],
            d.loc[d["group"] == g, c.event],
            conv,
            spec.landmarks,
        )
        for g in groups
        if (d["group"] == g).any()
    )
    with _stats.explained(f"{ep}: log-rank test", "analyses.survival.endpoint"):
        lr = _stats.logrank(d[c.time], d[c.event], d["group"].astype(str))
    logrank = {
        "statistic": _stats.as_float(lr.statistic),
        "df": _stats.as_float(lr.df),
        "p_value": _stats.p_of(lr),
        "test": "logrank",
        "observed": [float(v) for v in np.atleast_1d(lr.observed)],
        "expected": [float(v) for v in np.atleast_1d(lr.expected)],
        "groups": [str(g) for g in np.atleast_1d(lr.groups)],
        "not_estimable": lr.not_estimable,  # None, or why there is no test (p NaN)
    }
    models = tuple(cox_models(d, spec, reference, conv))
    lr_note = [f"{ep}: {lr.not_estimable} (NE)."] if lr.not_estimable else []
    return EndpointResult(
        endpoint=ep,
        label=spec.text,
        groups=per_group,
        logrank=logrank,
        cox=models,
        reference=reference,
        warnings=tuple(lr_note + epv_warnings(list(models), ep, epv_min)),
        n_excluded=len(data) - len(d),
    )


def survival_columns(landmarks: list[float], conf_level: float) -> tuple[str, ...]:
    """Column heads of a Kaplan–Meier summary: patients, events, median and landmarks."""
    pct = int(round(conf_level * 100))
    return (
        "Patients",
        "Events",
        f"Median, months ({pct}% CI)",
        *[f"{m:g}-month survival, % ({pct}% CI)" for m in landmarks],
    )


def survival_cells(g, landmarks: list[float], ref: str | None = None) -> tuple[Cell, ...]:
    """One group's cells under :func:`survival_columns` (``g``: a group with ``n``,
    ``n_events``, ``median`` and ``landmarks``, crude or weighted); survival in percent.
    ``ref``: the endpoint's name when the counts are its analysed patients and events."""
    land = [fmt.estimate_ci(*(100 * v for v in g.landmarks[m])) for m in landmarks]
    return (
        Cell(text=str(g.n), count=g.n, ref=ref and f"ep:{ref}:n:{g.group}"),
        Cell(text=str(g.n_events), count=g.n_events, ref=ref and f"ep:{ref}:events:{g.group}"),
        Cell(text=fmt.estimate_ci(*g.median)),
        *text_cells(*land),
    )


def survival_table(res: EndpointResult, labels: dict[str, str], conv, p_digits: int) -> Table:
    lms = sorted({m for g in res.groups for m in g.landmarks})
    columns = survival_columns(lms, conv.conf_level)
    rows = [
        Row(label=labels.get(g.group, g.group), cells=survival_cells(g, lms, res.endpoint))
        for g in res.groups
    ]
    notes = [f"Log-rank test {fmt.p_text(res.logrank['p_value'], p_digits)}."]
    hr = res.group_hr("unadjusted")
    if hr:
        notes.append(
            f"Hazard ratio {labels.get(hr['level'], hr['level'])} vs "
            f"{labels.get(res.reference, res.reference)} (reference): "
            f"{fmt.estimate_ci(hr['hazard_ratio'], hr['conf_low'], hr['conf_high'], 2)}."
        )
    notes.append(
        f"Kaplan\u2013Meier estimates; {conv.conf_type} CI (Greenwood); the median's CI is where "
        "the CI bands cross 0.5 (R survival); NE = not estimable. "
        f"Months = days / {conv.days_per_month:g}."
    )
    return Table(
        key=f"survival_{res.endpoint}",
        title=f"{res.label} by group",
        columns=columns,
        rows=tuple(rows),
        footnotes=tuple(notes),
        stub="Group",
    )


def cox_table(
    res: EndpointResult,
    labels: dict[str, str],
    var_labels: dict[str, str],
    conv,
    p_digits: int,
    level_labels: dict | None = None,
) -> Table:
    """Unadjusted (group alone; each covariate alone) and adjusted HRs, one row per level."""
    level_labels = level_labels or {}
    unadj = {
        (c["variable"], str(c["level"])): c
        for m in res.cox
        if m.name != "adjusted"
        for c in m.coefficients
    }
    adj_model = res.model("adjusted")
    adj = {(c["variable"], str(c["level"])): c for c in adj_model.coefficients} if adj_model else {}
    refs = {k: v[0] for m in res.cox for k, v in m.levels.items()}
    width = 4 if adj_model else 2
    rows, seen = [], set()
    for var, level in dict.fromkeys([*unadj, *adj]):
        if var not in seen:
            seen.add(var)
            rows.append(
                Row(label=var_labels.get(var, var), cells=text_cells(*[""] * width), heading=True)
            )
            if var in refs:
                ref = _level_text(var, refs[var], labels, level_labels)
                rows.append(
                    Row(
                        label=ref, cells=text_cells(*("1 (reference)", "") * (width // 2)), indent=1
                    )
                )
        label = _level_text(var, level, labels, level_labels) if level != "None" else "per unit"
        cells = [*_hr_cells(unadj.get((var, level)), p_digits)]
        if adj_model:
            cells += _hr_cells(adj.get((var, level)), p_digits)
        rows.append(Row(label=label, cells=tuple(cells), indent=1))
    pct = int(round(conv.conf_level * 100))
    columns = (f"Unadjusted HR ({pct}% CI)", "p value") + (
        (f"Adjusted HR ({pct}% CI)", "p value") if adj_model else ()
    )
    notes = [
        f"Cox proportional-hazards models, {conv.ties} method for ties; Wald CIs and p values. "
        "Unadjusted: each variable alone."
    ]
    if adj_model:
        notes.append(
            "Adjusted: one model with "
            + ", ".join(var_labels.get(c, c) for c in adj_model.covariates)
            + f" (n = {adj_model.n}, {adj_model.n_events} events)."
        )
    notes += list(res.warnings)
    return Table(
        key=f"cox_{res.endpoint}",
        title=f"Hazard ratios for {res.label}",
        columns=columns,
        rows=tuple(rows),
        footnotes=tuple(notes),
        stub="Variable",
    )


def _level_text(var: str, level, labels: dict, level_labels: dict) -> str:
    key = (var, str(level))
    if key in level_labels:
        return level_labels[key]
    return labels.get(str(level), str(level)) if var == "group" else str(level)


def _hr_cells(c: dict | None, p_digits: int) -> tuple[Cell, Cell]:
    if c is None:
        return Cell(text=""), Cell(text="")
    return (
        Cell(text=fmt.estimate_ci(c["hazard_ratio"], c["conf_low"], c["conf_high"], 2)),
        Cell(text=fmt.p_value(c["p_value"], p_digits, "NE")),
    )
