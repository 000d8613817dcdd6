"""The report as a neutral document (sections of paragraphs, tables and figures).

HTML and Word render the same :class:`Document`, so both show the same content in the
same order. Text here is plain text; each renderer escapes it for its format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from retrostudy.report.figures.base import ReportFigure
from retrostudy.report.table import Table


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    kind: str = "text"  # "text" | "note" | "warning"


@dataclass(frozen=True, slots=True)
class TableItem:
    table: Table


@dataclass(frozen=True, slots=True)
class FigureItem:
    figure: ReportFigure
    svg: bytes
    png: bytes


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    items: tuple
    anchor: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    title: str
    subtitle: str | None
    synthetic: bool
    sections: tuple[Section, ...]
    facts: tuple[tuple[str, str], ...] = field(
        default=()
    )  # conventions and provenance, label -> value
    byline: str | None = None  # investigators, institution (the title block)
    contents: bool = False  # a table of contents after the title block (the supplement)
