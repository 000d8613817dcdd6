"""Static type check of the public surface with mypy (configured in pyproject.toml).

Scope, stated in ``[tool.mypy]``: the package root (the public API), ``retrostudy.stats``
and ``retrostudy.pipeline``, with ``check_untyped_defs`` so that unannotated bodies are
checked too. Other packages are read for their types, not yet checked themselves.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes_on_the_public_packages(tmp_path):
    api = pytest.importorskip("mypy.api", reason="mypy is in the 'test' extra")
    out, err, status = api.run([
        "--config-file", str(ROOT / "pyproject.toml"),
        "--cache-dir", str(tmp_path / "mypy_cache"),
    ])
    assert status == 0, out + err


def test_the_package_ships_its_types():
    assert (ROOT / "src" / "retrostudy" / "py.typed").is_file()


def test_every_public_function_is_annotated():
    """The functions ``import retrostudy`` exposes (run_study, load_protocol, table_one and
    the stats) annotate every parameter and the return value."""
    import inspect

    import retrostudy

    missing = []
    for name in retrostudy.__all__:
        obj = getattr(retrostudy, name)
        if not inspect.isfunction(obj):
            continue
        sig = inspect.signature(obj)
        missing += [f"{name}({p})" for p, v in sig.parameters.items()
                    if v.annotation is inspect.Parameter.empty]
        if sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{name} -> ?")
    assert missing == []


def test_study_result_fields_name_their_classes():
    """Every field of ``StudyResult`` has its real type (issue 18: no ``object`` or bare
    ``dict`` where the class is known), and the annotations resolve to those classes."""
    import typing

    from retrostudy.analysis import Analyses
    from retrostudy.cohort.result import Attrition
    from retrostudy.data.result import LoadResult
    from retrostudy.endpoints.dataset import AnalysisDataset
    from retrostudy.endpoints.derive import Endpoints
    from retrostudy.pipeline import StudyResult
    from retrostudy.report.figures.base import ReportFigure
    from retrostudy.report.table import Table

    names = {c.__name__: c for c in (Analyses, Table, Attrition, LoadResult, AnalysisDataset,
                                     Endpoints, ReportFigure)}
    hints = typing.get_type_hints(StudyResult, localns=names)
    vague = [n for n, t in hints.items()
             if t in (object, dict, tuple, list, typing.Any) or typing.get_origin(t) is None
             and t not in (*names.values(), *_concrete())]
    assert vague == [], vague
    assert hints["analyses"] is Analyses and hints["attrition"] is Attrition
    assert hints["tables"] == dict[str, Table]
    assert hints["figures"] == dict[str, ReportFigure]
    assert hints["endpoints"] == Endpoints | None and hints["load"] == LoadResult | None


def _concrete() -> tuple[type, ...]:
    import pandas as pd

    from retrostudy.protocol.model import Protocol

    return (pd.DataFrame, Protocol)
