"""Every default docs/protocol.md states is the one the code applies.

The key tables of docs/protocol.md (a header with "Key" and "Default") are parsed, each is
tied to the protocol block named just above it (a heading or a paragraph starting with
`` `[block]` ``), and each literal default (a number, true/false, a quoted string, a list,
``none``, ``required``) is compared with the pydantic model's default. Defaults written in
words ("the profile's", "all four") are listed in ``DESCRIBED`` with the value the code must
have, so none is skipped silently.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from retrostudy.protocol.model import Protocol

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
BLOCK = re.compile(r"^(?:#+\s*)?`\[\[?([a-z0-9_.]+)\]\]?`")
# Blocks whose defaults are concept sets described in words (checked against the concept
# tables by tests/data/omop).
SKIP_BLOCKS = {"data.omop"}

# Defaults the docs give in words: (block, key) -> the value the model must have.
DESCRIBED = {
    ("analyses", "conf_type"): None,  # the profile's
    ("analyses", "ties"): None,
    ("analyses.table1", "label"): None,  # `name`
    ("analyses.table1", "levels"): [],  # values found, sorted
    ("analyses.survival", "label"): None,  # upper-case name
    ("analyses.survival", "reference"): {},  # first level, sorted
    ("analyses.response", "categories"): ["CR", "PR", "SD", "PD", "NE"],
    ("analyses.response", "rates"): ["response", "disease_control"],
    ("analyses.followup", "observation"): None,  # `reverse_km_of`
    ("analyses.discontinuation", "labels"): {},  # built-in reason texts
    ("analyses.adjusted", "methods"): ["iptw", "matching"],  # both
    ("analyses.adjusted", "endpoints"): None,  # every [[analyses.survival]]
    ("analyses.adjusted", "firth"): None,  # automatic
    ("analyses.rmst", "endpoints"): None,
    ("analyses.rmst", "tau"): None,  # survRM2's rule
    ("analyses.competing", "deaths_from"): None,  # found
    ("analyses.competing", "label"): None,
    ("analyses.competing", "adjust"): None,
    ("analyses.competing", "reference"): {},
    ("analyses.subgroups", "label"): None,
    ("report", "title"): None,
    ("report", "subtitle"): None,
    ("report", "outputs"): ["html", "docx", "csv", "json", "figures"],  # all
    ("report", "figure_formats"): ["png", "svg", "pdf"],
    ("report", "flow_source"): None,  # [index].label
    ("covariates", "exposure_drugs"): ["trastuzumab", "pertuzumab", "lapatinib", "docetaxel",
                                       "paclitaxel", "capecitabine", "vinorelbine",
                                       "trastuzumab emtansine"],
    ("covariates", "combinations"): {"docetaxel_trastuzumab_pertuzumab": [
        "docetaxel", "trastuzumab", "pertuzumab"]},
    ("lines", "substitutions"): [  # taxanes; capecitabine/fluorouracil; cisplatin/carboplatin
        ["paclitaxel", "docetaxel", "nab-paclitaxel", "paclitaxel protein-bound"],
        ["capecitabine", "fluorouracil"], ["cisplatin", "carboplatin"]],
    ("lines", "always_new_line"): ["trastuzumab emtansine", "trastuzumab deruxtecan"],
    ("comparators", "this_study"): None,  # by endpoint kind (report.published.own_types)
}


def _model(path: str) -> type[BaseModel] | None:
    """The pydantic class of a dotted block path of the protocol (None if not a model)."""
    cls: type[BaseModel] = Protocol
    for part in path.split("."):
        field = cls.model_fields.get(part)
        if field is None:
            return None
        cls = _inner(field.annotation)
        if cls is None:
            return None
    return cls


def _inner(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner(arg)
        if found is not None:
            return found
    if isinstance(annotation, types.UnionType):
        return None
    return None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def documented() -> list[tuple[str, str, str, int]]:
    """(block, key, default text, line) for every row of every key table."""
    out, block, header = [], None, None
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines, 1):
        m = BLOCK.match(line)
        if m:
            block, header = m.group(1), None
            continue
        if line.startswith("#"):  # a heading naming no block ends the previous one
            block, header = None, None
            continue
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.lower() for c in _cells(line.replace("\\|", "/"))]
        if header is None:
            header = cells if "key" in cells and "default" in cells else []
            continue
        if not header or set(line) <= set("|-: ") or block is None:
            continue
        raw = _cells(line.replace("\\|", "/"))
        keys = re.findall(r"`([a-z_]+)`", raw[header.index("key")])
        default = raw[header.index("default")]
        values = [v.strip() for v in default.split(", ")] if len(keys) > 1 else [default]
        if len(values) != len(keys):
            values = [default] * len(keys)
        out += [(block, k, v, i) for k, v in zip(keys, values, strict=True)]
    return out


def _literal(text: str):
    text = text.strip().strip("`")
    if text in ("none", "open"):
        return None
    if text == "required":
        return PydanticUndefined
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return ...  # words


def _actual(cls, key):
    field = cls.model_fields[key]
    if field.is_required():
        return PydanticUndefined
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, (list, tuple)):
        return [getattr(v, "name", getattr(v, "value", v)) for v in value]
    return value


def _plain(value):
    """Comparable form: tuples as lists, ints as floats, "-inf"/"inf" window ends as floats."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str) and value in ("-inf", "inf"):
        return float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


ROWS = [r for r in documented() if r[0] not in SKIP_BLOCKS and _model(r[0]) is not None
        and r[1] in _model(r[0]).model_fields]


def test_the_docs_tables_are_found():
    blocks = {r[0] for r in ROWS}
    assert {"study", "analyses", "analyses.table1", "analyses.survival", "analyses.response",
            "analyses.followup", "analyses.discontinuation", "analyses.adjusted",
            "report"} <= blocks
    assert len(ROWS) > 60


@pytest.mark.parametrize(("block", "key", "text", "line"), ROWS,
                         ids=[f"{r[0]}.{r[1]}" for r in ROWS])
def test_documented_default_is_the_code_default(block, key, text, line):
    actual = _actual(_model(block), key)
    expected = DESCRIBED.get((block, key), _literal(text))
    if expected is ...:
        pytest.fail(f"docs/protocol.md line {line}: default of {block}.{key} is written in "
                    f"words ({text!r}); add it to DESCRIBED with the value the code applies")
    actual, expected = _plain(actual), _plain(expected)
    if expected is None and actual in ([], {}):  # "none" for a list or a table: empty
        expected = actual
    assert actual == expected, f"docs/protocol.md line {line}: {block}.{key}"
