"""The competing-risks tables (cumulative incidence with Gray's test; cause-specific
hazard ratios), from :class:`CompetingResult`."""

from __future__ import annotations

from retrostudy.analysis.competing import CompetingResult
from retrostudy.analysis.competing_status import CAUSE_LABELS, CAUSES
from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table


def _group_hr_cells(models, model: str, g: str, reference: str, p_digits: int):
    """HR (CI) and p of group ``g`` vs the reference in the model named ``model`` of
    ``models`` (cause-specific Cox or Fine-Gray); blank when there is none."""
    if g == reference:
        return "1 (reference)", ""
    m = next((m for m in models if m.name == model), None)
    hr = next((c for c in (m.coefficients if m else ())
               if c.variable == "group" and str(c.level) == g), None)
    if hr is None:
        return "", ""
    return (fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2),
            fmt.p_value(hr.p_value, p_digits, "NE"))


def _hr_text(res: CompetingResult, cause: str, model: str, g: str, p_digits: int):
    return _group_hr_cells(res.cox.get(cause, ()), model, g, res.reference, p_digits)


def competing_tables(res: CompetingResult, labels: dict, conv, p_digits: int,
                     var_labels: dict | None = None) -> dict:
    """``competing_<ep>``: cumulative incidence and Gray's test; ``competing_cox_<ep>``:
    cause-specific hazard ratios."""
    pct = int(round(conv.conf_level * 100))
    rows = []
    for c, cause in CAUSES.items():
        gray = res.gray.get(cause)
        gp = "" if gray is None else (
            fmt.p_value(gray.p_value, p_digits) or ("NE" if gray.note is not None else ""))
        rows.append(Row(label=CAUSE_LABELS[c], heading=True, cells=tuple(
            Cell(text="") for _ in range(2 + len(res.landmarks))) + (Cell(text=gp),)))
        for g, v in res.groups.items():
            k = v.events[cause]
            marks = [x for x in v.landmarks if x.cause == cause]
            cells = [Cell(text=str(v.n), count=v.n, ref=f"cr:{res.endpoint}:n:{g}"),
                     Cell(text=str(k), count=k, ref=f"cr:{res.endpoint}:{cause}:{g}")]
            cells += [Cell(text=fmt.estimate_ci(100 * x.incidence, 100 * x.conf_low,
                                                100 * x.conf_high)) for x in marks]
            rows.append(Row(label=labels.get(g, g), indent=1, cells=(*cells, Cell(text=""))))
    notes = [
        f"Causes: {res.rule}.",
        "Cumulative incidence (%): Aalen–Johansen estimator (infinitesimal-jackknife "
        f"standard error, {pct}% CI on the log scale, as R survival's multi-state survfit); "
        "NE = not estimable. Gray's test compares the cumulative incidence of one cause "
        "across groups (cmprsk, \u03c1 = 0).",
    ]
    notes += [w for w in res.warnings if w.startswith("Gray's test")]
    if res.n_excluded:
        notes.append(f"{res.n_excluded} patient(s) without a value of the endpoints left out.")
    cif = Table(key=f"competing_{res.endpoint}", title=f"Competing risks: {res.label}",
                stub="Cause / group", columns=(
                    "Patients", "Events",
                    *[f"{m:g} months, % ({pct}% CI)" for m in res.landmarks], "Gray's test p"),
                rows=tuple(rows), footnotes=tuple(notes))
    cox = _cox_table(res, labels, conv, p_digits, var_labels or {})
    out = {cif.key: cif, cox.key: cox}
    if any(res.finegray.values()):
        fg = _finegray_table(res, labels, conv, p_digits, var_labels or {})
        out[fg.key] = fg
    return out


def _fg_text(res: CompetingResult, cause: str, model: str, g: str, p_digits: int):
    return _group_hr_cells(res.finegray.get(cause, ()), model, g, res.reference, p_digits)


def _finegray_table(res: CompetingResult, labels: dict, conv, p_digits: int,
                    var_labels) -> Table:
    """``competing_finegray_<ep>``: subdistribution HRs, laid out as the cause-specific
    table so the two read side by side."""
    adj = bool(res.adjust)
    rows, columns = _by_cause(res, labels, conv, p_digits, _fg_text, "SHR")
    notes = [
        "Fine\u2013Gray proportional subdistribution hazards models (Fine & Gray 1999; R "
        "cmprsk::crr): the hazard of one cause with patients who had the other cause kept in "
        "the risk set, weighted by the censoring distribution; sandwich variance, Wald CIs "
        f"and p values; reference group {labels.get(res.reference, res.reference)}."
        + (f" Adjusted for {', '.join(var_labels.get(a, a) for a in res.adjust)}."
           if adj else ""),
        "SHR = subdistribution hazard ratio; it describes the cumulative incidence of the "
        "cause, while the cause-specific HR describes its rate among patients still free of "
        "either event.",
        *(f"{CAUSE_LABELS[c]}, {m.name} model: not estimable ({m.not_estimable}); NE."
          for c, cause in CAUSES.items() for m in res.finegray.get(cause, ())
          if m.not_estimable),
    ]
    return Table(key=f"competing_finegray_{res.endpoint}",
                 title=f"Subdistribution hazard ratios (Fine\u2013Gray): {res.label}",
                 stub="Cause / group", columns=columns, rows=rows,
                 footnotes=tuple(notes))



def _cox_table(res: CompetingResult, labels: dict, conv, p_digits: int, var_labels) -> Table:
    adj = bool(res.adjust)
    rows, columns = _by_cause(res, labels, conv, p_digits, _hr_text, "HR")
    notes = [
        f"Cause-specific Cox models ({conv.ties} ties, Wald CIs): the hazard of one cause, the "
        f"other cause censored; reference group {labels.get(res.reference, res.reference)}."
        + (f" Adjusted for {', '.join(var_labels.get(a, a) for a in res.adjust)}."
           if adj else ""),
        *(w for w in res.warnings if not w.startswith("Gray's test")),
    ]
    return Table(key=f"competing_cox_{res.endpoint}",
                 title=f"Cause-specific hazard ratios: {res.label}", stub="Cause / group",
                 columns=columns, rows=rows, footnotes=tuple(notes))


def _by_cause(res: CompetingResult, labels: dict, conv, p_digits: int, text, ratio: str):
    """(rows, columns) of a per-cause ratio table: a heading row per cause, a row per group
    with ``text(res, cause, model, group, p_digits)`` for the crude and (when adjusted) the
    adjusted model; ``ratio`` names the column ("HR", "SHR")."""
    pct = int(round(conv.conf_level * 100))
    adj = bool(res.adjust)
    rows = []
    for c, cause in CAUSES.items():
        rows.append(Row(label=CAUSE_LABELS[c], heading=True,
                        cells=tuple(Cell(text="") for _ in range(4 if adj else 2))))
        for g in res.groups:
            cells = [*text(res, cause, "unadjusted", g, p_digits)]
            if adj:
                cells += text(res, cause, "adjusted", g, p_digits)
            rows.append(Row(label=labels.get(g, g), indent=1,
                            cells=tuple(Cell(text=t) for t in cells)))
    columns = (f"Crude {ratio} ({pct}% CI)", "p value")
    if adj:
        columns += (f"Adjusted {ratio} ({pct}% CI)", "p value")
    return tuple(rows), columns
