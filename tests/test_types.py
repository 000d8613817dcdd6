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
