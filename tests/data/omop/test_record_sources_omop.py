"""An OMOP CDM's records keep where they came from: the OMOP table (its file, or its name in
a database) and the row's primary key (``measurement_id``...), as the ``rejects`` table
names them; the endpoint checks then name them (docs/data-model.md, "Plausibility checks")."""

from __future__ import annotations

import pandas as pd
from conftest import block, tiny_cdm, write_duckdb, write_folder

from retrostudy.data.omop.load import check_omop
from retrostudy.data.store import duckdb_backend
from retrostudy.endpoints import derive_endpoints
from retrostudy.protocol.endpoints import EndpointsBlock

LENIENT = {c: "quarantine" for c in ("missing_value", "invalid_value", "end_before_start")}


def test_progression_before_index_names_the_measurement_id(tmp_path):
    write_folder(tiny_cdm(), tmp_path / "cdm")
    store = check_omop(block("cdm", policy=LENIENT), tmp_path, duckdb_backend()).store
    cohort = pd.DataFrame({"patient_id": ["1"], "index_date": [pd.Timestamp("2015-03-01")]})
    e = derive_endpoints(EndpointsBlock.model_validate({"bor": {"kind": "bor"}}), store, cohort)
    named = [(p.code, p.patient, p.file, p.row, p.column, p.value)
             for p in e.issues if p.patient is not None]
    # measurement 34: PD on 2015-02-01 (conftest), a month before this index date
    assert named == [("progression_before_index", "1", "measurement.parquet", 34, "date",
                      "2015-02-01")]


def test_every_mapped_table_names_its_omop_table_and_primary_key(tmp_path):
    write_duckdb(tiny_cdm(), tmp_path / "cdm.duckdb")
    store = check_omop(block("cdm.duckdb", policy=LENIENT), tmp_path, duckdb_backend()).store
    expected = {"patients": ("person", [1, 2, 3]), "diagnoses": ("condition_occurrence", None),
                "drug_administrations": ("drug_exposure", None),
                "tumor_assessments": ("measurement", [33, 34]),
                "observations": (None, None), "biomarkers": ("measurement", None)}
    for name, (source, rows) in expected.items():
        located = store.execute(store.located(name))
        assert len(located) == store.execute(store.table(name).count()), name
        assert located["source_row"].notna().all(), name
        if source is not None:
            assert set(located["source_file"]) == {f"cdm.duckdb[{source}]"}, name
        if rows is not None:
            assert sorted(located["source_row"].astype(int)) == rows, name
