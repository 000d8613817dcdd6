"""Every bad OMOP input gives a clear error naming the file/table, row, column or key."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import block, tiny_cdm, write_duckdb, write_folder
from pydantic import ValidationError

from retrostudy.data.omop.load import check_omop, load_omop
from retrostudy.data.store import duckdb_backend
from retrostudy.errors import DataError
from retrostudy.protocol.data import DataBlock


def _write(tmp_path, frames, kind="parquet"):
    if kind == "duckdb":
        write_duckdb(frames, tmp_path / "cdm.duckdb")
        return "cdm.duckdb"
    write_folder(frames, tmp_path / "cdm", kind)
    return "cdm"


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="OMOP data path not found") as err:
        load_omop(block("nowhere"), tmp_path, duckdb_backend())
    assert err.value.problems[0].file.endswith("nowhere")


def test_missing_required_table_names_the_folder(tmp_path):
    frames = tiny_cdm()
    del frames["measurement"]
    path = _write(tmp_path, frames)
    with pytest.raises(DataError, match="OMOP table 'measurement' not found") as err:
        load_omop(block(path), tmp_path, duckdb_backend())
    assert "measurement.parquet" in err.value.problems[0].hint


def test_missing_column_names_file_and_column(tmp_path):
    frames = tiny_cdm()
    frames["drug_exposure"] = frames["drug_exposure"].drop(columns="drug_exposure_start_date")
    path = _write(tmp_path, frames, "duckdb")
    with pytest.raises(DataError, match="has no column 'drug_exposure_start_date'") as err:
        load_omop(block(path), tmp_path, duckdb_backend())
    problem = err.value.problems[0]
    assert (problem.file, problem.column) == ("cdm.duckdb[drug_exposure]",
                                              "drug_exposure_start_date")


def test_person_source_value_required_when_chosen(tmp_path):
    frames = tiny_cdm()
    frames["person"] = frames["person"].drop(columns="person_source_value")
    path = _write(tmp_path, frames)
    with pytest.raises(DataError, match="person has no such column"):
        load_omop(block(path, patient_id="person_source_value"), tmp_path, duckdb_backend())


def test_unsupported_source_file(tmp_path):
    (tmp_path / "cdm.xlsx").write_bytes(b"not a database")
    with pytest.raises(DataError, match="cannot read this OMOP source"):
        load_omop(block("cdm.xlsx"), tmp_path, duckdb_backend())


def test_default_policies_stop_on_bad_rows_with_row_and_column(tmp_path):
    path = _write(tmp_path, tiny_cdm())
    with pytest.raises(DataError) as err:
        load_omop(block(path), tmp_path, duckdb_backend())
    text = str(err.value)
    # missing_value, invalid_value and end_before_start are errors by default
    assert "condition_occurrence.parquet, row 26, column 'condition_start_date': " \
           "no condition_start_date" in text
    assert "row 13, column 'drug_exposure_end_date': drug_exposure_end_date before the start " \
           "(value '2015-12-01')" in text
    assert "row 16, column 'stop_reason': stop_reason not in [data.omop] stop_reasons " \
           "(value 'weird')" in text
    assert "row 35, column 'value_as_concept_id'" in text
    assert "row 36, column 'value_as_number': ECOG score must be a whole number 0 to 5" in text
    assert "person.parquet, row 4, column 'gender_concept_id'" in text
    # unknown_patient is quarantined by default: not among the errors
    assert "row 15" not in text


def test_bad_person_rows(tmp_path):
    frames = tiny_cdm()
    person = frames["person"]
    person.loc[0, "month_of_birth"] = 2
    person.loc[0, "day_of_birth"] = 30  # 30 February
    person.loc[2, "year_of_birth"] = None  # no year and no birth_datetime
    person.loc[3, "gender_concept_id"] = 8507
    person.loc[3, "person_source_value"] = "P002"  # duplicate patient id
    frames["person"] = person.astype({"year_of_birth": "Int64"})
    path = _write(tmp_path, frames)
    result = check_omop(block(path, patient_id="person_source_value"), tmp_path,
                        duckdb_backend())
    found = {(f.problem.row, f.problem.code, f.problem.column) for f in result.problems
             if f.table == "person"}
    assert found == {(1, "invalid_value", "year_of_birth"),
                     (3, "missing_value", "year_of_birth"),
                     (2, "duplicate_key", "patient_id"), (4, "duplicate_key", "patient_id")}
    assert result.counts["person"].loaded == 0
    assert not result.ok


def test_unresolved_reference_can_be_an_error(tmp_path):
    frames = tiny_cdm()
    del frames["concept"]
    path = _write(tmp_path, frames)
    policy = {"unresolved_concept": "error", "missing_value": "quarantine",
              "invalid_value": "quarantine", "end_before_start": "quarantine"}
    with pytest.raises(DataError, match="no concept table to resolve this reference") as err:
        load_omop(block(path, policy=policy), tmp_path, duckdb_backend())
    assert {p.key for p in err.value.problems} >= {"data.omop.receptors", "data.omop.conditions"}


def test_ambiguous_value_concept(tmp_path):
    frames = tiny_cdm()
    extra = pd.DataFrame({"concept_id": [9191], "vocabulary_id": ["SNOMED"],
                          "concept_code": ["10828004"]})
    frames["concept"] = pd.concat([frames["concept"], extra], ignore_index=True)
    path = _write(tmp_path, frames)
    with pytest.raises(DataError, match="concept 9191 maps to more than one value") as err:
        # 'SNOMED:10828004' is concept 9191, which the defaults map to 'positive'
        load_omop(block(path, receptor_results={"SNOMED:10828004": "negative"}), tmp_path,
                  duckdb_backend())
    assert err.value.problems[0].key == "data.omop.receptor_results"


@pytest.mark.parametrize(("omop", "message"), [
    ({"drugs": {"trastuzumab": "x"}}, "is not a concept reference"),
    ({"gender": {"FEMALE": "female"}}, "gender keys are concept_ids"),
    ({"responses": {"2000000001": "ultrasound"}}, "Input should be"),
    ({"patient_id": "mrn"}, "Input should be 'person_id' or 'person_source_value'"),
    ({"colour": 1}, "Extra inputs are not permitted"),
    ({"episode_concepts": {"32677": "progression"}}, "Input should be"),
    ({"episode_concepts": {"Episode:x": "PD", "x": "PD"}}, "is not a concept reference"),
    ({"episodes": "yes"}, "Input should be 'auto', 'off' or 'required'"),
])
def test_protocol_errors(omop, message):
    with pytest.raises(ValidationError, match=message):
        DataBlock.model_validate({"format": "omop", "omop": omop})


def test_unknown_format_is_a_protocol_error():
    with pytest.raises(ValidationError, match="Input should be 'records' or 'omop'"):
        DataBlock.model_validate({"format": "fhir"})


def test_duckdb_file_needs_the_duckdb_engine(tmp_path):
    write_duckdb(tiny_cdm(), tmp_path / "cdm.duckdb")

    class NotDuck:
        name = "pyspark"

    with pytest.raises(DataError, match="a DuckDB file needs the DuckDB engine"):
        load_omop(block("cdm.duckdb"), tmp_path, NotDuck())


def test_csv_folder_case_insensitive_names(tmp_path):
    frames = {k.upper(): v.rename(columns=str.upper) for k, v in tiny_cdm().items()}
    folder = tmp_path / "cdm"
    folder.mkdir()
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    policy = {"missing_value": "quarantine", "invalid_value": "quarantine",
              "end_before_start": "quarantine"}
    result = check_omop(block("cdm", policy=policy), tmp_path, duckdb_backend())
    assert result.counts["drug_exposure"].loaded == 5
    assert isinstance(result.store.table("patients").execute(), pd.DataFrame)
