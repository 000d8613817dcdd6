"""The report folder: every output written, results.json deterministic and complete."""

import json

from retrostudy.pipeline import run_study


def test_every_output_is_written(study, report_dir):
    names = {p.relative_to(report_dir).as_posix() for p in study.files}
    assert {"report.html", "report.docx", "supplement.html", "supplement.docx", "results.json",
            "run-info.json"} <= names
    for key in study.tables:
        assert f"tables/{key}.csv" in names
    for key in study.figures:
        for fmt in ("png", "svg", "pdf"):
            assert f"figures/{key}.{fmt}" in names
    assert {"figure1_flow", "figure2_km_pfs", "figure3_forest_pfs", "figure4_swimmer"} <= set(
        study.figures
    )


def test_outputs_are_byte_identical_across_runs(study, report_dir, study_path, tmp_path):
    run_study(study_path, out=tmp_path)
    for name in (
        "results.json",
        "report.html",
        "report.docx",
        "supplement.html",
        "supplement.docx",
        "tables/table1.csv",
        "figures/figure2_km_pfs.svg",
        "figures/figure2_km_pfs.png",
    ):
        assert (tmp_path / name).read_bytes() == (report_dir / name).read_bytes(), name


def test_results_json_has_no_timestamps_and_sorted_keys(report_dir):
    text = (report_dir / "results.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert "finished_utc" not in text and "wall_seconds" not in text
    assert "wall_seconds" in (report_dir / "run-info.json").read_text(encoding="utf-8")


def test_results_json_holds_the_numbers_and_provenance(report_dir, study):
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    assert data["flow"]["n_analysed"] == 42
    assert [g["n"] for g in data["flow"]["groups"]] == [18, 24]
    pfs = data["analyses"]["endpoints"]["pfs"]
    assert pfs["logrank"]["p_value"] == float(
        f"{study.analyses.endpoints[0].logrank.p_value:.12g}"
    )
    prov = data["provenance"]
    assert len(prov["protocol_sha256"]) == 64
    assert prov["inputs"][0]["file"] == "seed_like.csv" and len(prov["inputs"][0]["sha256"]) == 64
    assert prov["conventions"] == {
        "conf_level": 0.95,
        "conf_type": "log",
        "days_per_month": 30.4375,
        "profile": "r",
        "ties": "efron",
    }
    # numba: large Cox fits and KM counts run its compiled kernels (last bits may differ)
    assert {"numpy", "scipy", "numba", "python"} <= set(prov["packages"])
    assert set(data["tables"]) == set(study.tables)


def test_csv_matches_the_table(report_dir, study):
    text = (report_dir / "tables" / "table2_response.csv").read_text(encoding="utf-8")
    assert text == study.tables["table2_response"].to_csv()
    assert text.splitlines()[1].startswith('"Tumour response rate, n (%)",2 (11.1),6 (25.0),0.2566')


def test_tables_display_in_jupyter(study):
    html = study.tables["table1"]._repr_html_()
    assert "<table>" in html and "Characteristic" in html
    assert "<table>" in study._repr_html_()


def test_numbers_at_risk_are_in_results_json(report_dir, dataset_counts=(18, 24)):
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    risk = data["numbers_at_risk"]["pfs"]
    assert risk["months"][:3] == [0.0, 6.0, 12.0]
    assert [risk["groups"][g][0] for g in ("Tmab/Pmab", "Tmab")] == list(dataset_counts)
    assert all(len(v) == len(risk["months"]) for v in risk["groups"].values())
