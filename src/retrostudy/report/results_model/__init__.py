"""pydantic models of results.json: every key the writer (:mod:`retrostudy.report.results_json`)
can emit, with its type and meaning.

The field descriptions are the documentation: docs/results-schema.md is generated from
these models (:mod:`.markdown`; ``retrostudy schema --results --markdown``) and
``retrostudy schema --results`` prints their JSON Schema. An undocumented key fails
validation (``extra = "forbid"``), so a new key needs its model field, and with it its
description, before any results.json holding it validates.
"""

from __future__ import annotations

from typing import Any

from retrostudy.report.results_json import dumps
from retrostudy.report.results_model.document import Results

__all__ = ["Results", "results_json_schema", "validate_results"]


def validate_results(results: str | bytes | dict[str, Any]) -> Results:
    """``results`` (results.json's text, or its parsed content) as a :class:`Results`;
    raises :class:`pydantic.ValidationError` naming the key path of every key that is not
    documented or has the wrong type."""
    if isinstance(results, dict):  # as written: numpy to Python, NaN to null
        results = dumps(results)
    return Results.model_validate_json(results)


def results_json_schema() -> dict[str, Any]:
    """The JSON Schema of results.json."""
    schema = Results.model_json_schema(mode="validation")
    schema["title"] = "retrostudy results.json"
    return schema
