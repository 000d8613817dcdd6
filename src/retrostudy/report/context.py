"""What the report shows, gathered by the pipeline: :class:`ReportContext`.

Every part of the report reads the context; it imports only the flow, the table model and
the warning masking, never the modules that build the report (so they can import it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from retrostudy.analysis import Analyses
from retrostudy.report.flow import Flow
from retrostudy.report.masking import shared_warnings
from retrostudy.report.table import Table

__all__ = ["ReportContext"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportContext:
    """Everything the report shows, gathered by the pipeline."""

    protocol: object
    analyses: Analyses
    dataset: pd.DataFrame
    flow: Flow | None
    tables: dict[str, Table]  # analysis tables plus published/comparator tables
    provenance: dict
    published: object = None  # what compare_published returned (for results.json)
    comparator_rows: list = field(default_factory=list)  # (label, median, low, high, own)
    quality: object = None  # report.quality.Quality: load result and derived endpoints
    patient_level: bool = False  # the identifiable patient-level folder is written too

    @property
    def var_labels(self) -> dict[str, str]:
        block = self.protocol.analyses
        return (
            {d.name: d.label or d.name for d in block.derived}
            | {v.name: v.text for v in block.table1 if v.among is None}
            | {"group": "Group"}
        )

    @property
    def legend_labels(self) -> dict[str, str]:
        """Group -> its full label (the protocol's ``label``, else its name) for figure
        legends; tables and annotations keep the short names."""
        return {g.name: g.label or g.name for g in self.protocol.groups.group}

    @property
    def warnings(self) -> tuple[str, ...]:
        """The analyses' warnings, each once (the supplement's "Warnings" section and
        results.json);
        with small-cell suppression on, those quoting numbers left out (report.disclosure)."""
        on = self.protocol.report.suppression.threshold > 0
        return shared_warnings(self.analyses.warnings, on)

    @property
    def facts(self) -> list[tuple[str, str]]:
        c = self.analyses.conventions
        prov = self.provenance
        pk = prov.get("packages", {})
        return [
            ("Conventions profile", c.profile),
            ("Kaplan\u2013Meier CI transform", c.conf_type),
            ("Cox ties", c.ties),
            ("Confidence level", f"{c.conf_level:g}"),
            ("Months", f"days / {c.days_per_month:g}"),
            ("Protocol SHA-256", str(prov.get("protocol_sha256"))),
            (
                "Input files (SHA-256)",
                ", ".join(
                    f"{f['file']} ({(f['sha256'] or '')[:12]})" for f in prov.get("inputs", [])
                )
                or "none",
            ),
            ("Software", ", ".join(f"{k} {v}" for k, v in sorted(pk.items()))),
            ("Engine", str(prov.get("engine"))),
            ("Patient-level data", _patient_level_text(self.patient_level)),
        ]


def _patient_level_text(written: bool) -> str:
    if not written:
        return "not written (retrostudy run --patient-level writes it)"
    return ("written to a separate folder marked IDENTIFIABLE (analysis dataset, excluded "
            "patients, lines of therapy); it holds patient identifiers and is not part of "
            "this report")
