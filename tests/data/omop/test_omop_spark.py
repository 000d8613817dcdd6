"""The OMOP loader unchanged on the Ibis PySpark backend: the same canonical tables and
counts as DuckDB on the hand-built CDM (Parquet folder registered with read_parquet)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import block, tiny_cdm, write_folder
from test_load_omop import COUNTS, EXPECTED, LENIENT, frame, table

from retrostudy.data.omop.load import check_omop
from retrostudy.data.store import duckdb_backend

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def spark(spark_backend):
    """The suite's one Spark session (tests/conftest.py)."""
    return spark_backend


def test_tiny_cdm_on_spark(spark, tmp_path):
    write_folder(tiny_cdm(), tmp_path / "cdm")
    result = check_omop(block("cdm", policy=LENIENT), tmp_path, spark)
    for name, rows in EXPECTED.items():
        pd.testing.assert_frame_equal(table(result, name), frame(name, rows), obj=name)
    counts = {k: (c.read, c.loaded, c.rejected, c.not_relevant)
              for k, c in result.counts.items()}
    assert counts == COUNTS
    rejects = result.store.backend.table("rejects").execute()
    assert len(rejects) == 8


def test_date_order_on_spark(spark, tmp_path):
    from test_date_order import COUNTS as ORDER_COUNTS
    from test_date_order import EXPECTED as ORDER_EXPECTED
    from test_date_order import LENIENT as ORDER_LENIENT
    from test_date_order import ORDER, order_cdm

    write_folder(order_cdm(), tmp_path / "cdm")
    result = check_omop(block("cdm", policy=ORDER_LENIENT), tmp_path, spark)
    rejects = result.store.backend.table("rejects").execute()
    got = {(r.table, int(r.row), r.code): (r.column, r.value, r.message)
           for r in rejects.itertuples() if r.code in ORDER}
    assert got == ORDER_EXPECTED
    counts = {k: (c.read, c.loaded, c.rejected, c.not_relevant)
              for k, c in result.counts.items()}
    assert counts == ORDER_COUNTS


def test_episodes_on_spark(spark, tmp_path):
    from test_episodes import POLICY, episode_cdm

    write_folder(episode_cdm(), tmp_path / "cdm")
    result = check_omop(block("cdm", policy=POLICY), tmp_path, spark)
    reference = check_omop(block("cdm", policy=POLICY), tmp_path, duckdb_backend())
    assert dict(result.counts) == dict(reference.counts)
    for name in ("tumor_assessments", "drug_administrations"):
        pd.testing.assert_frame_equal(table(result, name), table(reference, name), obj=name)
    key = ["table", "row", "code"]
    got = result.store.backend.table("rejects").execute().sort_values(key)
    want = reference.store.backend.table("rejects").execute().sort_values(key)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                  check_dtype=False)
    lines = result.store.backend.table("episode_lines").execute().sort_values("episode_id")
    assert list(lines["drugs"]) == ["lapatinib", "pertuzumab+trastuzumab + trastuzumab"]
