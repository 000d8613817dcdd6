"""Engines under test: DuckDB in memory is the reference; each other engine must give
identical results. Spark runs in local mode when pyspark and Java are present, on one
session shared by the whole test run (starting one takes ~10-15 s)."""

from __future__ import annotations


def pytest_configure(config):
    # pyspark's result collection leaves its local sockets to the garbage collector; with
    # filterwarnings=error that would fail whichever test happens to run when it collects.
    for line in ("ignore:unclosed <socket.socket:ResourceWarning",
                 "ignore:Exception ignored in. <socket.socket"
                 ":pytest.PytestUnraisableExceptionWarning"):
        config.addinivalue_line("filterwarnings", line)



# The Spark session fixture (spark_backend) is in tests/conftest.py: one per worker, shared
# with the OMOP-on-Spark tests, so no test file stops a session another still uses.
