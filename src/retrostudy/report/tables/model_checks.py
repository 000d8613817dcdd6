"""Supplement tables of model checks, from numbers the analyses hold: the E-value of every
hazard ratio the report prints (Cox group HRs, crude and adjusted; the propensity-score
comparisons' HRs) and the proportional-hazards test (cox.zph) of every Cox model."""

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


def ph_tables(analyses) -> dict[str, Table]:
    """One table per endpoint: cox.zph of its unadjusted and adjusted Cox models."""
    out = {}
    for res in analyses.endpoints:
        rows = []
        for m in res.cox:
            if m.ph is None:
                continue
            for t in (*m.ph.zph.terms, m.ph.zph.global_test):
                term = ("Global" if t.term == "GLOBAL"
                        else analyses.var_labels.get(t.term, t.term))
                rows.append(Row(label=f"{_MODEL[m.name]}: {term}", cells=(
                    Cell(text=fmt.num(t.chisq, 2)), Cell(text=str(t.df)),
                    Cell(text=fmt.p_value(t.p_value, analyses.p_digits, "NE")))))
        if rows:
            out[f"ph_{res.endpoint}"] = Table(
                key=f"ph_{res.endpoint}",
                title=f"Proportional-hazards check: {res.label}", stub="Model: term",
                columns=("Chi-square", "df", "p"), rows=tuple(rows),
                footnotes=(
                    "Score test of proportional hazards of each term and of all terms together "
                    "(Grambsch & Therneau 1994), on the Kaplan\u2013Meier time scale, as R's "
                    "cox.zph(fit) (survival \u2265 3.0). A small p suggests the hazard ratio "
                    "changes over time; see the scaled Schoenfeld residual figures.",))
    return out
