"""`retrostudy demo`: the shipped example end to end, with what the seed paper shows."""

import json

import pytest


@pytest.fixture(scope="module")
def demo(example_study):
    """The report of the example study, run once for the session (tests/conftest.py): the
    same run as ``retrostudy demo`` (tests/cli runs the command itself)."""
    _, out = example_study
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_flow_is_49_to_42(demo):
    _, data = demo
    flow = data["flow"]
    assert (flow["n_identified"], flow["n_analysed"]) == (49, 42)
    assert [e["n_excluded"] for e in flow["exclusions"]] == [2, 5]
    assert [(g["name"], g["n"]) for g in flow["groups"]] == [("Tmab/Pmab", 18), ("Tmab", 24)]


def test_tables_and_figures_of_the_paper_are_there(demo):
    out, data = demo
    assert {
        "table1",
        "survival_pfs",
        "cox_pfs",
        "table2_response",
        "followup",
        "discontinuation",
        "published",
        "comparators",
    } <= set(data["tables"])
    figures = {f["key"] for f in data["figures"]}
    assert {"figure1_flow", "figure2_km_pfs", "figure3_forest_pfs"} <= figures
    for name in ("report.html", "report.docx", "tables/table1.csv", "figures/figure2_km_pfs.svg"):
        assert (out / name).exists()


def test_table2_counts_and_p_values(demo):
    _, data = demo
    rates = {r["name"]: r for r in data["analyses"]["response"]["rates"]}
    assert (
        rates["response"]["groups"]["Tmab/Pmab"]["x"] == 2
        and rates["response"]["groups"]["Tmab"]["x"] == 6
    )
    assert f"{rates['response']['p_value']:.4f}" == "0.2566"
    assert f"{rates['disease_control']['p_value']:.4f}" == "0.0030"


def test_secondary_analyses_of_the_demo(demo):
    """RMST, competing risks, subgroups and sensitivity analyses are in the demo; the
    sensitivity table's primary row repeats the main PFS analysis."""
    out, data = demo
    an = data["analyses"]
    assert an["rmst"]["pfs"]["tau_rule"] == "survRM2 default"
    assert an["competing_risks"]["deaths_from"] == "pfs_standard"
    assert [v["variable"] for v in an["subgroups"][0]["variables"]] == [
        "visceral", "hr_status", "ecog_1plus"]
    primary = an["sensitivity"]["endpoints"][0]
    assert primary["logrank_p_value"] == an["endpoints"]["pfs"]["logrank"]["p_value"]
    assert [e["endpoint"] for e in an["sensitivity"]["endpoints"]] == [
        "pfs", "pfs_standard", "pfs_censor_new_therapy", "pfs_missed_visits"]
    assert [r["column"] for r in an["sensitivity"]["response"]] == ["bor", "bor_confirmed"]
    figures = {f["key"] for f in data["figures"]}
    assert {"figure6_cif_pfs", "figure7_subgroups_pfs"} <= figures
    html = (out / "supplement.html").read_text(encoding="utf-8")
    for title in ("Restricted mean survival time", "Competing risks", "Subgroup analyses",
                  "Sensitivity analyses"):
        assert title in html


def test_every_figure_pdf_embeds_truetype_fonts_only(demo):
    """Submission systems reject Type 3 fonts (issue 20): every figure of the example."""
    import shutil
    import subprocess

    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is not installed (apt-get install poppler-utils)")
    out, data = demo
    pdfs = sorted((out / "figures").glob("*.pdf"))
    assert len(pdfs) == len(data["figures"])
    for pdf in pdfs:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        assert "Type 3" not in fonts and "TrueType" in fonts, f"{pdf.name}:\n{fonts}"
