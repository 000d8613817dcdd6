"""Tables of follow-up and treatment discontinuation, from :class:`FollowUp` and
:class:`Discontinuation` (analysis/followup.py and discontinuation.py compute them)."""

from __future__ import annotations

from retrostudy.analysis.discontinuation import Discontinuation
from retrostudy.analysis.followup import FollowUp
from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table, text_cells


def followup_table(fu: FollowUp, labels: dict[str, str]) -> Table:
    body = tuple(
        Row(
            label=labels.get(f.group, f.group),
            cells=text_cells(
                f"{fmt.num(f.median)} ({fmt.interval(f.low, f.high)})",
                fmt.estimate_ci(*f.reverse_km),
            ),
        )
        for f in fu.groups
    )
    pct = int(round(fu.conf_level * 100))
    return Table(
        key="followup",
        title="Follow-up",
        stub="Group",
        columns=(
            "Observed time, months: median (range)",
            f"Reverse Kaplan\u2013Meier median, months ({pct}% CI)",
        ),
        rows=body,
        footnotes=(fu.method,),
    )



def discontinuation_table(disc: Discontinuation, header) -> Table:
    denom = disc.reason_denominators
    rows = [
        Row(
            label="Discontinued, n (% of group)",
            cells=tuple(
                Cell(text=fmt.count_pct(s, n), count=s, denominator=n)
                for s, n in zip(disc.stopped, disc.n, strict=True)
            )
            + (Cell(text=str(disc.stopped_total), count=disc.stopped_total),),
        )
    ]
    for (_, label, xs), (x_all, s_all) in zip(disc.reasons, disc.reason_totals, strict=True):
        rows.append(
            Row(
                label=label,
                indent=1,
                block="reason",
                cells=tuple(
                    Cell(text=fmt.count_pct(x, s), count=x, denominator=s)
                    for x, s in zip(xs, denom, strict=True)
                )
                + (Cell(text=fmt.count_pct(x_all, s_all), count=x_all, denominator=s_all),),
            )
        )
    return Table(
        key="discontinuation",
        title="Treatment discontinuation",
        stub="",
        columns=(*header, f"All (n = {disc.total})"),
        rows=tuple(rows),
        footnotes=(disc.method,),
        row_total=(len(disc.groups), tuple(range(len(disc.groups)))),
    )
