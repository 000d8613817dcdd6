"""docs/results-schema.md is generated from the results.json models and is current;
``retrostudy schema --results`` prints their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

from retrostudy.cli import main
from retrostudy.report.results_model import Results, results_json_schema
from retrostudy.report.results_model.common import Strict
from retrostudy.report.results_model.markdown import COMMAND, _heading, _models, results_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "results-schema.md"


def test_docs_results_schema_is_current():
    assert DOC.read_text(encoding="utf-8") == results_markdown(), (
        f"docs/results-schema.md is out of date; regenerate it with `{COMMAND}`")


def test_every_field_is_described_and_every_model_has_a_section():
    text = results_markdown()
    for model, path in _models(Results):
        assert f"## {_heading(model, path)}\n" in text
        if not issubclass(model, Strict):
            continue  # the protocol's Comparator, documented in docs/protocol.md
        assert model.__doc__, model.__name__
        undocumented = [n for n, f in model.model_fields.items() if not f.description]
        assert undocumented == [], model.__name__


def test_schema_results_prints_the_json_schema(capsys, tmp_path):
    assert main(["schema", "--results"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(results_json_schema()))
    assert printed["title"] == "retrostudy results.json"
    assert printed["additionalProperties"] is False
    assert set(printed["required"]) == {n for n, f in Results.model_fields.items()
                                        if f.is_required()}
    out = tmp_path / "results-schema.md"
    assert main(["schema", "--results", "--markdown", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == results_markdown()


def test_markdown_without_results_is_refused(capsys):
    assert main(["schema", "--markdown"]) == 2
    assert "--results" in capsys.readouterr().err
