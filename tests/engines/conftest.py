"""Engines under test: DuckDB in memory is the reference; each other engine must give
identical results. Spark runs in local mode when pyspark and Java are present, on one
session shared by the whole test run (starting one takes ~10-15 s)."""

from __future__ import annotations

import pytest

from retrostudy.data.engines import connect
from retrostudy.errors import RetroStudyError


def pytest_configure(config):
    # pyspark's result collection leaves its local sockets to the garbage collector; with
    # filterwarnings=error that would fail whichever test happens to run when it collects.
    for line in ("ignore:unclosed <socket.socket:ResourceWarning",
                 "ignore:Exception ignored in. <socket.socket"
                 ":pytest.PytestUnraisableExceptionWarning"):
        config.addinivalue_line("filterwarnings", line)



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
def spark_backend():
    """An Ibis PySpark backend on one local session, or a skip saying what is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed: pip install -e '.[test,spark]' (and Java 17+)")
    try:
        backend = connect("spark", spark=TEST_SPARK)
    except RetroStudyError as exc:
        pytest.skip(f"Spark cannot start here: {exc}")
    yield backend
    backend._session.stop()
