"""The main document's E-value sentence for the primary endpoint's adjusted hazard ratio
carries the numbers of the supplement's E-value table (one object), on the hand-built
42-patient study (not the example)."""

import html
import re


def test_evalue_sentence_matches_the_table(study, report_dir):
    table = study.tables["evalues"]
    ep = study.analyses.endpoints[0]
    row = next(r for r in table.rows if r.label.startswith(f"{ep.label}: Cox, adjusted"))
    e = ep.model("adjusted").evalues[0].value
    assert row.cells[3].text == f"{e.evalue:.2f}"
    text = html.unescape(re.sub(r"<[^>]+>", "", (report_dir / "report.html").read_text()))
    sentence = next(s for s in text.split("\n") if "E-value of the adjusted hazard ratio" in s)
    assert f"was {row.cells[3].text}, and {row.cells[4].text.split(' ')[0]}" in sentence
    assert ("rare" if e.rare_outcome else "common") in sentence
    assert "VanderWeele & Ding 2017" in sentence
