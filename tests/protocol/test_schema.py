"""``retrostudy schema``: the protocol's JSON Schema, for editor completion of study.toml.

The schema must be valid JSON, accept both example protocols as written in TOML (windows
with open ends, single names, dates) and reject what the protocol model rejects (an
unknown key, a malformed window).
"""

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

from retrostudy.cli import main
from retrostudy.protocol import load_protocol

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "examples" / "tdm1_after_pertuzumab" / "study.toml",
            ROOT / "examples" / "pd1_after_platinum_nsclc" / "study.toml"]


@pytest.fixture(scope="module")
def schema():
    from retrostudy.cli.schema import protocol_schema

    return protocol_schema()


def _as_json(value):
    """TOML values as an editor's schema validator sees them (dates as ISO strings)."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def test_the_command_prints_the_schema_as_json(capsys, schema, tmp_path):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(schema))
    assert "base_dir" not in printed["properties"]  # internal, never written in a file
    assert {"study", "data", "index", "criteria", "groups", "analyses"} <= set(
        printed["properties"])
    assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8")) == printed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_examples_validate_against_the_schema(schema, path):
    data = _as_json(tomllib.loads(path.read_text(encoding="utf-8")))
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert errors == []
    load_protocol(path)  # and the model itself accepts them


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["study"].update(titel="typo"), "study"),
    (lambda d: d["criteria"][0]["when"].update(window=[-1]), "criteria"),
    (lambda d: d["criteria"][0]["when"].update(window=["inf", 0]), "criteria"),
    (lambda d: d["analyses"]["time_varying"][0].update(window_days=0), "analyses"),
    (lambda d: d["analyses"]["survival"][0].update(entry=30), "analyses"),
])
def test_the_schema_rejects_what_the_model_rejects(schema, change, where):
    jsonschema = pytest.importorskip("jsonschema")
    data = _as_json(tomllib.loads(EXAMPLES[1].read_text(encoding="utf-8")))
    change(data)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert errors and all(e.absolute_path[0] == where for e in errors)
