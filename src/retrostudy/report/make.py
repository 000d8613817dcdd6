"""The whole report in memory: :func:`make_report` returns a :class:`Report` (tables,
figures, results.json, the HTML and Word documents); :mod:`retrostudy.report.write` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.report import results_json
from retrostudy.report.build import build
from retrostudy.report.checklist import checklist_docx
from retrostudy.report.context import ReportContext
from retrostudy.report.disclosure import at_risk_key, flow_keys
from retrostudy.report.docx import PageSetup, render_docx
from retrostudy.report.flow import Flow
from retrostudy.report.html import render_html
from retrostudy.report.patient_level import NAMES
from retrostudy.report.quality import Quality, to_json
from retrostudy.report.table import Table

__all__ = ["Report", "make_report"]


def _patient_level_json(written: bool) -> dict:
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
    return checklist_docx(built.tables["checklist"], built.document,
                          PageSetup.from_protocol(ctx.protocol))


def _numbers_at_risk(ctx: ReportContext, plan) -> dict:
    """The counts printed under each KM figure (masked like the figure when suppressing)."""
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
    return to_json(ctx.quality or Quality(), ctx.protocol, supp)


def _flow_json(flow: Flow, plan) -> dict:
    data = flow.to_json()
    if not plan.on:
        return data
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
