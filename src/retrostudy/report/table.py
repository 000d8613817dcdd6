"""A display table: rows of text cells, some carrying the count they show.

One model serves every output (HTML, Word, CSV, text snapshots, Jupyter). Cells that show
a patient count keep the integer, so small-cell suppression can mask them and their
complements without re-parsing text. ``block`` groups the rows whose counts add up to a
column total (the levels of one variable), which is what secondary suppression needs.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, replace

import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    text: str
    count: int | None = None  # the patient count this cell shows, if any
    masked: bool = False
    # What the count is, when the same number is printed elsewhere too ("ep:pfs:n:Tmab": the
    # patients of group Tmab in endpoint pfs): small-cell suppression masks it everywhere.
    ref: str | None = None
    denominator: int | None = None  # of the percentage printed beside the count, if any


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    indent: int = 0
    block: str | None = None  # rows of one block partition the column total
    heading: bool = False
    # The cells restate the row above (e.g. a rate's CI): masked wherever that row is.
    derived: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    key: str  # file stem for CSV and the key in results.json
    title: str
    columns: tuple[str, ...]  # headers of the value columns (the label column is unnamed)
    rows: tuple[Row, ...]
    footnotes: tuple[str, ...] = ()
    stub: str = ""  # header of the label column
    # Column indices whose counts add up across a row (per-group columns summing to "Overall").
    row_total: tuple[int, tuple[int, ...]] | None = None

    def with_rows(
        self, rows: tuple[Row, ...], *, footnotes: tuple[str, ...] | None = None
    ) -> Table:
        return replace(
            self, rows=rows, footnotes=self.footnotes if footnotes is None else footnotes
        )

    def body(self) -> list[list[str]]:
        """The table as lists of strings, label first, indentation as leading spaces."""
        return [["  " * r.indent + r.label, *(c.text for c in r.cells)] for r in self.rows]

    def to_text(self) -> str:
        """Fixed-width text (used for snapshot tests and the terminal)."""
        grid = [[self.stub, *self.columns], *self.body()]
        widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
        lines = [self.title]
        for row in grid:
            lines.append(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        lines.extend(self.footnotes)
        return "\n".join(lines) + "\n"

    def to_frame(self):
        return pd.DataFrame(self.body(), columns=[self.stub or "", *self.columns])

    def to_csv(self, cell=str) -> str:
        """The table as CSV: header row, body, then (after one empty row) the footnotes one
        per row, so the notes travel with the numbers (tests named for each p value, CI
        methods, denominators). ``cell`` maps each cell's text as written (the report passes
        its formula-injection guard, :func:`retrostudy.report.spreadsheet.neutralise`)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        rows = [[self.stub or "", *self.columns], *self.body()]
        if self.footnotes:
            rows += [[], *([f] for f in self.footnotes)]
        writer.writerows([cell(c) for c in row] for row in rows)
        return buf.getvalue()

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "columns": [self.stub, *self.columns],
            "rows": self.body(),
            "footnotes": list(self.footnotes),
        }

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in (self.stub, *self.columns))
        body = "".join(
            "<tr>"
            + f'<td style="padding-left:{0.3 + 1.2 * r.indent}em;text-align:left">'
            + f"{esc(r.label)}</td>"
            + "".join(f"<td>{esc(c.text)}</td>" for c in r.cells)
            + "</tr>"
            for r in self.rows
        )
        foot = "".join(f"<div><small>{esc(f)}</small></div>" for f in self.footnotes)
        return (
            f"<div><strong>{esc(self.title)}</strong><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{foot}</div>"
        )

    def __str__(self) -> str:
        return self.to_text()


def text_cells(*texts: str) -> tuple[Cell, ...]:
    return tuple(Cell(text=t) for t in texts)
