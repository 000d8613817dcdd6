"""Write a :class:`~retrostudy.report.make.Report` into a folder: results.json, the HTML and
Word documents, the tables as CSV and the figures."""

from __future__ import annotations

from pathlib import Path

from retrostudy.report.make import Report
from retrostudy.report.results_json import dumps
from retrostudy.report.spreadsheet import table_csv

__all__ = ["write_report"]


def write_report(report: Report, out: str | Path, *, outputs, figure_formats,
                 progress=None) -> list[Path]:
    """Write the report files into ``out`` (created); returns the paths written.
    ``progress`` (optional) is called as ``progress("Writing figures", done, total)``."""
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
