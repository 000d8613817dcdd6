"""Copying a shipped example study into a folder to edit (`retrostudy app --demo`): from
the package's own data (as in a wheel) or the source tree, the study and its data arrive
whole and read; an earlier copy is kept as it is; any other non-empty folder is refused
with nothing written."""

from __future__ import annotations

import filecmp

import pytest
from cli_helpers import write_study

from retrostudy.cli import main
from retrostudy.cli.demo import copy_example, example_dir
from retrostudy.errors import RetroStudyError
from retrostudy.protocol import load_protocol


def _tree(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_copies_an_example_from_the_package_data(tmp_path, monkeypatch):
    """A packaged examples folder (as in a wheel): the copy holds every file of it, the
    protocol reads, and a second copy into the same folder keeps the edited file."""
    pkg = tmp_path / "site" / "retrostudy"
    write_study(pkg / "examples" / "tiny_example")
    (pkg / "examples" / "tiny_example" / "__pycache__").mkdir()
    import retrostudy

    monkeypatch.setattr(retrostudy, "__file__", str(pkg / "__init__.py"))
    source = example_dir("tiny_example")
    assert source == pkg / "examples" / "tiny_example"
    target = tmp_path / "work" / "my-study"
    assert copy_example("tiny_example", target) is True
    assert _tree(target) == ["analysis.csv", "study.toml"]
    assert not filecmp.dircmp(source, target, ignore=["__pycache__"]).diff_files
    assert load_protocol(target / "study.toml").study.title == "CLI conventions [test] study"

    edited = (target / "study.toml").read_text(encoding="utf-8") + "# my edit\n"
    (target / "study.toml").write_text(edited, encoding="utf-8")
    assert copy_example("tiny_example", target) is False  # re-run: nothing copied
    assert (target / "study.toml").read_text(encoding="utf-8") == edited


def test_the_copied_example_validates(tmp_path):
    target = tmp_path / "nsclc"
    target.mkdir()  # an empty folder is fine
    assert copy_example("pd1_after_platinum_nsclc", target) is True
    assert (target / "data").is_dir()
    protocol = load_protocol(target / "study.toml")
    assert protocol.data.path is not None
    assert main(["validate", "--protocol", str(target / "study.toml"), "-q"]) == 0


def test_refuses_a_non_empty_folder_without_a_study(tmp_path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(RetroStudyError) as refused:
        copy_example("pd1_after_platinum_nsclc", target)
    problem = refused.value.problems[0]
    assert problem.code == "demo_target_not_empty" and "not empty" in problem.message
    assert _tree(target) == ["notes.txt"]  # nothing written

    # the command says so, exit code 2, before any server starts
    assert main(["app", "--demo", str(target), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and str(target) in err and "new or empty folder" in err
    assert _tree(target) == ["notes.txt"]


def test_refuses_a_file(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(RetroStudyError, match="not a folder"):
        copy_example("pd1_after_platinum_nsclc", target)
