"""The secondary analyses in the report: sections in HTML and Word with their method
sentences, CIF and subgroup forest figures (all formats, deterministic), results.json keys,
and small-cell suppression of their counts."""

import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "secondary_data", Path(__file__).parents[1] / "analysis" / "secondary_data.py"
)
secondary_data = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(secondary_data)

STUDY = """
[study]
title = "Secondary analyses report test"
synthetic = true

[analysis_table]
file = "secondary.csv"

[groups]
reference = "B"
[[groups.group]]
name = "A"
[[groups.group]]
name = "B"

[endpoints.pfs]
kind = "pfs"
label = "PFS (PD only)"
events = ["progression"]

[endpoints.pfs_standard]
kind = "pfs"
label = "PFS (PD or death)"
events = ["progression", "death"]

[endpoints.os]
kind = "os"
label = "Overall survival"

[[analyses.survival]]
endpoint = "pfs"
label = "Progression-free survival"
adjust = ["visceral"]

[analyses.rmst]

[analyses.competing]
endpoint = "pfs"

[[analyses.subgroups]]
endpoint = "pfs"
variables = ["visceral", "hr_status", "ecog"]

[analyses.sensitivity]
endpoints = ["pfs", "pfs_standard"]
response = ["bor", "bor_confirmed"]

[report]
swimmer = false
outputs = ["html", "docx", "csv", "json", "figures"]

[report.suppression]
threshold = THRESHOLD
"""

SECTIONS = ("Restricted mean survival time", "Competing risks", "Subgroup analyses",
            "Sensitivity analyses")


def _run(folder: Path, threshold: int = 0):
    from retrostudy.pipeline import run_study

    folder.mkdir(parents=True, exist_ok=True)
    secondary_data.make_data(n=120).to_csv(folder / "secondary.csv", index=False)
    (folder / "study.toml").write_text(STUDY.replace("THRESHOLD", str(threshold)),
                                       encoding="utf-8")
    return run_study(folder / "study.toml", out=folder / "out")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secondary")
    return _run(folder), folder / "out"


def test_sections_in_html_with_method_sentences(run):
    _, out = run
    html = (out / "supplement.html").read_text(encoding="utf-8")  # not main exhibits
    for title in SECTIONS:
        assert title in html
    assert "survRM2&#39;s default rule" in html
    assert "Gray&#39;s test" in html and "cause-specific" in html
    assert "interaction" in html
    assert "differs from pfs in events = [progression, death]" in html
    for anchor in ("rmst", "competing", "subgroups", "sensitivity"):
        assert f'id="{anchor}"' in html


def test_sections_in_word(run):
    import docx

    _, out = run
    document = docx.Document(io.BytesIO((out / "supplement.docx").read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for title in SECTIONS:  # numbered S1, S2, ...
        assert any(re.fullmatch(rf"S\d+\. {re.escape(title)}", h) for h in headings), title
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Gray's test p" in cells and "Interaction p" in cells
    assert len(document.inline_shapes) >= 3  # KM, forest, CIF, subgroup forest


def test_figures_all_formats_and_deterministic(run):
    study, out = run
    keys = [k for k in study.figures if "_cif_" in k or "_subgroups_" in k]
    assert sorted(k.split("_", 1)[1] for k in keys) == ["cif_pfs", "subgroups_pfs"]
    for key in keys:
        for fmt in ("png", "svg", "pdf"):
            assert (out / "figures" / f"{key}.{fmt}").stat().st_size > 1000
        fig = study.figures[key]
        assert fig.render("svg") == fig.render("svg")
        assert fig.render("png") == (out / "figures" / f"{key}.png").read_bytes()


def test_results_json_keys(run):
    _, out = run
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {"rmst", "competing_risks", "subgroups", "sensitivity"} <= set(data["analyses"])
    assert data["analyses"]["rmst"]["pfs"]["tau_rule"] == "survRM2 default"
    assert {"rmst", "competing_pfs", "competing_cox_pfs", "subgroups_pfs", "sensitivity",
            "sensitivity_response"} <= set(data["tables"])
    assert (out / "tables" / "subgroups_pfs.csv").exists()


def test_small_cells_are_masked(tmp_path):
    study = _run(tmp_path, threshold=11)
    sub = study.tables["subgroups_pfs"]
    ecog = [r for r in sub.rows if r.label in ("0", "1", "2")]
    assert [c.text for c in ecog[2].cells[:4]] == ["<11"] * 4  # 5 (3), 5 (2) patients (events)
    # complements: another level's counts are masked too, so totals do not reveal them
    assert all(sum(r.cells[j].masked for r in ecog) >= 2 for j in range(4))
    forest = next(f for k, f in study.figures.items() if "_subgroups_" in k).render("svg")
    assert b"n = &lt;11)" in forest  # the ECOG 2 level's count in the figure's label
    cif = next(f for k, f in study.figures.items() if "_cif_" in k).render("svg")
    assert b"&lt;11" in cif  # numbers at risk
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["analyses"] is None  # unmasked counts are not shared
    assert "<11" in " ".join(" ".join(r) for r in data["tables"]["subgroups_pfs"]["rows"])


def test_forest_caption_names_the_interaction_test_of_the_results():
    """The caption's interaction test is read from the results, not assumed: a robust Wald
    test (robust variance; stats.interaction_test) is named as such, not as a likelihood
    ratio test."""
    from types import SimpleNamespace

    from retrostudy.report.figures.forest import _interaction_note

    def res(*tests):
        return SimpleNamespace(variables=[SimpleNamespace(interaction=SimpleNamespace(test=t))
                                          for t in tests])

    assert "robust variance" in _interaction_note(res("interaction_robust_wald"))
    assert "likelihood" not in _interaction_note(res("interaction_robust_wald"))
    assert "likelihood-ratio" in _interaction_note(res("interaction_lr", "interaction_lr"))
    assert _interaction_note(res(None)) == ""
