"""Answers to what a scan leaves open, from a JSON file, flags or prompts.

Every key is optional; what is not answered is the scan's best guess.

```json
{
  "index_drug": "trastuzumab emtansine",
  "title": "T-DM1 after pertuzumab",
  "tables": {"patients": {"file": "pts.csv", "columns": {"patient_id": "ID"}},
             "observations": null},
  "drugs": [{"name": "HCPT", "ingredient": "trastuzumab"}],
  "responses": {"Partial remission": "PR"},
  "blocks": {"index": {...}, "criteria": [...], "groups": {...}, "endpoints": {...}}
}
```

``tables`` replaces the proposal for a table (``null`` leaves the table out); ``blocks``
are protocol blocks written as given, replacing the default of the same name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from retrostudy.errors import Problem, ProtocolError

KEYS = ("index_drug", "title", "tables", "drugs", "responses", "blocks")


@dataclass(frozen=True, slots=True, kw_only=True)
class Answers:
    index_drug: str | tuple[str, ...] | None = None
    title: str | None = None
    tables: Mapping[str, Mapping | None] = field(default_factory=lambda: MappingProxyType({}))
    drugs: tuple[Mapping[str, str], ...] = ()
    responses: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    blocks: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


def from_mapping(raw: Mapping, source: str = "answers") -> Answers:
    """Answers from parsed JSON; unknown keys are errors naming the allowed ones."""
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ProtocolError(Problem(message=f"unknown answer key(s) {unknown}", file=source,
                                    hint=f"allowed keys: {', '.join(KEYS)}"))
    drug = raw.get("index_drug")
    return Answers(
        index_drug=tuple(drug) if isinstance(drug, list) else drug,
        title=raw.get("title"),
        tables=MappingProxyType(dict(raw.get("tables") or {})),
        drugs=tuple(raw.get("drugs") or ()),
        responses=MappingProxyType(dict(raw.get("responses") or {})),
        blocks=MappingProxyType(dict(raw.get("blocks") or {})),
    )


def read_answers(path: str | Path) -> Answers:
    """Answers from a JSON file."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ProtocolError(Problem(message=f"cannot read answers: {error}", file=str(path),
                                    hint="a JSON object, e.g. {\"index_drug\": \"nivolumab\"}"))\
            from None
    if not isinstance(raw, dict):
        raise ProtocolError(Problem(message="answers must be a JSON object", file=str(path)))
    return from_mapping(raw, str(path))
