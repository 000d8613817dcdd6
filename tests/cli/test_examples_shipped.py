"""Every folder of examples/ ships inside the package and `retrostudy demo NAME` runs it
(the wheel itself is built and run from outside the repository by .ci/run)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import setuptools

from retrostudy.cli import demo as demo_cli
from retrostudy.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _setup_kwargs(monkeypatch) -> dict:
    seen = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kw: seen.update(kw))
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "setup.py"), run_name="__main__")
    return seen


def test_every_example_folder_is_package_data(monkeypatch):
    kw = _setup_kwargs(monkeypatch)
    assert kw["package_dir"]["retrostudy.examples"] == "examples"
    folders = [d for d in (ROOT / "examples").rglob("*")
               if d.is_dir() and "__pycache__" not in d.parts]
    assert folders, "no example folder"
    for d in folders:
        name = "retrostudy.examples." + ".".join(d.relative_to(ROOT / "examples").parts)
        assert name in kw["packages"] and kw["package_data"][name] == ["*"], d
    assert "retrostudy.cli" in kw["packages"] and "retrostudy.examples" in kw["packages"]


def test_list_names_every_example_and_demo_runs_one_by_name(tmp_path, monkeypatch, capsys):
    """A packaged examples folder (as in a wheel) is found first; NAME picks an example."""
    pkg = tmp_path / "site" / "retrostudy"
    study = pkg / "examples" / "tiny_example"
    from cli_helpers import write_study

    write_study(study)
    (study / "README.md").write_text("# Tiny example [for the test]\n", encoding="utf-8")
    import retrostudy

    monkeypatch.setattr(retrostudy, "__file__", str(pkg / "__init__.py"))
    assert main(["demo", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "tiny_example\tTiny example [for the test]" in lines
    assert main(["demo", "tiny_example", "--out", str(tmp_path / "out"), "-q"]) == 0
    assert (tmp_path / "out" / "results.json").is_file()
    assert main(["demo", "no_such_example", "--out", str(tmp_path / "x")]) == 2
    assert "tiny_example" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(
    d.name for d in (ROOT / "examples").iterdir() if (d / "study.toml").is_file()))
def test_the_repository_examples_are_listed(name):
    assert name in demo_cli.examples()
