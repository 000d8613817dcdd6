"""Supplement tables of model checks, from numbers the analyses hold: the E-value of every
hazard ratio the report prints (Cox group HRs, crude and adjusted; the propensity-score
comparisons' HRs)."""

from __future__ import annotations

from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table

_MODEL = {"unadjusted": "Cox, unadjusted", "adjusted": "Cox, adjusted"}
_METHOD = {"crude": "PS analysis: crude", "iptw": "PS analysis: IPTW",
           "matching": "PS analysis: matched"}


def _row(label: str, e) -> Row:
    v = e.value
    return Row(label=label, cells=(
        Cell(text=fmt.estimate_ci(v.hazard_ratio, v.conf_low, v.conf_high, 2)),
        Cell(text=f"{100 * e.event_proportion:.1f}%"),
        Cell(text="HR taken as RR (rare)" if v.rare_outcome else "sqrt transform (common)"),
        Cell(text=fmt.num(v.evalue, 2)),
        Cell(text=fmt.num(v.evalue_ci, 2) + (" (CI contains 1)" if v.limit == "crosses 1"
                                               else "")),
    ))


def evalue_rows(analyses) -> list[Row]:
    labels = analyses.group_labels
    rows = []
    for res in analyses.endpoints:
        ref = labels.get(res.reference, res.reference)
        for m in res.cox:
            for e in m.evalues if m.name in _MODEL else ():
                rows.append(_row(f"{res.label}: {_MODEL[m.name]}, "
                                 f"{labels.get(e.level, e.level)} vs {ref}", e))
    adj = analyses.adjusted
    if adj is not None:
        names = {e.endpoint: e.label for e in analyses.endpoints}
        for c in adj.comparisons:
            if c.evalue is not None:
                rows.append(_row(f"{names.get(c.endpoint, c.endpoint)}: "
                                 f"{_METHOD.get(c.method, c.method)}, "
                                 f"{labels.get(adj.treated, adj.treated)} vs "
                                 f"{labels.get(adj.reference, adj.reference)}", c.evalue))
    return rows


def evalue_table(analyses) -> dict[str, Table]:
    rows = evalue_rows(analyses)
    if not rows:
        return {}
    pct = round(100 * analyses.conventions.conf_level)
    return {"evalues": Table(
        key="evalues", title="E-values of the hazard ratios", stub="Endpoint: model, contrast",
        columns=(f"HR ({pct}% CI)", "Patients with the event", "HR \u2192 RR",
                 "E-value (estimate)", "E-value (CI limit closest to 1)"),
        rows=tuple(rows),
        footnotes=(
            "E-value: the minimum strength of association, on the risk-ratio scale, that an "
            "unmeasured confounder would need with both the group and the outcome, beyond the "
            "measured covariates, to explain away the hazard ratio (VanderWeele & Ding 2017; "
            "R EValue::evalues.HR). For the CI it is computed for the limit closest to 1, and "
            "is 1 when the interval contains 1.",
            "HR \u2192 RR: when at most 15% of the model's patients have the event the outcome "
            "is rare and the HR is taken as a risk ratio; otherwise the outcome is common and "
            "RR = (1 \u2212 0.5^\u221aHR) / (1 \u2212 0.5^\u221a(1/HR)) (VanderWeele 2020).",
        ))}
