"""The Word report read back with python-docx: headings, tables and figures are there."""

import docx


def test_docx_reads_back_with_every_table(report_dir, study):
    document = docx.Document(str(report_dir / "report.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for title in (
        "Patient flow",
        "Patient characteristics",
        "Progression-free survival",
        "Best response",
        "Follow-up and treatment discontinuation",
        "Conventions and provenance",
    ):
        assert title in headings, headings
    assert len(document.tables) == len(study.tables)
    first = document.tables[0]  # Table 1
    assert [c.text for c in first.rows[0].cells] == [
        "Characteristic",
        "Tmab/Pmab (n = 18)",
        "Tmab (n = 24)",
        "p value",
    ]
    assert first.rows[1].cells[0].text == "Age"
    assert len(document.inline_shapes) == len(study.figures)


def test_three_line_table_borders(report_dir):
    document = docx.Document(str(report_dir / "report.docx"))
    xml = document.tables[0]._tbl.xml
    # one top rule per header cell; the table's own borders are all off (w:val="nil")
    assert xml.count('<w:top w:val="single"') == 4 and 'w:sz="12"' in xml and 'w:sz="6"' in xml
    assert '<w:left w:val="single"' not in xml and '<w:insideV w:val="single"' not in xml


def test_footnotes_follow_the_table(report_dir):
    document = docx.Document(str(report_dir / "report.docx"))
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Data are presented as median (range)") for t in texts)
