"""`retrostudy run` / `demo`: exit codes, readable errors, help a clinician can follow."""

import json

import pytest

from retrostudy.cli import main


def test_run_writes_the_report_and_exits_0(study_path, tmp_path, capsys):
    assert main(["run", str(study_path), "--out", str(tmp_path), "--profile", "sas"]) == 0
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data["provenance"]["conventions"]["conf_type"] == "log-log"  # --profile sas
    out = capsys.readouterr().out  # the summary is the command's output: stdout
    assert "42 patients analysed" in out and "report.html" in out


def test_missing_protocol_is_a_readable_error_with_exit_code_2(tmp_path, capsys):
    code = main(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "protocol file not found" in err and "Traceback" not in err


def test_bad_protocol_key_is_reported_with_its_path(tmp_path, capsys):
    bad = tmp_path / "study.toml"
    bad.write_text(
        '[study]\ntitle = "x"\n[analysis_table]\nfile = "t.csv"\n[analyses]\nprofil = "r"\n'
    )
    assert main(["run", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "profil" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "demo"])
def test_help_explains_outputs_and_profiles(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--out DIR" in out and "--profile" in out


def test_run_help_lists_the_files_written(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for name in ("report.html", "report.docx", "results.json", "tables/*.csv", "Exit codes"):
        assert name in out


def test_demo_finds_the_shipped_example():
    from retrostudy.cli.demo import example_dir

    assert (example_dir() / "study.toml").is_file()


def test_unknown_columns_are_listed_with_their_protocol_keys(tmp_path, capsys):
    from pathlib import Path

    data = Path(__file__).parents[1] / "analysis" / "data" / "seed_like.csv"
    study = tmp_path / "study.toml"
    study.write_text(
        '[study]\ntitle = "x"\n'
        f'[analysis_table]\nfile = "{data.as_posix()}"\n'
        '[[analyses.table1]]\nname = "agee"\nkind = "continuous"\n'
        '[[analyses.survival]]\nendpoint = "os"\n',
        encoding="utf-8",
    )
    assert main(["run", str(study), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "analyses.table1[0].name" in err and "did you mean age" in err
    assert "'os_days'" in err and "Traceback" not in err


def test_degenerate_covariate_is_ne_with_a_readable_warning(tmp_path, capsys):
    """A covariate with one value: R's coxph gives its coefficient NA; the study runs and
    the models using it are NE with the reason (tests/reference/degenerate.R)."""
    import json
    from pathlib import Path

    data = Path(__file__).parents[1] / "analysis" / "data" / "seed_like.csv"
    study = tmp_path / "study.toml"
    study.write_text(
        '[study]\ntitle = "x"\n'
        f'[analysis_table]\nfile = "{data.as_posix()}"\n'
        '[[analyses.derived]]\nname = "ecog_9"\ncolumn = "ecog"\nat_least = 9\n'
        '[[analyses.survival]]\nendpoint = "pfs"\nadjust = ["ecog_9"]\n',
        encoding="utf-8",
    )
    assert main(["run", str(study), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert "pfs: the univariable:ecog_9 Cox model is not estimable (covariate 'ecog_9' is " \
        "constant" in text and "Traceback" not in text
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    models = {m["name"]: m for m in results["analyses"]["endpoints"]["pfs"]["cox"]}
    assert models["univariable:ecog_9"]["not_estimable"].startswith("covariate 'ecog_9'")
    assert models["adjusted"]["coefficients"][0]["hazard_ratio"] is None
    assert models["unadjusted"]["not_estimable"] is None
