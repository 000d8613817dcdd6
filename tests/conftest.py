"""Whole-suite settings.

Parallel runs (``pytest -n auto --dist loadgroup``, README's test command): every test is
put in an ``xdist_group`` so that a module's tests stay on one worker (its module-scoped
fixtures, e.g. a study run, happen once), and all Spark tests share one worker (one Spark
session for the run instead of one per worker). Without pytest-xdist the marks do nothing.
"""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        group = "spark" if item.get_closest_marker("spark") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tdm1_after_pertuzumab"


@pytest.fixture(scope="session")
def example_study(tmp_path_factory):
    """The shipped example study (T-DM1 after pertuzumab) run once per test session (once
    per worker in parallel runs) on DuckDB in memory, as ``retrostudy demo`` runs it:
    ``(StudyResult, report folder)``. Tests that only read its results share this run
    instead of re-running the study; tests that change the protocol run their own."""
    from retrostudy.pipeline import run_study

    out = tmp_path_factory.mktemp("example-study")
    return run_study(EXAMPLE / "study.toml", engine="duckdb", out=out), out
