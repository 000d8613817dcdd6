"""Tables of the time-to-event endpoints: Kaplan–Meier summary by group and the Cox hazard
ratios (unadjusted, each covariate alone, adjusted), from :class:`EndpointResult`."""

from __future__ import annotations

from retrostudy.analysis.endpoint import EndpointResult
from retrostudy.report import fmt
from retrostudy.report.pvalues import TEST_NAMES
from retrostudy.report.table import Cell, Row, Table, text_cells


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



def endpoint_survival_table(res: EndpointResult, labels: dict[str, str], conv,
                            p_digits: int) -> Table:
    lms = sorted({m for g in res.groups for m in g.landmarks})
    columns = survival_columns(lms, conv.conf_level)
    rows = [
        Row(label=labels.get(g.group, g.group), cells=survival_cells(g, lms, res.endpoint))
        for g in res.groups
    ]
    test = TEST_NAMES[res.test]
    notes = [f"{test[:1].upper()}{test[1:]} {fmt.p_text(res.logrank.p_value, p_digits)}."]
    if res.entry is not None:
        notes.append(f"Delayed entry (left truncation): {res.entry.n_delayed} of "
                     f"{res.entry.n} patients enter observation after the index date; each "
                     "is at risk from entry to event or censoring.")
    hr = res.group_hr("unadjusted")
    if hr:
        notes.append(
            f"Hazard ratio {labels.get(hr.level, hr.level)} vs "
            f"{labels.get(res.reference, res.reference)} (reference): "
            f"{fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2)}."
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
        (c.variable, str(c.level)): c
        for m in res.cox
        if m.name != "adjusted"
        for c in m.coefficients
    }
    firth = {(c.variable, str(c.level)) for m in res.cox
             if m.name != "adjusted" and m.method == "firth" for c in m.coefficients}
    adj_model = res.model("adjusted")
    adj = {(c.variable, str(c.level)): c for c in adj_model.coefficients} if adj_model else {}
    adj_firth = adj_model is not None and adj_model.method == "firth"
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
        cells = [*_hr_cells(unadj.get((var, level)), p_digits, (var, level) in firth)]
        if adj_model:
            cells += _hr_cells(adj.get((var, level)), p_digits, adj_firth)
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
    if firth or adj_firth:
        notes.append(FIRTH_NOTE)
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



FIRTH_MARK = "\u2020"
FIRTH_NOTE = (
    f"{FIRTH_MARK} Firth-penalised (monotone likelihood): the ordinary Cox estimate does not "
    "exist (a level without events, or separation), so the model is fitted by Firth's "
    "penalised partial likelihood (Heinze & Schemper 2001; Breslow ties), with "
    "profile penalised-likelihood CI and p, as R's coxphf."
)


def _hr_cells(c, p_digits: int, firth: bool = False) -> tuple[Cell, Cell]:
    if c is None:
        return Cell(text=""), Cell(text="")
    mark = FIRTH_MARK if firth else ""
    return (
        Cell(text=fmt.estimate_ci(c.hazard_ratio, c.conf_low, c.conf_high, 2) + mark),
        Cell(text=fmt.p_value(c.p_value, p_digits, "NE")),
    )

