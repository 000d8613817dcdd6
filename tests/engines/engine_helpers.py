"""Engines compared with the reference (DuckDB in memory) and how to get their backends."""

from __future__ import annotations

import pytest

from retrostudy.data.engines import connect

SPARK = pytest.param("spark", marks=pytest.mark.spark, id="spark")
ENGINES = [SPARK, pytest.param("duckdb-file", id="duckdb-file")]
"""The engines compared with the reference (DuckDB in memory)."""
STUDY_ENGINES = [SPARK, pytest.param("duckdb-file", marks=pytest.mark.slow, id="duckdb-file")]
"""The same, for tests that run the whole example study on each engine (about half a minute
per engine on a busy 2-core machine): the DuckDB-file run is a slow test (left out of the
quick loop, run by the full suite and CI)."""



def backend_for(name: str, request, tmp_path_factory):
    """A fresh backend of engine ``name`` (the shared one for Spark)."""
    if name == "spark":
        return request.getfixturevalue("spark_backend")
    if name == "duckdb-file":
        path = tmp_path_factory.mktemp("engine") / "records.duckdb"
        return connect(f"duckdb://{path}")
    return connect(name)
