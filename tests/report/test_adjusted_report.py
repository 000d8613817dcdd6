"""The report's adjusted-comparison section: HTML, Word, figures, results.json, suppression."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "analysis"))
from adjusted_helpers import protocol_with  # noqa: E402

TITLE = "Adjusted comparison (sensitivity analysis)"
FIGURES = ("figureS1_love", "figureS2_ps_overlap", "figureS3_km_adjusted_pfs")


@pytest.fixture(scope="module")
def adjusted_run(tmp_path_factory):
    from retrostudy.pipeline import run_study

    out = tmp_path_factory.mktemp("adjusted")
    return run_study(protocol_with(), out=out), out


def test_section_in_html_and_docx(adjusted_run):
    import docx

    study, out = adjusted_run
    html = (out / "supplement.html").read_text(encoding="utf-8")  # not a main exhibit
    assert TITLE in html and TITLE not in (out / "report.html").read_text(encoding="utf-8")
    start = html.index('id="adjusted"')
    # after the survival results, before the checklist
    assert html.index('id="ep-pfs"') < start < html.index('id="checklist"')
    for text in (
        "Propensity-score model",
        "Covariate balance before and after adjustment",
        "crude and propensity-score adjusted comparison",
        "stabilised",
        "caliper 0.2 SD of the logit",
    ):
        assert text in html[start:], text
    main, supp = (docx.Document(str(out / f"{n}.docx")) for n in ("report", "supplement"))
    headings = [p.text for p in supp.paragraphs if p.style.name.startswith("Heading")]
    assert any(h.endswith(f". {TITLE}") and h.startswith("S") for h in headings), headings
    # every table and figure once, in one of the two documents
    assert len(main.tables) + len(supp.tables) == len(study.tables)
    assert len(main.inline_shapes) + len(supp.inline_shapes) == len(study.figures)


def test_figures_written_and_deterministic(adjusted_run):
    study, out = adjusted_run
    for key in FIGURES:
        for fmt in ("png", "svg", "pdf"):
            assert (out / "figures" / f"{key}.{fmt}").stat().st_size > 1000
        fig = study.figures[key]
        assert fig.render("svg") == (out / "figures" / f"{key}.svg").read_bytes()
    assert not any(k.startswith("figure6") for k in study.figures)  # main numbering kept


def test_results_json_gains_the_adjusted_key(adjusted_run):
    _, out = adjusted_run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    adj = results["analyses"]["adjusted"]
    assert adj["treated_group"] == "Tmab/Pmab" and adj["reference_group"] == "Tmab"
    assert set(adj["endpoints"]["pfs"]) == {"crude", "iptw", "matching"}
    assert {"ps_model", "balance", "adjusted_pfs"} <= set(results["tables"])
    keys = {f["key"] for f in results["figures"]}
    assert set(FIGURES) <= keys


def test_suppression_masks_adjusted_counts(tmp_path):
    from retrostudy.pipeline import run_study
    from retrostudy.protocol.load import parse_protocol

    raw = protocol_with().model_dump(mode="json", by_alias=True, exclude_none=True)
    raw["report"]["suppression"] = {"threshold": 30, "mask": "<{threshold}"}
    protocol = parse_protocol(raw, base_dir=Path(__file__).parents[1] / "analysis" / "data")
    study = run_study(protocol, out=tmp_path)
    table = study.tables["adjusted_pfs"]
    cells = [c for r in table.rows for c in r.cells]
    assert any(c.masked for c in cells)
    assert all(c.text == "<30" for c in cells if c.masked)
    balance = study.tables["balance"]
    assert any(c.masked for r in balance.rows for c in r.cells)
    svg = (tmp_path / "figures" / "figureS3_km_adjusted_pfs.svg").read_text()
    assert "n = &lt;30" in svg or "n = <30" in svg
