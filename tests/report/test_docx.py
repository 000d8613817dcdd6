"""The Word report read back with python-docx: headings, tables and figures are there."""

import docx


def test_docx_reads_back_with_every_table(report_dir, study):
    """report.docx: Methods and Results with the main exhibits; supplement.docx: the rest,
    numbered S1, S2, ...; every table and figure in one of them."""
    document = docx.Document(str(report_dir / "report.docx"))
    supplement = docx.Document(str(report_dir / "supplement.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Methods", "Results"]
    headings = [p.text for p in supplement.paragraphs if p.style.name.startswith("Heading")]
    for title in (
        "Contents",
        "Progression-free survival",
        "Follow-up and treatment discontinuation",
        "Conventions and provenance",
    ):
        assert any(h == title or h.endswith(f". {title}") for h in headings), headings
    assert len(document.tables) + len(supplement.tables) == len(study.tables)
    first = document.tables[0]  # Table 1
    assert [c.text for c in first.rows[0].cells] == [
        "Characteristic",
        "Tmab/Pmab (n = 18)",
        "Tmab (n = 24)",
        "p value",
    ]
    assert first.rows[1].cells[0].text == "Age"
    shapes = len(document.inline_shapes) + len(supplement.inline_shapes)
    assert shapes == len(study.figures)


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
