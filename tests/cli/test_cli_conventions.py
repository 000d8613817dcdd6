"""The command behaves like a Unix tool: whole lines off a terminal (whatever COLUMNS,
path length or user text), usage errors exit 2, -q/-v through logging, the summary on
stdout and diagnostics on stderr, --json, a closed pipe, progress counts, warning codes.
All on a generated study (tests/cli/cli_helpers.py), not the T-DM1 example."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import GROUPS, deep, write_study

from retrostudy.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def study(tmp_path):
    return write_study(deep(tmp_path) / "study")


def _lines(captured) -> list[str]:
    return (captured.out + captured.err).splitlines()


def test_no_message_is_wrapped_or_split_off_a_terminal(study, tmp_path, monkeypatch, capsys):
    """COLUMNS=40, paths well over 80 characters, user text that looks like markup: each
    message is one whole line a grep finds."""
    monkeypatch.setenv("COLUMNS", "40")
    out = deep(tmp_path) / "report-folder-with-a-long-name"
    assert main(["run", str(study), "--out", str(out)]) == 0
    lines = _lines(capsys.readouterr())
    assert f"Report written to {out} (open {out / 'report.html'})" in lines
    assert f"40 patients analysed ({GROUPS[0]} 20, {GROUPS[1]} 20)" in lines
    warned = [x for x in lines if x.startswith("warning RS-W003: pfs: the adjusted Cox model")]
    assert len(warned) == 1 and warned[0].endswith("its hazard ratios are shown as NE.")
    # every line is a whole message: none starts with the tail of a previous one
    assert all(x.startswith(("warning RS-", "error: ")) or not x.startswith(" ") for x in lines)

    bad = study.with_name("bad.toml")
    key = "encoding_but_misspelt_" + "x" * 60
    bad.write_text(f'[data]\npath = "x"\n{key} = "cp932"\n', encoding="utf-8")
    assert main(["validate", "--protocol", str(bad)]) == 2
    lines = _lines(capsys.readouterr())
    assert f"error: {bad}, key 'data.{key}': Extra inputs are not permitted" in lines


def test_validate_lines_are_whole(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "40")
    folder = deep(tmp_path) / "extract"
    folder.mkdir(parents=True)
    drug = "an-unknown-drug-with-a-name-long-enough-to-wrap-" + "z" * 40
    (folder / "patients.csv").write_text("patient_id,birth_date,sex\nP1,1960-01-02,F\n",
                                         encoding="utf-8")
    (folder / "drug_administrations.csv").write_text(
        f"patient_id,drug,date\nP1,{drug},2015-06-01\n", encoding="utf-8")
    assert main(["validate", str(folder)]) == 2
    lines = capsys.readouterr().out.splitlines()
    row = [x for x in lines if x.startswith("drug_administrations ")]
    assert len(row) == 1 and row[0].split()[-3:] == ["1", "0", "1"]
    problem = [x for x in lines if "row 2" in x and "unknown" in x]
    assert len(problem) == 1 and repr(drug) in problem[0]


def test_markup_like_text_is_printed_as_text(tmp_path, capsys):
    """A group called '[prior]' survives; '[x' does not raise (rich's MarkupError)."""
    protocol = write_study(tmp_path / "s")
    assert main(["run", str(protocol), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "[prior] 20" in out and "[x 20" in out and "MarkupError" not in out


@pytest.mark.parametrize("argv", [
    ["validate"],                                       # needs DATA or --protocol
    ["run"],                                            # missing STUDY.TOML
    ["run", "s.toml", "--profile", "spss"],             # not a choice
    ["demo", "--no-such-option"],
    ["synth", "--seed-study", "--episodes", "--out", "x"],
    ["synth", "--patients", "0", "--out", "x"],
    ["run", "s.toml", "-q", "-v"],                      # -q and -v exclude each other
])
def test_usage_errors_exit_2_with_the_usage_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: retrostudy") and "Traceback" not in err


def test_summary_on_stdout_steps_on_stderr_without_source_locations(study, tmp_path, capsys):
    assert main(["run", str(study), "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "patients analysed" in captured.out and "Report written to" in captured.out
    assert "warning" not in captured.out and "Running the analyses" not in captured.out
    assert "Running the analyses" in captured.err.splitlines()
    assert ".py:" not in captured.err and "Drawing figures 1/" not in captured.err


def test_quiet_prints_nothing_and_verbose_counts(study, tmp_path, capsys):
    assert main(["run", str(study), "--out", str(tmp_path / "q"), "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["run", str(study), "--out", str(tmp_path / "v"), "--verbose"]) == 0
    err = capsys.readouterr().err.splitlines()
    n = len(list((tmp_path / "v" / "figures").glob("*.png")))
    assert n >= 1 and f"Drawing figures {n}/{n}" in err and f"Writing figures 1/{n}" in err


def test_progress_is_redrawn_in_place_only_on_a_terminal(study, tmp_path, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["run", str(study), "--out", str(tmp_path / "t")]) == 0
    text = term.getvalue()
    assert "\r\x1b[KDrawing figures 1/" in text
    assert "\x1b[33m" not in text  # NO_COLOR: the warning prefix is not coloured
    # the live line is erased before the next message, which then has the line to itself
    assert re.search(r"Drawing figures \d+/\d+\r\x1b\[KWriting the report\n", text)
    assert not re.search(r"Drawing figures \d+/\d+\n", text)  # counts are never lines


def test_run_json_is_a_machine_readable_summary(study, tmp_path, capsys):
    out = tmp_path / "j"
    assert main(["run", str(study), "--out", str(out), "--json", "-q"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["patients_analysed"] == 40
    assert [g["label"] for g in summary["groups"]] == list(GROUPS)
    assert summary["endpoints"][0]["endpoint"] == "pfs"
    assert 0 < summary["endpoints"][0]["logrank_p"] < 1
    assert {w["code"] for w in summary["warnings"]} == {"RS-W003"}
    assert summary["report"] == str(out / "report.html")
    assert all(Path(f).is_file() for f in summary["files"])
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [w["message"] for w in summary["warnings"]] == results["warnings"]


def test_silence_hides_a_code_on_the_console_only(study, tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["run", str(study), "--out", str(out), "--silence", "rs-w003"]) == 0
    assert "RS-W003" not in capsys.readouterr().err
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["warnings"]
    assert main(["run", str(study), "--out", str(out), "--silence", "RS-W999"]) == 2
    assert "unknown warning code(s) RS-W999" in capsys.readouterr().err


def test_a_closed_pipe_exits_quietly(tmp_path):
    """`retrostudy ... | head`: the reader goes away; no traceback, exit 141."""
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,birth_date,sex\nP1,1960-01-02,F\n",
                                         encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get(
        "PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "retrostudy", "validate", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # before the command writes anything
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_run_study_progress_callbacks_with_and_without_counts(tmp_path):
    """A callback taking (message, done, total) sees the figure counts; one taking only the
    message (the older signature) still works and sees the steps."""
    from retrostudy.pipeline import run_study

    protocol = write_study(tmp_path / "p")
    counted, plain = [], []
    run_study(protocol, out=tmp_path / "a", progress=lambda m, d=None, t=None: counted.append(
        (m, d, t)))
    run_study(protocol, progress=plain.append)
    n = len(list((tmp_path / "a" / "figures").glob("*.png")))
    assert ("Drawing figures", n, n) in counted and ("Writing figures", 1, n) in counted
    assert "Running the analyses" in plain and all(isinstance(m, str) for m in plain)


def test_quiet_validate_and_synth_print_nothing(tmp_path, capsys):
    assert main(["synth", "--patients", "3", "--out", str(tmp_path / "x"), "-q"]) == 0
    assert main(["validate", str(tmp_path / "x"), "-q"]) in (0, 2)
    assert capsys.readouterr() == ("", "")
