"""The STROBE + RECORD reporting checklist (report/checklist.py).

Checked on the report as written, not on the module's own view of it: every "where"
reference of tables/checklist.csv must name a section heading, table caption or figure
title that report.html and report.docx really print. A small synthetic study that is not
the example (no adjusted, subgroup, sensitivity or competing-risks analyses) and the T-DM1
example show that the rows follow the protocol.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import docx
import pytest
from test_minimal_protocol import MINIMAL, _study

STROBE = ("1a 1b 2 3 4 5 6a 6b 7 8 9 10 11 12a 12b 12c 12d 12e 13a 13b 13c 14a 14b 14c "
          "15 16a 16b 16c 17 18 19 20 21 22").split()
RECORD = "1.1 1.2 1.3 6.1 6.2 6.3 7.1 12.1 12.2 12.3 13.1 19.1 22.1".split()
# Nothing in the records answers these: background, discussion, funding, title/abstract
# wording, code validation, database access.
FOR_AUTHORS = {("STROBE", i) for i in "1a 1b 2 3 18 19 20 21 22".split()} | {
    ("RECORD", i) for i in "1.1 1.2 1.3 6.2 12.1 19.1".split()}
AUTHORS = "for the authors to complete"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """80 synthetic patients; the protocol has RMST but no adjusted, competing-risks,
    subgroup or sensitivity analyses; HTML and Word written."""
    from retrostudy.pipeline import run_study

    folder = tmp_path_factory.mktemp("checklist")
    path = _study(folder)
    text = MINIMAL.replace("{response}", "")
    text = text[: text.index("[analyses.adjusted]")] + "[analyses.rmst]\n"
    path.write_text(text + '[report]\noutputs = ["html", "docx", "json", "csv"]\n',
                    encoding="utf-8")
    return run_study(path, out=folder / "out"), folder / "out"


@pytest.fixture(params=["small", "example"])
def study(request, small, example_study):
    return small if request.param == "small" else example_study


def _rows(out) -> list[tuple[str, str, str, str, str]]:
    """(guideline, item, topic, where, status) from tables/checklist.csv."""
    text = (out / "tables" / "checklist.csv").read_text(encoding="utf-8")
    rows, guideline = [], None
    for rec in csv.reader(io.StringIO(text.split("\n\n")[0])):
        if not rec or rec[0] == "Item":
            continue
        if rec[2:] == ["", ""]:  # a guideline's heading row
            guideline = rec[0]
            continue
        rows.append((guideline, *rec))
    return rows


def _html_places(out) -> set[str]:
    page = "".join((out / f"{n}.html").read_text(encoding="utf-8")
                   for n in ("report", "supplement"))
    sections = re.findall(r"<h2>(.*?)</h2>", page)
    tables = re.findall(r"<caption>(.*?)</caption>", page)
    figures = re.findall(r'<img src="[^"]*" alt="(.*?)">', page)
    return ({f"Section \u201c{html.unescape(s)}\u201d" for s in sections}
            | {_table_ref(html.unescape(t)) for t in tables}
            | {html.unescape(f) for f in figures})


def _table_ref(title: str) -> str:
    return title if title.startswith("Table ") else f"Table \u201c{title}\u201d"


def _docx_places(path) -> set[str]:
    """The places of report.docx and of supplement.docx beside it."""
    paragraphs = [p for name in ("report.docx", "supplement.docx")
                  for p in docx.Document(str(path.with_name(name))).paragraphs]
    out = set()
    for p in paragraphs:
        style = p.style.name
        if style == "Heading 1":
            out.add(f"Section \u201c{p.text}\u201d")
        elif style == "Caption":
            bold = "".join(r.text for r in p.runs if r.bold)
            title = bold[:-2] if bold.endswith(". ") else bold  # a figure: "<title>. <caption>"
            out |= {_table_ref(title), title}
    return out


def test_every_item_once_in_order(study):
    _, out = study
    rows = _rows(out)
    assert [r[1] for r in rows if r[0] == "STROBE"] == STROBE
    assert [r[1] for r in rows if r[0] == "RECORD"] == RECORD
    assert {r[4] for r in rows} <= {"reported", "partly reported", AUTHORS, "not applicable"}


def test_every_where_names_a_place_the_report_prints(study):
    """Each reference is a heading, table caption or figure title of report.html and of
    report.docx; an item with a place is reported (fully or partly), one without is not."""
    _, out = study
    places_html, places_docx = _html_places(out), _docx_places(out / "report.docx")
    refs = 0
    for guideline, item, _, where, status in _rows(out):
        if where == "\u2014":
            assert status in (AUTHORS, "not applicable"), (guideline, item)
            continue
        assert status in ("reported", "partly reported"), (guideline, item)
        for ref in where.split("; "):
            assert ref in places_html, (guideline, item, ref)
            assert ref in places_docx, (guideline, item, ref)
            refs += 1
    assert refs > 30


def test_what_the_data_cannot_answer_is_for_the_authors(study):
    _, out = study
    for guideline, item, _, where, status in _rows(out):
        if (guideline, item) in FOR_AUTHORS:
            assert (where, status) == ("\u2014", AUTHORS), (guideline, item)


def test_rows_follow_the_protocol(small, example_study):
    """Analyses the small protocol lacks leave their items to the authors (no matching:
    6b not applicable); the example, which has them, points at their sections."""
    got = {name: {(r[0], r[1]): r for r in _rows(out)}
           for name, (_, out) in (("small", small), ("example", example_study))}
    for item in ("12b", "12e"):
        assert got["small"][("STROBE", item)][3:] == ("\u2014", AUTHORS)
        assert got["example"][("STROBE", item)][4] == "reported"
    assert got["small"][("STROBE", "6b")][3:] == ("\u2014", "not applicable")
    assert "Adjusted comparison" in got["example"][("STROBE", "6b")][3]
    assert re.fullmatch("Section \u201cS\\d+\\. Restricted mean survival time\u201d",
                        got["small"][("STROBE", "17")][3])
    for name in got:  # the flow chart, Table 1 and the KM figure of each study
        assert got[name][("STROBE", "13c")][3].startswith("Fig. 1. ")
        assert got[name][("STROBE", "14a")][3] == "Table 1. Patient characteristics"
        assert "Fig. 2. " in got[name][("STROBE", "15")][3]


def test_checklist_is_the_last_section_of_html_and_word(study):
    """The supplement's last numbered section (then the conventions and provenance)."""
    _, out = study
    page = (out / "supplement.html").read_text(encoding="utf-8")
    heads = re.findall(r"<h2>(.*?)</h2>", page)
    n = sum(1 for h in heads if re.match(r"S\d+\. ", h))
    assert heads[-2:] == [f"S{n}. Reporting checklist", "Conventions and provenance"]
    heads = [p.text for p in docx.Document(str(out / "supplement.docx")).paragraphs
             if p.style.name == "Heading 1"]
    assert heads[-2:] == [f"S{n}. Reporting checklist", "Conventions and provenance"]


def test_checklist_docx_reopens_with_the_table(study):
    _, out = study
    d = docx.Document(str(out / "checklist.docx"))
    assert len(d.tables) == 1
    grid = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert grid[0] == ["Item", "Topic", "Where in this report", "Status"]
    items = [r[0] for r in grid[1:] if r[3]]
    assert items == STROBE + RECORD
    rows = _rows(out)
    assert [tuple(r[1:]) for r in rows] == [tuple(r) for r in grid[1:] if r[3]]
    left = docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT
    for row in d.tables[0].rows:  # text columns flush left (numbers stay centred, below)
        assert all(c.paragraphs[0].alignment == left for c in row.cells)
    numbers = [c for t in docx.Document(str(out / "supplement.docx")).tables for r in t.rows[1:]
               for c in r.cells[1:] if re.fullmatch(r"\d+", c.text)]
    assert numbers and all(c.paragraphs[0].alignment != left for c in numbers)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "PLoS Med 2007;4:e296" in text and "PLoS Med 2015;12:e1001885" in text
    assert "Conventions and provenance" not in text  # the checklist alone


def test_results_json_holds_the_checklist_table(study):
    res, out = study
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    table = saved["tables"]["checklist"]
    assert table["columns"] == ["Item", "Topic", "Where in this report", "Status"]
    assert [r[0] for r in table["rows"] if r[3]] == STROBE + RECORD
    assert set(saved) == {"schema_version", "study", "flow", "analyses", "tables", "figures",
                          "published_comparison", "suppression", "warnings", "provenance",
                          "numbers_at_risk", "patient_level", "endpoint_definitions",
                          "data_quality"}
    assert res.tables["checklist"].to_json() == table


def test_no_checklist_docx_without_word(tmp_path):
    """checklist.docx goes with report.docx: outputs without "docx" write neither."""
    from retrostudy.report import Report, write_report

    report = Report(tables={}, figures={}, results={}, html="", docx=b"", rendered={},
                    checklist_docx=b"PK")
    assert write_report(report, tmp_path / "a", outputs=["html"], figure_formats=[]) == [
        tmp_path / "a" / "report.html"]
    written = write_report(report, tmp_path / "b", outputs=["docx"], figure_formats=[])
    assert [p.name for p in written] == ["report.docx", "checklist.docx"]


def test_an_absent_exhibit_is_never_named(small):
    """Built from sections without a flow chart or Table 1, the rows name neither and the
    items only they answer go to the authors."""
    from retrostudy.report.checklist import AUTHORS as STATUS
    from retrostudy.report.checklist import checklist_rows
    from retrostudy.report.document import Section

    res, _ = small
    rows = {(r.guideline, r.item): r for r in
            checklist_rows(res.protocol, [Section("Study", (), anchor="study")])}
    for item in ("13a", "13b", "13c", "14a", "10"):
        assert (rows[("STROBE", item)].where, rows[("STROBE", item)].status) == ((), STATUS)
    assert [w.title for w in rows[("STROBE", "6a")].where] == ["Study"]
