"""Treatment discontinuation per group (``[analyses.discontinuation]``): the patients who
stopped and the count of each recorded reason. The result carries the sentence saying what
is counted (the table footnote and results.json).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from retrostudy.analysis.context import Context

_REASONS = {
    "progression": "Progressive disease",
    "toxicity": "Toxicity",
    "another_tumour": "Diagnosis of another tumour",
    "patient_choice": "Patient choice",
    "death": "Death",
    "completed": "Completed",
    "other": "Other",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Discontinuation:
    """Patients who stopped treatment per group, and how many for each recorded reason."""

    column: str
    denominator: str  # "discontinued" | "analysed": what the reason percentages are of
    method: str  # the sentence saying what is counted (footnote and results.json)
    groups: tuple[str, ...]
    n: tuple[int, ...]  # patients per group
    stopped: tuple[int, ...]  # patients per group with a reason
    reasons: tuple[tuple[str, str, tuple[int, ...]], ...]  # (reason, its label, per group)
    total: int  # patients of the dataset (every group)

    @property
    def reason_denominators(self) -> tuple[int, ...]:
        return self.stopped if self.denominator == "discontinued" else self.n

    @property
    def stopped_total(self) -> int:
        """Patients with a reason, over every group (the "All" column)."""
        return sum(self.stopped)

    @property
    def reason_totals(self) -> tuple[tuple[int, int], ...]:
        """Per reason, (its patients, their denominator) over every group."""
        base = sum(self.reason_denominators)
        return tuple((sum(xs), base) for _, _, xs in self.reasons)

    def to_json(self) -> dict:
        return {
            "discontinued": dict(zip(self.groups, self.stopped, strict=True)),
            "reasons": {r: dict(zip(self.groups, xs, strict=True)) for r, _, xs in self.reasons},
            "denominator": self.denominator,
            "method": self.method,
        }


def discontinuation(data: pd.DataFrame, groups: list[str], spec) -> Discontinuation:
    """The ``[analyses.discontinuation]`` counts (``spec``) per group."""
    col = spec.column
    labels = _REASONS | spec.labels
    reasons = sorted(
        {str(v) for v in data[col].dropna().unique()},
        key=lambda r: (list(labels).index(r) if r in labels else 99, r),
    )
    frames = [data[data["group"] == g] for g in groups]
    return Discontinuation(
        column=col,
        denominator=spec.denominator,
        method=discontinuation_method(spec),
        groups=tuple(groups),
        n=tuple(len(f) for f in frames),
        stopped=tuple(int(f[col].notna().sum()) for f in frames),
        reasons=tuple(
            (r, labels.get(r, r), tuple(int((f[col].astype(str) == r).sum()) for f in frames))
            for r in reasons
        ),
        total=len(data),
    )


def discontinuation_method(spec) -> str:
    """What the discontinuation table counts, in words (its footnote and results.json)."""
    of = ("the patients who discontinued" if spec.denominator == "discontinued"
          else "all patients of the group")
    return (f"Treatment discontinuation: reasons recorded in {spec.column} (a patient still on "
            f"treatment has none), as percentages of {of}.")


def run(settings, data: pd.DataFrame, ctx: Context) -> Discontinuation | None:
    """The registry's entry point: the counts of ``[analyses.discontinuation]``
    (``settings``); None when the dataset has no such column."""
    if settings.column not in data.columns:
        return None
    return discontinuation(data, list(ctx.groups), settings)
