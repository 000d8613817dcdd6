"""The sensitivity-analysis tables (alternative endpoint definitions; unconfirmed vs
confirmed best response), from :class:`SensitivityResult`."""

from __future__ import annotations

from retrostudy.analysis.endpoint import EndpointResult
from retrostudy.analysis.sensitivity import SensitivityResult, group_coefficients
from retrostudy.report import fmt
from retrostudy.report.pvalues import TEST_NAMES, TestMarks
from retrostudy.report.table import Cell, Row, Table


def sensitivity_tables(res: SensitivityResult, groups, labels, conv, p_digits) -> dict:
    pct = int(round(conv.conf_level * 100))
    tables = {}
    if res.endpoints:
        first = res.endpoints[0]
        rows = [r for e in res.endpoints for r in _tte_rows(e, groups, labels, p_digits)]
        notes = [f"Kaplan\u2013Meier medians in months ({pct}% CI, {conv.conf_type}); log-rank "
                 f"p: {TEST_NAMES['logrank']}; unadjusted Cox hazard ratio ({conv.ties} ties) vs "
                 f"{labels.get(first.reference, first.reference)} with its p value: "
                 f"{TEST_NAMES['wald']}, as its CI. First: the primary "
                 f"definition ({first.endpoint})."]
        notes += [f"{e.endpoint}: differs from {first.endpoint} in "
                  f"{res.differences[e.endpoint]}." for e in res.endpoints[1:]
                  if e.endpoint in res.differences]
        notes += [w for e in res.endpoints for w in e.warnings
                  if "monotone" in w or "not estimable" in w]
        tables["sensitivity"] = Table(
            key="sensitivity", title="Sensitivity analyses: alternative endpoint definitions",
            stub="Definition / group",
            columns=("Patients", "Events", f"Median, months ({pct}% CI)", "Log-rank p",
                     f"HR ({pct}% CI)", "p value"),
            rows=tuple(rows), footnotes=tuple(notes))
    if res.response:
        tables["sensitivity_response"] = _response_table(res.response, groups, labels,
                                                         p_digits)
    return tables



def _tte_rows(e: EndpointResult, groups, labels, p_digits) -> list[Row]:
    """A heading row with the log-rank p, then one row per group with its HR vs the
    reference (one HR per non-reference group, so any number of groups reads right)."""
    by = {g.group: g for g in e.groups}
    hrs = {str(c.level): c for c in group_coefficients(e)}
    rows = [Row(label=f"{e.label} ({e.endpoint})", heading=True, cells=(
        *(Cell(text="") for _ in range(3)),
        Cell(text=fmt.p_value(e.logrank.p_value, p_digits, "NE")), Cell(text=""),
        Cell(text="")))]
    for g in groups:
        s = by.get(g)
        if s is None:
            continue
        hr = hrs.get(g)
        hr_cells = ((fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2),
                     fmt.p_value(hr.p_value, p_digits, "NE")) if hr else
                    ("1 (reference)", "") if g == e.reference else ("", ""))
        rows.append(Row(label=labels.get(g, g), indent=1, cells=(
            Cell(text=str(s.n), count=s.n, ref=f"ep:{e.endpoint}:n:{g}"),
            Cell(text=str(s.n_events), count=s.n_events, ref=f"ep:{e.endpoint}:events:{g}"),
            Cell(text=fmt.estimate_ci(*s.median)), Cell(text=""),
            *(Cell(text=t) for t in hr_cells))))
    return rows



def _response_table(response, groups, labels, p_digits) -> Table:
    rows, marks = [], TestMarks()
    for r in response:
        rows.append(Row(label=f"Best overall response: {r.column}", heading=True,
                        cells=tuple(Cell(text="") for _ in range(len(groups) + 1))))
        for name, m in r.measures.items():
            cells = [Cell(text=fmt.count_pct(v.x, v.n), count=v.x, denominator=v.n,
                          ref=f"resp:{r.column}:{name}:{g}")
                     for g, v in m.groups.items()]
            rows.append(Row(label=m.label, indent=1,
                            cells=(*cells, Cell(text=marks.p(m.p_value, m.test, p_digits)))))
    notes = ("n (%) of all patients of the group. Disease control here is the RECIST one "
             "(stable disease as the BOR endpoint defines it, e.g. its minimum duration), not "
             "a rate requiring stable disease beyond a longer duration.",
             "Each comparison uses the test Table 2 uses for it (when Table 2 names one); "
             "otherwise Table 1's rule for a yes/no row.",
             *marks.footnotes())
    return Table(key="sensitivity_response",
                 title="Sensitivity analyses: unconfirmed vs confirmed best response",
                 stub="Definition", columns=(*[labels.get(g, g) for g in groups], "p value"),
                 rows=tuple(rows), footnotes=notes)

