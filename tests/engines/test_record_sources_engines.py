"""Every engine names a record's file and row like DuckDB: the source columns travel with
the canonical tables when the loader copies them into Spark (or a DuckDB file)."""

from __future__ import annotations

import pandas as pd
import pytest
from engine_helpers import ENGINES, backend_for

from retrostudy.data import load_records
from retrostudy.endpoints import derive_endpoints
from retrostudy.protocol.data import DataBlock
from retrostudy.protocol.endpoints import EndpointsBlock

BLOCK = EndpointsBlock.model_validate({"bor": {"kind": "bor"}})


def _named(folder, backend=None):
    store = load_records(DataBlock(path=str(folder)), backend=backend).store
    cohort = pd.DataFrame({"patient_id": ["S1", "S2"],
                           "index_date": [pd.Timestamp("2020-03-01")] * 2, "age": [15, 60]})
    e = derive_endpoints(BLOCK, store, cohort)
    assert "source_row" not in store.table("tumor_assessments").columns
    return [(p.code, p.patient, p.file, p.row, p.column, p.value)
            for p in e.issues if p.patient is not None]


@pytest.mark.parametrize("engine", ENGINES)
def test_named_records_are_the_same_on_every_engine(engine, request, tmp_path_factory,
                                                     tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,birth_date,sex\nS1,2005-01-01,F\nS2,1960-01-01,F\n")
    (tmp_path / "tumor_assessments.csv").write_text(
        "patient_id,date,response\nS2,2020-01-10,PR\nS1,2020-05-01,SD\nS1,2020-02-01,PD\n")
    want = [("progression_before_index", "S1", "tumor_assessments.csv", 4, "date", "2020-02-01"),
            ("response_before_index", "S2", "tumor_assessments.csv", 2, "date", "2020-01-10"),
            ("age_under_18_at_index", "S1", "patients.csv", 2, "birth_date", "2005-01-01")]
    assert _named(tmp_path) == want
    assert _named(tmp_path, backend_for(engine, request, tmp_path_factory)) == want
