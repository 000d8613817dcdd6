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


TEST_SPARK = {
    "spark.master": "local[2]",
    "spark.sql.shuffle.partitions": "1",
    # tiny data, many small queries: planning and code generation dominate, so skip them
    # (interpreted evaluation has the same semantics; halves the suite's time here)
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


@pytest.fixture(scope="session")
def spark_backend(tmp_path_factory):
    """An Ibis PySpark backend on one local session per worker, or a skip saying what is
    missing. Every Spark test uses this one: a SparkSession is process-wide, so a file that
    started and stopped its own would stop the session the other files still hold."""
    from retrostudy.data.engines import connect
    from retrostudy.errors import RetroStudyError

    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed: pip install -e '.[test,spark]' (and Java 17+)")
    try:
        warehouse = tmp_path_factory.mktemp("spark-warehouse")
        backend = connect("spark", spark=TEST_SPARK | {"spark.sql.warehouse.dir": str(warehouse)})
    except RetroStudyError as exc:
        pytest.skip(f"Spark cannot start here: {exc}")
    yield backend
    backend._session.stop()
