"""Whole-suite fixtures.

Parallel runs (``pytest -n auto --dist loadfile``, README's test command) keep each test
file on one worker, so a module-scoped fixture (a study run) happens once per run; a
session-scoped one once per worker.
"""

from pathlib import Path

import pytest

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
