"""Follow-up and treatment-discontinuation tables (the figures the seed gives in its text)."""

from __future__ import annotations

import pandas as pd

from retrostudy.analysis import fmt
from retrostudy.analysis.survival import FollowUpSummary
from retrostudy.analysis.table import Cell, Row, Table, text_cells

_REASONS = {
    "progression": "Progressive disease",
    "toxicity": "Toxicity",
    "another_tumour": "Diagnosis of another tumour",
    "patient_choice": "Patient choice",
    "death": "Death",
    "completed": "Completed",
    "other": "Other",
}


def followup_table(rows: tuple[FollowUpSummary, ...], labels: dict[str, str]) -> Table:
    body = tuple(
        Row(
            label=labels.get(f.group, f.group),
            cells=text_cells(
                f"{fmt.num(f.median)} ({fmt.interval(f.low, f.high)})",
                fmt.estimate_ci(*f.reverse_km),
            ),
        )
        for f in rows
    )
    return Table(
        key="followup",
        title="Follow-up",
        stub="Group",
        columns=(
            "Observed time, months: median (range)",
            "Reverse Kaplan\u2013Meier median, months (95% CI)",
        ),
        rows=body,
        footnotes=(
            "Observed time: from the index date to the event or censoring, for every patient. "
            "Reverse Kaplan\u2013Meier: the censoring distribution (potential follow-up).",
        ),
    )


def discontinuation_table(
    data: pd.DataFrame, groups: list[str], spec, header
) -> tuple[Table, dict]:
    col = spec.column
    labels = _REASONS | spec.labels
    reasons = sorted(
        {str(v) for v in data[col].dropna().unique()},
        key=lambda r: (list(labels).index(r) if r in labels else 99, r),
    )
    frames = [data[data["group"] == g] for g in groups]
    stopped = [int(f[col].notna().sum()) for f in frames]
    rows = [
        Row(
            label="Discontinued, n (% of group)",
            cells=tuple(
                Cell(text=fmt.count_pct(s, len(f)), count=s)
                for s, f in zip(stopped, frames, strict=True)
            )
            + (Cell(text=str(sum(stopped)), count=sum(stopped)),),
        )
    ]
    counts = {}
    for reason in reasons:
        xs = [int((f[col].astype(str) == reason).sum()) for f in frames]
        counts[reason] = dict(zip(groups, xs, strict=True))
        rows.append(
            Row(
                label=labels.get(reason, reason),
                indent=1,
                block="reason",
                cells=tuple(
                    Cell(text=fmt.count_pct(x, s), count=x)
                    for x, s in zip(xs, stopped, strict=True)
                )
                + (Cell(text=fmt.count_pct(sum(xs), sum(stopped)), count=sum(xs)),),
            )
        )
    table = Table(
        key="discontinuation",
        title="Treatment discontinuation",
        stub="",
        columns=(*header, f"All (n = {len(data)})"),
        rows=tuple(rows),
        footnotes=("Reasons as percentages of the patients who discontinued.",),
        row_total=(len(groups), tuple(range(len(groups)))),
    )
    return table, {"discontinued": dict(zip(groups, stopped, strict=True)), "reasons": counts}
