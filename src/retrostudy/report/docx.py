"""The Word report: journal-style three-line tables, footnotes under each table, figures.

A three-line table has a thick rule above the header, a thin rule below it and a thick
rule under the last row, and no other borders; python-docx has no API for cell borders,
so they are set on the cell XML (``w:tcBorders``).
"""

from __future__ import annotations

import datetime
import io

from retrostudy.report.document import Document, FigureItem, Paragraph, TableItem

_THICK, _THIN = "12", "6"  # eighths of a point


def _borders(cell, top: str | None = None, bottom: str | None = None) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for side, size in (("top", top), ("bottom", bottom)):
        if size is None:
            continue
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), size)
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)


def _cell_text(
    cell, text: str, *, bold: bool = False, align_left: bool = False, indent: int = 0, size=8.5
):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if align_left else WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_after = Pt(0)
    if indent:
        para.paragraph_format.left_indent = Cm(0.35 * indent)
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def add_table(document, table) -> None:
    from docx.shared import Pt

    cap = document.add_paragraph()
    cap.add_run(table.title).bold = True
    cap.paragraph_format.keep_with_next = True
    body = table.rows
    grid = document.add_table(rows=1 + len(body), cols=1 + len(table.columns))
    header = [table.stub, *table.columns]
    # One pass over the rows: python-docx's table.cell(i, j) rescans the whole table per call.
    rows = [r.cells for r in grid.rows]
    for j, text in enumerate(header):
        _cell_text(rows[0][j], text, bold=True, align_left=j == 0)
        _borders(rows[0][j], top=_THICK, bottom=_THIN)
    for cells, row in zip(rows[1:], body, strict=True):
        _cell_text(cells[0], row.label, bold=row.heading, align_left=True, indent=row.indent)
        for cell, c in zip(cells[1:], row.cells, strict=True):
            _cell_text(cell, c.text)
    if body:
        for cell in rows[-1]:
            _borders(cell, bottom=_THICK)
    for note in table.footnotes:
        p = document.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.add_run(note).font.size = Pt(7.5)
    document.add_paragraph()


def add_figure(document, item: FigureItem) -> None:
    from docx.shared import Inches, Pt

    document.add_picture(io.BytesIO(item.png), width=Inches(6.0))
    p = document.add_paragraph()
    p.add_run(f"{item.figure.title}. ").bold = True
    p.add_run(item.figure.caption).font.size = Pt(8.5)


def render_docx(doc: Document) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.title = doc.title[:250]
    # python-docx stamps the current time; a fixed date keeps the file reproducible
    props.created = props.modified = datetime.datetime(2000, 1, 1)
    props.revision = 1
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(doc.title, level=0)
    if doc.subtitle:
        document.add_paragraph(doc.subtitle)
    if doc.synthetic:
        document.add_paragraph().add_run(
            "Synthetic data: this report was generated from a synthetic hospital extract."
        ).bold = True
    for section in doc.sections:
        document.add_heading(section.title, level=1)
        for item in section.items:
            if isinstance(item, Paragraph):
                run = document.add_paragraph().add_run(item.text)
                run.italic = item.kind in ("note", "warning")
            elif isinstance(item, TableItem):
                add_table(document, item.table)
            elif isinstance(item, FigureItem):
                add_figure(document, item)
    document.add_heading("Conventions and provenance", level=1)
    for key, value in doc.facts:
        p = document.add_paragraph(style="List Bullet")
        p.add_run(f"{key}: ").bold = True
        p.add_run(value)
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same .docx with fixed entry times, so the same report gives the same bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
