"""The ``[report]`` block: what the report contains and how it is written.

Defaults give the full report (HTML, Word, CSV, results.json and the figures as PNG,
SVG and PDF). docs/protocol.md documents each key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from retrostudy.protocol.base import Block

Output = Literal["html", "docx", "csv", "json", "figures"]
FigureFormat = Literal["png", "svg", "pdf", "tiff"]
# Exhibits the main document (report.html / report.docx) can hold; the rest goes to the
# supplement. "km", "survival", "hazard_ratios" and "forest": one per survival endpoint.
Exhibit = Literal["flow", "table1", "km", "survival", "hazard_ratios", "forest", "response",
                  "followup", "discontinuation"]
MAIN_EXHIBITS: tuple[Exhibit, ...] = ("flow", "table1", "km", "hazard_ratios", "response")


class Suppression(Block):
    """Small-cell suppression for outputs meant for sharing.

    Counts from 1 to ``threshold - 1`` are masked; further cells are masked (secondary
    suppression) so masked values cannot be recovered from the totals shown.
    """

    threshold: int = Field(default=0, ge=0)  # 0 = off
    mask: str = "<{threshold}"


class KMFigure(Block):
    ci_bands: bool = False
    median_lines: bool = True
    risk_table: bool = True
    break_months: float = Field(default=6.0, gt=0)  # spacing of ticks and at-risk counts
    max_months: float | None = None  # None: the longest observed time


class ReportBlock(Block):
    title: str | None = None  # None: [study].title
    """Report heading; absent: [study].title."""
    subtitle: str | None = None
    """Report subheading; absent: [study].design."""
    outputs: list[Output] = Field(
        default_factory=lambda: ["html", "docx", "csv", "json", "figures"]
    )
    """Files written: html, docx (the report and the reporting checklist), csv, json, figures."""
    figure_formats: list[FigureFormat] = Field(default_factory=lambda: ["png", "svg", "pdf"])
    """Figure file formats: png, svg, pdf, tiff."""
    # Publication figures (report/figures/base.py): raster resolution, the font (with
    # DejaVu Sans, shipped with matplotlib, as the fallback) and one or two journal columns.
    figure_dpi: int = Field(default=300, ge=72, le=1200)
    """Resolution of PNG and TIFF figures and of the figures in the Word file."""
    font_family: str = Field(default="Liberation Sans", min_length=1)
    """Font of every figure (DejaVu Sans where it is not installed)."""
    figure_width: Literal["single", "double"] = "double"
    """Figure width: one journal column ("single", 85 mm) or two ("double", 174 mm)."""
    # The Word file (report/docx.py): paper size, one margin on all four sides, and a
    # journal's reference.docx whose styles the document starts from (path relative to the
    # protocol's folder).
    page_size: Literal["A4", "letter"] = "A4"
    """Paper of the Word file: "A4" or "letter"."""
    margin_cm: float = Field(default=2.5, ge=0.5, le=5.0)
    """Page margin of the Word file, in centimetres, on all four sides."""
    reference_docx: str | None = None
    """A journal's reference.docx whose styles the Word file uses (path relative to the study
    file); absent: built-in styles."""
    # The main document's exhibits, in this order (report/sections.py); every other table
    # and figure goes to supplement.html / supplement.docx. Default: the seed's Fig. 1,
    # Table 1, Fig. 2 (Kaplan-Meier) and Table 2 (best response), plus the hazard ratios.
    main: list[Exhibit] = Field(default_factory=lambda: list(MAIN_EXHIBITS))
    """The exhibits of the main document, in order (flow, table1, km, survival,
    hazard_ratios, forest, response, followup, discontinuation); every other table and
    figure goes to the supplement."""
    p_digits: int = Field(default=4, ge=1, le=6)  # the seed prints 4 decimals
    """Decimals of p values; smaller values print as <0.0001 (with 4)."""
    km: KMFigure = Field(default_factory=KMFigure)
    """Kaplan-Meier figure settings (CI bands, median lines, risk table, tick spacing)."""
    swimmer: bool = True
    """Draw a swimmer plot of the first survival endpoint."""
    # Bars per group in the swimmer plot; larger groups are shown by evenly spaced patients
    # (report/figures/swimmer.py). 0: one bar for every patient.
    swimmer_max_per_group: int = Field(default=50, ge=0)
    """Bars per group in the swimmer plot (a larger group is shown by evenly spaced patients);
    0: every patient."""
    suppression: Suppression = Field(default_factory=Suppression)
    """Small-cell suppression of counts for outputs meant for sharing."""
    # Source text of the flow diagram's first box (e.g. "Pharmacy records: T-DM1 dispensed").
    flow_source: str | None = None
    """Text of the flow chart's first box; absent: [index].label."""
    seed: int = 0  # recorded in provenance; no step of the report is random
    """Recorded in provenance (no step of the report is random)."""
    # Also write the analysis dataset and the excluded patients (with identifiers) into
    # <out>-patient-level-IDENTIFIABLE/ beside the report (report/patient_level.py).
    patient_level: bool = False
    """Also write the patient-level data (with identifiers) beside the report."""
