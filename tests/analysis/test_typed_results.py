"""Analysis results are typed: no field of a result dataclass of ``retrostudy.analysis`` (or
the pipeline's ``StudyResult``) is annotated ``dict``/``list``/``tuple``/``Mapping`` without
their item types, ``object`` or ``Any`` (``tuple[dict, ...]`` and ``dict[str, dict]``
included). A field that must stay open is allowlisted below with its reason."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re

import retrostudy.analysis as analysis_pkg

UNTYPED = re.compile(r"\b(dict|list|tuple|Mapping)\b(?!\[)|\bAny\b|\bobject\b")

ALLOWED = {
    # the registry's own entries: callables over each analysis's own result and settings
    # types, heterogeneous by design; not a result
    "registry.Analysis.run": "callable over each analysis's own types",
    "registry.Analysis.settings": "callable returning each analysis's own protocol block",
    "registry.Analysis.to_json": "callable over each analysis's own result",
    "registry.Analysis.empty": "the JSON value written when an analysis did not run",
    "registry.Analysis.warnings": "callable over each analysis's own result",
    # registry name -> that analysis's result (heterogeneous); the typed properties of
    # Analyses (endpoints, adjusted, secondary, ...) give each its type
    "Analyses.results": "registry name -> its analysis's own result type",
    # the JSON document itself, described by the pydantic models of report/results_model
    "pipeline.StudyResult.results": "results.json as written (report/results_model)",
}


def _result_classes():
    modules = [importlib.import_module(f"retrostudy.analysis.{m.name}")
               for m in pkgutil.iter_modules(analysis_pkg.__path__)]
    modules += [analysis_pkg, importlib.import_module("retrostudy.pipeline")]
    seen = set()
    for mod in modules:
        for obj in vars(mod).values():
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) \
                    and obj.__module__ == mod.__name__ and obj not in seen:
                seen.add(obj)
                yield mod.__name__.removeprefix("retrostudy.analysis").lstrip("."), obj


def _untyped() -> dict[str, str]:
    out = {}
    for mod, cls in _result_classes():
        for f in dataclasses.fields(cls):
            ann = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            if UNTYPED.search(ann):
                name = ".".join(p for p in (mod.replace("retrostudy.", ""), cls.__name__,
                                            f.name) if p)
                out[name] = ann
    return out


def test_no_result_field_is_typed_dict_object_or_any():
    found = _untyped()
    assert {k: v for k, v in found.items() if k not in ALLOWED} == {}


def test_the_allowlist_names_only_fields_that_are_still_open():
    """An allowlisted field that got typed leaves the list (it must not hide a new one)."""
    assert sorted(set(ALLOWED) - set(_untyped())) == []


def test_the_check_sees_an_untyped_field():
    assert UNTYPED.search("dict") and UNTYPED.search("tuple[dict, ...]")
    assert UNTYPED.search("dict[str, dict]") and UNTYPED.search("Mapping[str, Any]")
    assert UNTYPED.search("object") and UNTYPED.search("list")
    assert not UNTYPED.search("dict[str, CifGroup]") and not UNTYPED.search("tuple[int, ...]")
    assert not UNTYPED.search("Mapping[str, EndpointSpec]")
