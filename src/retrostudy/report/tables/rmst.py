"""The restricted-mean-survival-time table, from :class:`RmstEndpoint` results."""

from __future__ import annotations

from retrostudy.analysis.rmst import RmstEndpoint
from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table


def rmst_table(results, group_labels: dict, conf_level: float, p_digits: int) -> Table:
    pct = int(round(conf_level * 100))
    rows = []
    for res in results:
        rows.append(Row(label=f"{res.label} (\u03c4 = {res.tau:.1f} months)",
                        cells=tuple(Cell(text="") for _ in range(7)), heading=True))
        for g, v in res.groups.items():
            c = res.contrasts.get(g)
            if c is None:
                extra = ("reference", "", "reference", "")
            else:
                dif, rat = c.difference, c.ratio
                extra = (
                    fmt.estimate_ci(dif.estimate, dif.conf_low, dif.conf_high, 2),
                    fmt.p_value(dif.p_value, p_digits, "NE"),
                    fmt.estimate_ci(rat.estimate, rat.conf_low, rat.conf_high, 2),
                    fmt.p_value(rat.p_value, p_digits, "NE"),
                )
            rows.append(Row(label=group_labels.get(g, g), indent=1, cells=(
                Cell(text=str(v.n), count=v.n, ref=f"ep:{res.endpoint}:n:{g}"),
                Cell(text=str(v.n_events), count=v.n_events,
                     ref=f"ep:{res.endpoint}:events:{g}"),
                Cell(text=fmt.estimate_ci(v.rmst, v.conf_low, v.conf_high, 2)),
                *(Cell(text=x) for x in extra),
            )))
    rules = sorted({f"{r.label}: \u03c4 = {r.tau:.2f} months ({_rule_text(r)})" for r in results})
    notes = (
        "Restricted mean survival time (RMST): area under the Kaplan\u2013Meier curve up to "
        f"\u03c4, in months, with Greenwood-type standard errors and normal {pct}% CIs "
        "(survRM2 1.0-4, rmst2). Difference and ratio (log scale) vs the reference group; "
        "two-sided z-test p values.",
        *rules,
    )
    return Table(
        key="rmst",
        title="Restricted mean survival time",
        stub="Group",
        columns=("Patients", "Events", f"RMST, months ({pct}% CI)",
                 f"Difference, months ({pct}% CI)", "p value", f"Ratio ({pct}% CI)", "p value"),
        rows=tuple(rows),
        footnotes=notes,
    )



def _rule_text(res: RmstEndpoint) -> str:
    if res.tau_rule == "protocol":
        return "set in the protocol"
    return ("survRM2's default: the smallest largest follow-up time among the groups whose "
            "last observation is censored")

