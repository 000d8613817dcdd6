"""The report layer: figures, HTML, Word, CSV and results.json from the analyses.

:func:`make_report` builds everything in memory (a :class:`Report`); :func:`write_report`
writes it to a folder. Nothing here computes a statistic: the numbers come from
:mod:`retrostudy.analysis`, the flow from the cohort's attrition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from retrostudy.analysis import Analyses
from retrostudy.report.flow import Flow, flow_from_attrition
from retrostudy.report.table import Table

__all__ = ["Report", "ReportContext", "make_report", "write_report", "flow_from_attrition", "Flow"]


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
        from retrostudy.report.masking import shared_warnings

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


def _patient_level_json(written: bool) -> dict:
    from retrostudy.report.patient_level import NAMES

    return {"written": written, "contains_identifiers": written,
            "files": list(NAMES) if written else [], "formats": ["csv", "parquet"]}


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    tables: dict[str, Table]
    figures: dict
    results: dict
    html: str
    docx: bytes
    rendered: dict
    checklist_docx: bytes = b""  # checklist.docx, written with report.docx
    supplement_html: str = ""  # supplement.html, written with report.html
    supplement_docx: bytes = b""  # supplement.docx, written with report.docx


def make_report(ctx: ReportContext, progress=None) -> Report:
    """The whole report in memory; ``progress`` (optional) is called as
    ``progress("Drawing figures", done, total)`` while the figures are drawn."""
    from retrostudy.report import results_json
    from retrostudy.report.build import build
    from retrostudy.report.docx import PageSetup, render_docx
    from retrostudy.report.html import render_html

    built = build(ctx, progress)
    supp = ctx.protocol.report.suppression
    sharing = supp.threshold > 0
    results = results_json.build(
        study={"title": built.document.title, "synthetic": built.document.synthetic},
        flow=None if ctx.flow is None else _flow_json(ctx.flow, built.plan),
        analyses=None if sharing else ctx.analyses.to_json(),
        tables={k: t.to_json() for k, t in built.tables.items()},
        figures=[
            {"key": k, "title": f.title, "caption": f.caption}
            for k, f in sorted(built.figures.items())
        ],
        published=None if sharing else ctx.published,
        provenance=ctx.provenance,
        suppression={"threshold": supp.threshold, "cells_masked": built.cells_masked},
        warnings=list(ctx.warnings),
    )
    results["numbers_at_risk"] = _numbers_at_risk(ctx, built.plan)
    results["patient_level"] = _patient_level_json(ctx.patient_level)
    results["endpoint_definitions"], results["data_quality"] = _quality_json(ctx, supp)
    outputs = set(ctx.protocol.report.outputs)
    page = PageSetup.from_protocol(ctx.protocol)
    return Report(
        tables=built.tables,
        figures=built.figures,
        results=results,
        html=render_html(built.document) if "html" in outputs else "",
        docx=render_docx(built.document, page) if "docx" in outputs else b"",
        rendered=built.rendered,
        checklist_docx=_checklist_docx(ctx, built) if "docx" in outputs else b"",
        supplement_html=render_html(built.supplement) if "html" in outputs else "",
        supplement_docx=render_docx(built.supplement, page) if "docx" in outputs else b"",
    )


def _checklist_docx(ctx: ReportContext, built) -> bytes:
    from retrostudy.report.checklist import checklist_docx
    from retrostudy.report.docx import PageSetup

    return checklist_docx(built.tables["checklist"], built.document,
                          PageSetup.from_protocol(ctx.protocol))


def _numbers_at_risk(ctx: ReportContext, plan) -> dict:
    """The counts printed under each KM figure (masked like the figure when suppressing)."""
    from retrostudy.report.disclosure import at_risk_key

    out = {}
    for res in ctx.analyses.endpoints:
        groups = {}
        for g in res.groups:
            groups[g.group] = [
                plan.value(at_risk_key("risk", res.endpoint, g.group, k), int(n))
                for k, n in enumerate(res.at_risk.counts[g.group])
            ]
        out[res.endpoint] = {"months": list(res.at_risk.months), "groups": groups}
    return out


def _quality_json(ctx: ReportContext, supp) -> tuple[dict, dict]:
    from retrostudy.report.quality import Quality, to_json

    return to_json(ctx.quality or Quality(), ctx.protocol, supp)


def _flow_json(flow: Flow, plan) -> dict:
    data = flow.to_json()
    if not plan.on:
        return data
    from retrostudy.report.disclosure import flow_keys

    keys = flow_keys(flow)
    data["n_identified"] = plan.value(keys["identified"], flow.n_identified)
    data["n_analysed"] = plan.value(keys["analysed"], flow.n_analysed)
    for i, (step, s) in enumerate(zip(data["exclusions"], flow.steps, strict=True)):
        step["n_excluded"] = plan.value(keys[f"step:{i}"], s.n_excluded)
        step["n_remaining"] = plan.value(keys[f"remaining:{i}"], s.n_remaining)
    for i, g in enumerate(data["groups"]):
        g["n"] = plan.value(keys[f"group:{i}"], g["n"])
    data["notes"] = []  # free text quoting counts: left out under suppression
    return data


def write_report(report: Report, out: str | Path, *, outputs, figure_formats,
                 progress=None) -> list[Path]:
    """Write the report files into ``out`` (created); returns the paths written.
    ``progress`` (optional) is called as ``progress("Writing figures", done, total)``."""
    from retrostudy.report.results_json import dumps

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "json" in outputs:
        written.append(_write(out / "results.json", dumps(report.results).encode("utf-8")))
    if "html" in outputs:
        written += _write_html(report, out)
    if "docx" in outputs:
        written += _write_docx(report, out)
    if "csv" in outputs:
        from retrostudy.report.spreadsheet import table_csv

        (out / "tables").mkdir(exist_ok=True)
        for key, table in sorted(report.tables.items()):
            written.append(_write(out / "tables" / f"{key}.csv", table_csv(table).encode("utf-8")))
    if "figures" in outputs:
        (out / "figures").mkdir(exist_ok=True)
        items = sorted(report.rendered.items())
        for i, (key, data) in enumerate(items, 1):
            for fmt in figure_formats:
                written.append(_write(out / "figures" / f"{key}.{fmt}", data[fmt]))
            if progress is not None:
                progress("Writing figures", i, len(items))
    return written


def _write_html(report: Report, out: Path) -> list[Path]:
    """report.html (the main document) and supplement.html."""
    written = [_write(out / "report.html", report.html.encode("utf-8"))]
    if report.supplement_html:
        written.append(_write(out / "supplement.html", report.supplement_html.encode("utf-8")))
    return written


def _write_docx(report: Report, out: Path) -> list[Path]:
    """report.docx, supplement.docx and checklist.docx (the reporting checklist alone)."""
    written = [_write(out / "report.docx", report.docx)]
    if report.supplement_docx:
        written.append(_write(out / "supplement.docx", report.supplement_docx))
    if report.checklist_docx:
        written.append(_write(out / "checklist.docx", report.checklist_docx))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
