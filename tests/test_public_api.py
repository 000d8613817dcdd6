"""``import retrostudy``: the names a data scientist reaches for, loaded on first use."""

import subprocess
import sys

import retrostudy
import retrostudy.stats


def test_every_stats_function_is_exposed_at_the_top():
    functions = {n for n in retrostudy.stats.__all__ if n[0].islower()}
    assert functions <= set(retrostudy.__all__)
    for name in functions:
        assert getattr(retrostudy, name) is getattr(retrostudy.stats, name)


def test_study_entry_points():
    from retrostudy.pipeline import run_study
    from retrostudy.protocol import load_protocol
    from retrostudy.report.tables.table1 import table_one

    assert retrostudy.run_study is run_study
    assert retrostudy.load_protocol is load_protocol
    assert retrostudy.table_one is table_one
    assert set(retrostudy.__all__) <= set(dir(retrostudy))


def test_unknown_names_raise_attribute_error():
    try:
        retrostudy.kaplan_meir  # noqa: B018
    except AttributeError as exc:
        assert "kaplan_meir" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_retrostudy_is_light():
    code = ("import sys, retrostudy\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'duckdb', 'retrostudy.pipeline')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
