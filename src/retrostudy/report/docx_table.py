"""Word tables for journals: widths fitted to the content, three rules, repeating header.

Column widths. Each column gets at least the width of its longest unbreakable word (so
Word never breaks inside a word, e.g. "Metastat-ic") and, room permitting, the width of its
longest cell on one line. Widths are measured from the font's own advance widths
(matplotlib's text-to-path engine; no renderer, no screen), in the table font: Arial, for
which Liberation Sans, measured here, is metric-compatible (DejaVu Sans, wider, is the
fallback, which errs on the safe side). With ``m_j`` the minimum and ``d_j`` the one-line
width of column ``j`` and ``T`` the text block's width:

- ``sum(d) <= T``: ``w_j = d_j * T / sum(d)`` (the table fills the text block);
- else ``w_j = m_j + (T - sum(m)) * (d_j - m_j) / sum(d - m)`` (each column above its
  minimum by its share of the extra room);
- ``sum(m) > T``: the table is wider than the text block and goes in a landscape section
  (``T`` = the landscape width); the font shrinks from 8.5 to 6.5 pt only when even that
  is too narrow.

A three-line table has a thick rule above the header, a thin rule below it and a thick
rule under the last row, and no other borders; python-docx has no API for borders, so
they are set on the XML (``w:tblBorders`` none, ``w:tcBorders`` on the ruled rows). The
header row repeats on every page (``w:tblHeader``), no row splits across pages
(``w:cantSplit``), the caption keeps with the table, and the table's notes follow it in a
"Table Note" style, kept with its last row. A column holding text (a cell longer than
:data:`TEXT_CELL` characters, e.g. the reporting checklist's topics) is set flush left, as
the HTML report sets such cells; columns of numbers are centred.
"""

from __future__ import annotations

import functools
import unicodedata
import warnings
from dataclasses import dataclass

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

_THICK, _THIN = "12", "6"  # eighths of a point
FONT = "Arial"  # metric-compatible with Liberation Sans (measured)
SIZES = (8.5, 7.5, 6.5)  # points: the table font, smaller only when a table cannot fit
CELL_PAD = 2 * 5.4 + 2.0  # points: Word's default left + right cell margins, plus slack
INDENT = 0.35 / 2.54 * 72  # points per indent level of a row label (0.35 cm)
TEXT_CELL = 24  # a column with a longer cell holds text: flush left (numbers are centred)


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width of ``text`` in points, in Liberation Sans (DejaVu Sans if absent).

    Wide and full-width characters (Japanese sheet and file names, 投薬) are in neither
    font: Word draws them from an East Asian font one em wide, so each counts ``size``
    points instead of being measured as a missing glyph."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    narrow = "".join(ch for ch in text if unicodedata.east_asian_width(ch) not in ("W", "F"))
    if not narrow:
        return float(wide * size)
    prop = FontProperties(family=["Liberation Sans", "DejaVu Sans"], size=size,
                          weight="bold" if bold else "normal")
    with warnings.catch_warnings():  # a glyph neither font has: measured as its box
        warnings.simplefilter("ignore", UserWarning)
        w, _, _ = TextToPath().get_text_width_height_descent(narrow, prop, ismath=False)
    return float(w) + wide * size


@dataclass(frozen=True, slots=True)
class Fit:
    widths: tuple[float, ...]  # points
    size: float  # font size, points
    landscape: bool


def _need(cells, size):
    """(minimum, one-line) width of one column; cells are (text, bold, indent level)."""
    lo = hi = 0.0
    for text, bold, indent in cells:
        pad = CELL_PAD + indent * INDENT
        words = text.split() or [""]
        lo = max(lo, max(text_width(w, size, bold) for w in words) + pad)
        hi = max(hi, text_width(text, size, bold) + pad)
    return lo, hi


def fit_columns(columns, portrait: float, landscape: float) -> Fit:
    """Widths (points) for ``columns`` (each a list of (text, bold, indent) cells)."""
    for size in SIZES:
        need = [_need(cells, size) for cells in columns]
        lo = [n[0] for n in need]
        hi = [n[1] for n in need]
        for wide, block in ((False, portrait), (True, landscape)):
            if sum(lo) <= block:
                return Fit(_share(lo, hi, block), size, wide)
    return Fit(_share(lo, hi, max(sum(lo), landscape)), SIZES[-1], True)


def _share(lo, hi, block) -> tuple[float, ...]:
    if sum(hi) <= block:
        return tuple(h * block / sum(hi) for h in hi)
    spare = sum(h - m for m, h in zip(lo, hi, strict=True))
    room = block - sum(lo)
    return tuple(m + room * (h - m) / spare for m, h in zip(lo, hi, strict=True))


def _el(tag, **attrs):
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


def _borders(cell, top: str | None = None, bottom: str | None = None) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = _el("w:tcBorders")
        tc_pr.append(borders)
    for side, size in (("top", top), ("bottom", bottom)):
        if size is not None:
            borders.append(_el(f"w:{side}", val="single", sz=size, space="0", color="000000"))


def _table_props(grid, widths) -> None:
    """No borders of its own (a reference.docx's table style may have some), fixed layout
    at the fitted widths."""
    tbl_pr = grid._tbl.tblPr
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="nil"))
    tbl_pr.append(borders)
    tbl_pr.append(_el("w:tblLayout", type="fixed"))
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(_el("w:tblW", w=str(round(sum(widths) * 20)), type="dxa"))
    for col, w in zip(grid._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(round(w * 20)))


def _row_flags(row, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    if header:
        tr_pr.append(_el("w:tblHeader"))


def _cell_text(cell, text, *, size, bold=False, left=False, indent=0):
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_after = Pt(0)
    para.paragraph_format.space_before = Pt(0)
    if indent:
        para.paragraph_format.left_indent = Pt(INDENT * indent)
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    run.font.name = FONT


def columns_of(table) -> list[list[tuple[str, bool, int]]]:
    header = [table.stub, *table.columns]
    cols = [[(h, True, 0)] for h in header]
    for row in table.rows:
        cols[0].append((row.label, row.heading, row.indent))
        for j, c in enumerate(row.cells, start=1):
            cols[j].append((c.text, False, 0))
    return cols


def add_table(document, table, fit: Fit, caption_style) -> None:
    cap = document.add_paragraph(style=caption_style)
    cap.add_run(table.title).bold = True
    cap.paragraph_format.keep_with_next = True
    body = table.rows
    n_cols = 1 + len(table.columns)
    grid = document.add_table(rows=1 + len(body), cols=n_cols)
    _table_props(grid, fit.widths)
    header = [table.stub, *table.columns]
    text_cols = [any(len(r.cells[j].text) > TEXT_CELL for r in body)
                 for j in range(len(table.columns))]
    rows = list(grid.rows)  # python-docx's table.cell(i, j) rescans the table per call
    cells = [r.cells for r in rows]
    for j, text in enumerate(header):
        _cell_text(cells[0][j], text, size=fit.size, bold=True,
                   left=j == 0 or text_cols[j - 1])
        _borders(cells[0][j], top=_THICK, bottom=_THIN)
    _row_flags(rows[0], header=True)
    for row, rc, data in zip(rows[1:], cells[1:], body, strict=True):
        _row_flags(row)
        _cell_text(rc[0], data.label, size=fit.size, bold=data.heading, left=True,
                   indent=data.indent)
        for cell, c, left in zip(rc[1:], data.cells, text_cols, strict=True):
            _cell_text(cell, c.text, size=fit.size, left=left)
    for row_cells in cells:
        for cell, w in zip(row_cells, fit.widths, strict=True):
            cell.width = Pt(w)
    for cell in cells[-1]:  # the last body row, or the header of an empty table
        _borders(cell, bottom=_THICK)
    if table.footnotes:
        _notes(document, grid, table.footnotes)
    document.add_paragraph()


def note_style(document):
    """The "Table Note" paragraph style: the reference.docx's, else one made here (small,
    no space between notes)."""
    try:
        return document.styles["Table Note"]
    except KeyError:
        style = document.styles.add_style("Table Note", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.font.size = Pt(7.5)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.space_before = Pt(0)
        return style


def _notes(document, grid, notes) -> None:
    """The table's notes, right under it in the "Table Note" style; the table's last row
    and every note but the last keep with the next, so notes never part from the table."""
    for cell in grid.rows[-1].cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True
    style = note_style(document)
    for i, text in enumerate(notes):
        p = document.add_paragraph(text, style=style)
        p.paragraph_format.keep_with_next = i < len(notes) - 1
