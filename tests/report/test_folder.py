"""A report folder is complete or absent (issue 19, item 6), and writing it never ends in a
traceback (item 5: read-only folder, full disk). Synthetic report contents: the mechanism
does not depend on the study."""

import errno
import json
import os
from types import SimpleNamespace

import pytest

import retrostudy.report.write as report_module
from retrostudy import pipeline
from retrostudy.cli import main
from retrostudy.errors import OutputError
from retrostudy.report.folder import MANIFEST, check_out, writing


def _previous(out):
    out.mkdir()
    (out / "report.html").write_text("old report", encoding="utf-8")
    (out / "tables").mkdir()
    (out / "tables" / "gone_table.csv").write_text("stale", encoding="utf-8")
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _snapshot(out):
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _leftovers(parent):
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


def test_a_rerun_replaces_the_previous_files(tmp_path):
    out = tmp_path / "report"
    _previous(out)
    with writing(out) as folder:
        (folder / "report.html").write_text("new report", encoding="utf-8")
    assert (out / "report.html").read_text(encoding="utf-8") == "new report"
    assert not (out / "tables").exists()  # the stale table is gone
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"] == [
        "report.html", MANIFEST]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     KeyboardInterrupt(), RuntimeError("crash")])
def test_a_failed_write_leaves_the_previous_report_untouched(tmp_path, failure):
    out = tmp_path / "report"
    before = _previous(out)
    expected = OutputError if isinstance(failure, OSError) else type(failure)
    with pytest.raises(expected):
        with writing(out) as folder:
            (folder / "results.json").write_text("{}", encoding="utf-8")
            raise failure
    assert _snapshot(out) == before
    assert _leftovers(tmp_path) == []


def test_a_failed_first_write_leaves_nothing(tmp_path):
    out = tmp_path / "report"
    with pytest.raises(OutputError) as info:
        with writing(out) as folder:
            (folder / "report.html").write_text("half", encoding="utf-8")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert not out.exists() and _leftovers(tmp_path) == []
    (problem,) = info.value.problems
    assert "No space left on device" in problem.message and "free disk space" in problem.hint


def test_full_disk_in_write_report_is_an_output_error(tmp_path, monkeypatch):
    """The pipeline's writer: report.docx fails (disk full) after results.json and
    report.html were written; the previous report stays whole."""
    out = tmp_path / "report"
    before = _previous(out)
    real = report_module._write

    def full(path, data):
        if path.name == "report.docx":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(report_module, "_write", full)
    fake = SimpleNamespace(results={"a": 1}, html="<p>new</p>", docx=b"docx", tables={},
                           rendered={}, checklist_docx=b"", supplement_html="<p>S1</p>",
                           supplement_docx=b"supplement")
    protocol = SimpleNamespace(report=SimpleNamespace(outputs=("json", "html", "docx"),
                                                      figure_formats=()))
    with pytest.raises(OutputError):
        pipeline._write(fake, protocol, out, 0.0)
    assert _snapshot(out) == before and _leftovers(tmp_path) == []
    monkeypatch.setattr(report_module, "_write", real)
    files = pipeline._write(fake, protocol, out, 0.0)
    assert {p.name for p in files} == {"results.json", "report.html", "report.docx",
                                       "supplement.html", "supplement.docx", "run-info.json"}
    assert all(p.parent == out and p.is_file() for p in files)


def test_a_read_only_folder_is_an_output_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("pathlib.Path.mkdir", refuse)
    with pytest.raises(OutputError) as info:
        with writing(tmp_path / "report"):
            pass
    assert "Permission denied" in info.value.problems[0].message
    assert "not writable" in info.value.problems[0].hint


def test_the_report_folder_has_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with writing(tmp_path / "report") as folder:
            (folder / "report.html").write_text("new", encoding="utf-8")
    finally:
        os.umask(umask)
    assert (tmp_path / "report").stat().st_mode & 0o777 == 0o755


def test_out_naming_a_file_or_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="names a file"):
        check_out(tmp_path / "notes.txt")
    with pytest.raises(OutputError, match="did not write") as info:
        check_out(tmp_path)
    assert "notes.txt" in info.value.problems[0].message
    check_out(tmp_path / "new")  # absent: fine
    (tmp_path / "empty").mkdir()
    check_out(tmp_path / "empty")


def test_out_naming_a_file_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    target = tmp_path / "report"
    target.write_text("not a folder", encoding="utf-8")

    def no_work(*args, **kwargs):
        raise AssertionError("the study ran although --out was refused")

    monkeypatch.setattr(pipeline, "_protocol", no_work)
    with pytest.raises(OutputError):
        pipeline.run_study("study.toml", out=target)
    assert main(["run", "study.toml", "--out", str(target), "--quiet"]) == 3
    assert "names a file" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_out_as_the_working_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="working folder"):
        check_out(".")
    assert os.listdir(tmp_path) == []
