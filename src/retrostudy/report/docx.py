"""The Word report, journal-ready: page size and margins from the protocol, a journal's
``reference.docx`` for the styles, tables fitted to their content (report/docx_table.py),
wide tables in landscape sections, figures at print resolution.

A ``reference.docx`` (``[report] reference_docx``) is used as pandoc's ``--reference-doc``
and officer's templates use one: the document starts from it, so its styles (``Normal``,
``Title``, ``Heading 1``, ``Caption``, ...) and its page set-up apply; its body text is
dropped. A style the reference lacks falls back to ``Normal``. Page size and margins from
the protocol are then set on every section.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Pt

from retrostudy.errors import Problem, ProtocolError
from retrostudy.report.document import Document, FigureItem, Paragraph, TableItem
from retrostudy.report.docx_table import add_table, columns_of, fit_columns

PAGES = {"A4": (595.3, 841.9), "letter": (612.0, 792.0)}  # points (210 x 297 mm; 8.5 x 11 in)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageSetup:
    size: str = "A4"
    margin_cm: float = 2.5
    reference: Path | None = None  # a reference.docx

    @property
    def margin(self) -> float:  # points
        return self.margin_cm / 2.54 * 72

    def block(self, landscape: bool = False) -> float:
        """Width of the text block in points."""
        w, h = PAGES[self.size]
        return (h if landscape else w) - 2 * self.margin

    @classmethod
    def from_protocol(cls, protocol) -> PageSetup:
        rep = protocol.report
        ref = None
        if rep.reference_docx:
            ref = Path(rep.reference_docx)
            ref = ref if ref.is_absolute() else Path(protocol.base_dir) / ref
        return cls(size=rep.page_size, margin_cm=rep.margin_cm, reference=ref)


def _page(section, page: PageSetup, landscape: bool) -> None:
    w, h = PAGES[page.size]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Pt(h), Pt(w)) if landscape else (Pt(w), Pt(h))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Pt(page.margin))


def _start(page: PageSetup):
    """A new document: the reference.docx emptied of its body, or python-docx's default."""
    if page.reference is None:
        return docx.Document()
    try:
        document = docx.Document(str(page.reference))
    except Exception as exc:  # missing file, not a .docx
        raise ProtocolError([Problem(
            message="cannot open the reference Word file", file=str(page.reference),
            key="report.reference_docx", value=type(exc).__name__,
            hint="give the path of a .docx (relative to the protocol's folder) whose styles "
                 "the report should use")]) from None
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    return document


def _style(document, name: str, fallback: str = "Normal"):
    try:
        return document.styles[name]
    except KeyError:
        return document.styles[fallback]


class _Writer:
    """Adds items in order, switching to a landscape section around a wide table."""

    def __init__(self, document, page: PageSetup):
        self.document, self.page, self.landscape = document, page, False
        self.caption = _style(document, "Caption")

    def orient(self, landscape: bool) -> None:
        if landscape != self.landscape:
            _page(self.document.add_section(WD_SECTION.NEW_PAGE), self.page, landscape)
            self.landscape = landscape

    def table(self, table) -> None:
        fit = fit_columns(columns_of(table), self.page.block(), self.page.block(True))
        self.orient(fit.landscape)
        add_table(self.document, table, fit, self.caption)

    def figure(self, item: FigureItem) -> None:
        self.orient(False)
        width_in = float(item.figure.figure.get_size_inches()[0])
        width = min(width_in * 72, self.page.block())  # the PNG's own size: print dpi
        self.document.add_picture(io.BytesIO(item.png), width=Pt(width))
        self.document.paragraphs[-1].paragraph_format.keep_with_next = True
        p = self.document.add_paragraph(style=self.caption)
        p.add_run(f"{item.figure.title}. ").bold = True
        p.add_run(item.figure.caption).font.size = Pt(8.5)

    def item(self, item) -> None:
        if isinstance(item, Paragraph):
            run = self.document.add_paragraph().add_run(item.text)
            run.italic = item.kind in ("note", "warning")
        elif isinstance(item, TableItem):
            self.table(item.table)
        elif isinstance(item, FigureItem):
            self.figure(item)

    def heading(self, text: str, level: int) -> None:
        self.orient(False)
        style = "Title" if level == 0 else f"Heading {level}"
        self.document.add_paragraph(text, style=_style(self.document, style))


def _title_block(out: _Writer, doc: Document) -> None:
    """Title, subtitle, byline, the synthetic-data note and (the supplement) contents."""
    document = out.document
    out.heading(doc.title, 0)
    for line in (doc.subtitle, doc.byline):  # the title block
        if line:
            document.add_paragraph(line)
    if doc.synthetic:
        document.add_paragraph().add_run(
            "Synthetic data: this report was generated from a synthetic hospital extract."
        ).bold = True
    if doc.contents:  # the supplement lists its sections
        _contents(out, doc)


def _contents(out: _Writer, doc: Document) -> None:
    """The supplement's table of contents: its section titles after the title block."""
    out.heading("Contents", 1)
    bullet = _style(out.document, "List Bullet")
    for title in [s.title for s in doc.sections] + (
            ["Conventions and provenance"] if doc.facts else []):
        out.document.add_paragraph(title, style=bullet)


def render_docx(doc: Document, page: PageSetup | None = None) -> bytes:
    page = page or PageSetup()
    document = _start(page)
    for section in document.sections:
        _page(section, page, landscape=False)
    props = document.core_properties
    props.title = doc.title[:250]
    # python-docx stamps the current time; a fixed date keeps the file reproducible
    props.created = props.modified = datetime.datetime(2000, 1, 1)
    props.revision = 1
    if page.reference is None:
        document.styles["Normal"].font.size = Pt(10)
    out = _Writer(document, page)
    _title_block(out, doc)
    for section in doc.sections:
        out.heading(section.title, 1)
        for item in section.items:
            out.item(item)
    if doc.facts:  # none in checklist.docx
        out.heading("Conventions and provenance", 1)
    bullet = _style(document, "List Bullet")
    for key, value in doc.facts:
        p = document.add_paragraph(style=bullet)
        p.add_run(f"{key}: ").bold = True
        p.add_run(value)
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same .docx with fixed entry times, so the same report gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
