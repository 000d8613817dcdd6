"""Impossible date order in an OMOP CDM: the records path's classes, messages and policies.

A hand-built CDM with one case per class (expected problems derived by hand from the
comments), and the same data as canonical CSV files: the records loader finds the same
classes, as many times, in the corresponding tables.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd
import pytest
from conftest import block, write_folder

from retrostudy.data import load_records
from retrostudy.data.omop.load import check_omop, load_omop
from retrostudy.data.store import duckdb_backend
from retrostudy.errors import DataError
from retrostudy.protocol.data import DataBlock

D = dt.date
ORDER = ("death_before_birth", "before_birth", "after_death")
LENIENT = dict.fromkeys(ORDER, "quarantine")


def order_cdm() -> dict[str, pd.DataFrame]:
    person = pd.DataFrame({
        "person_id": [1, 2, 3, 4, 5],
        "gender_concept_id": [8532] * 5,
        "year_of_birth": [1960, 1970, 1980, 1990, 1950],
        "month_of_birth": [5, None, 1, None, 1],
        "day_of_birth": [23, None, 1, None, 1],
        "birth_datetime": [None, dt.datetime(1970, 1, 2), None, None, None],  # 4: 1 July
    }).astype({"month_of_birth": "Int64", "day_of_birth": "Int64"})
    # 3 died before birth (and so also before its last contact); 5 last seen after death
    death = pd.DataFrame({"person_id": [2, 3, 5],
                          "death_date": [D(2020, 3, 1), D(1979, 12, 31), D(2015, 1, 1)]})
    observation_period = pd.DataFrame({  # 4: last contact before birth
        "person_id": [1, 2, 3, 4, 5],
        "observation_period_end_date": [D(2021, 1, 1), D(2020, 3, 1), D(2016, 6, 1),
                                        D(1985, 1, 1), D(2016, 1, 1)]})
    drug_exposure = pd.DataFrame({  # 10 before birth, 11 after death, 12 person rejected
        "drug_exposure_id": [10, 11, 12, 13],
        "person_id": [1, 2, 3, 1],
        "drug_concept_id": [1387104] * 4,
        "drug_exposure_start_date": [D(1950, 1, 1), D(2020, 4, 1), D(2016, 1, 1),
                                     D(2015, 1, 1)],
        "drug_exposure_end_date": [D(1950, 1, 1), D(2020, 4, 1), D(2016, 1, 1),
                                   D(2015, 1, 1)]})
    condition_occurrence = pd.DataFrame({  # 20 after death
        "condition_occurrence_id": [20, 21], "person_id": [2, 1],
        "condition_concept_id": [100, 100],
        "condition_start_date": [D(2020, 5, 1), D(2013, 7, 8)]})
    measurement = pd.DataFrame({  # 30 after death (ECOG)
        "measurement_id": [30, 31], "person_id": [2, 1], "measurement_concept_id": [103, 103],
        "measurement_date": [D(2021, 1, 1), D(2014, 1, 1)], "value_as_number": [1.0, 0.0],
        "value_as_concept_id": pd.array([None, None], dtype="Int64")})
    observation = pd.DataFrame({  # 40 before birth (ECOG)
        "observation_id": [40], "person_id": [2], "observation_concept_id": [103],
        "observation_date": [D(1969, 1, 1)], "value_as_number": [0.0]})
    concept = pd.DataFrame({"concept_id": [100, 103], "vocabulary_id": ["SNOMED", "LOINC"],
                            "concept_code": ["254837009", "89247-1"]})
    frames = dict(person=person, death=death, observation_period=observation_period,
                  drug_exposure=drug_exposure, condition_occurrence=condition_occurrence,
                  measurement=measurement, observation=observation, concept=concept)
    for frame in frames.values():
        for col in frame.columns:
            if col.endswith("_date"):
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    return frames


EXPECTED = {  # (table, row, code) -> (column, value, message)
    ("person", 3, "death_before_birth"): (
        "death.death_date", "1979-12-31",
        "death date before birth date (birth 1980-01-01, death 1979-12-31)"),
    ("person", 3, "after_death"): (
        "observation_period.observation_period_end_date", "2016-06-01",
        "last contact after death date (last contact 2016-06-01, death 1979-12-31)"),
    ("person", 4, "before_birth"): (
        "observation_period.observation_period_end_date", "1985-01-01",
        "last contact before birth date (birth 1990-07-01, last contact 1985-01-01)"),
    ("person", 5, "after_death"): (
        "observation_period.observation_period_end_date", "2016-01-01",
        "last contact after death date (last contact 2016-01-01, death 2015-01-01)"),
    ("drug_exposure", 10, "before_birth"): (
        "drug_exposure_start_date", "1950-01-01",
        "record dated before birth (birth 1960-05-23, record 1950-01-01)"),
    ("drug_exposure", 11, "after_death"): (
        "drug_exposure_start_date", "2020-04-01",
        "record dated after death (record 2020-04-01, death 2020-03-01)"),
    ("condition_occurrence", 20, "after_death"): (
        "condition_start_date", "2020-05-01",
        "record dated after death (record 2020-05-01, death 2020-03-01)"),
    ("measurement", 30, "after_death"): (
        "measurement_date", "2021-01-01",
        "record dated after death (record 2021-01-01, death 2020-03-01)"),
    ("observation", 40, "before_birth"): (
        "observation_date", "1969-01-01",
        "record dated before birth (birth 1970-01-02, record 1969-01-01)"),
}
UNKNOWN = {("death", 3), ("death", 5), ("observation_period", 3), ("observation_period", 4),
           ("observation_period", 5), ("drug_exposure", 12)}  # rows of the rejected persons
COUNTS = {  # read, loaded, rejected, not relevant
    "person": (5, 2, 3, 0), "death": (3, 1, 2, 0), "observation_period": (5, 2, 3, 0),
    "drug_exposure": (4, 1, 3, 0), "condition_occurrence": (2, 1, 1, 0),
    "measurement": (2, 1, 1, 0), "observation": (1, 0, 1, 0),
}


@pytest.fixture
def cdm_path(tmp_path):
    write_folder(order_cdm(), tmp_path / "cdm")
    return tmp_path


def test_each_class_names_table_row_column_value_and_hint(cdm_path):
    result = check_omop(block("cdm", policy=LENIENT), cdm_path, duckdb_backend())
    assert result.ok
    rejects = result.store.backend.table("rejects").execute()
    got = {(r.table, int(r.row), r.code): (r.column, r.value, r.message)
           for r in rejects.itertuples() if r.code in ORDER}
    assert got == EXPECTED
    unknown = {(r.table, int(r.row)) for r in rejects.itertuples()
               if r.code == "unknown_patient"}
    assert unknown == UNKNOWN
    assert len(rejects) == len(EXPECTED) + len(UNKNOWN)  # nothing else is wrong here
    hints = dict(zip(rejects["code"], rejects["hint"], strict=True))
    assert hints["death_before_birth"] == ("check the person's year/month/day_of_birth (or "
                                           "birth_datetime) and death.death_date")
    assert set(rejects.loc[rejects["code"].isin(ORDER), "policy"]) == {"quarantine"}
    counts = {k: (c.read, c.loaded, c.rejected, c.not_relevant)
              for k, c in result.counts.items()}
    assert counts == COUNTS
    patients = result.store.table("patients").execute()
    assert sorted(patients["patient_id"]) == ["1", "2"]
    drugs = result.store.table("drug_administrations").execute()
    assert list(drugs["date"].astype(str)) == ["2015-01-01"]


@pytest.mark.parametrize(("code", "text"), [
    ("death_before_birth", r"person.parquet, row 3, column 'death.death_date': death date "
                           r"before birth date \(birth 1980-01-01, death 1979-12-31\)"),
    ("before_birth", r"drug_exposure.parquet, row 10, column 'drug_exposure_start_date': "
                     r"record dated before birth \(birth 1960-05-23, record 1950-01-01\)"),
    ("after_death", r"measurement.parquet, row 30, column 'measurement_date': record dated "
                    r"after death \(record 2021-01-01, death 2020-03-01\)"),
])
def test_error_policy_stops_loading(cdm_path, code, text):
    policy = {**LENIENT, code: "error"}
    with pytest.raises(DataError, match=text):
        load_omop(block("cdm", policy=policy), cdm_path, duckdb_backend())


def test_default_policy_is_error_for_all_three(cdm_path):
    with pytest.raises(DataError) as err:
        load_omop(block("cdm"), cdm_path, duckdb_backend())
    codes = Counter(p.code for p in err.value.problems)
    assert codes == {"death_before_birth": 1, "before_birth": 3, "after_death": 5}


def _canonical(folder) -> None:
    """The same data as canonical CSV files (patient ids P1..P5 for persons 1..5)."""
    folder.mkdir()
    pd.DataFrame({
        "patient_id": ["P1", "P2", "P3", "P4", "P5"],
        "birth_date": ["1960-05-23", "1970-01-02", "1980-01-01", "1990-07-01", "1950-01-01"],
        "sex": ["female"] * 5,
        "death_date": [None, "2020-03-01", "1979-12-31", None, "2015-01-01"],
        "last_contact_date": ["2021-01-01", "2020-03-01", "2016-06-01", "1985-01-01",
                              "2016-01-01"],
    }).to_csv(folder / "patients.csv", index=False)
    pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P1"], "drug": ["trastuzumab"] * 4,
                  "date": ["1950-01-01", "2020-04-01", "2016-01-01", "2015-01-01"]}
                 ).to_csv(folder / "drug_administrations.csv", index=False)
    pd.DataFrame({"patient_id": ["P2", "P1"], "date": ["2020-05-01", "2013-07-08"],
                  "diagnosis": ["breast cancer"] * 2}).to_csv(folder / "diagnoses.csv",
                                                              index=False)
    pd.DataFrame({"patient_id": ["P2", "P1", "P2"], "date": ["2021-01-01", "2014-01-01",
                                                             "1969-01-01"],
                  "name": ["ecog"] * 3, "value": ["1", "0", "0"]}
                 ).to_csv(folder / "observations.csv", index=False)


CANONICAL_OF = {"person": "patients", "drug_exposure": "drug_administrations",
                "condition_occurrence": "diagnoses", "measurement": "observations",
                "observation": "observations"}


def test_same_classes_and_counts_as_the_records_path(cdm_path):
    _canonical(cdm_path / "records")
    data = DataBlock.model_validate({"path": "records", "policy": LENIENT})
    records = load_records(data, cdm_path)
    canonical = Counter((f.table, f.problem.code) for f in records.problems)
    omop = check_omop(block("cdm", policy=LENIENT), cdm_path, duckdb_backend())
    mapped = Counter((CANONICAL_OF[f.table], f.problem.code) for f in omop.problems
                     if f.table in CANONICAL_OF)
    assert canonical == mapped
    assert sum(canonical[k] for k in canonical if k[1] in ORDER) == len(EXPECTED)
    # the canonical patients row holds death and last contact; OMOP's death and
    # observation_period rows of a rejected person are unknown_patient in addition
    extra = Counter((f.table, f.problem.code) for f in omop.problems
                    if f.table not in CANONICAL_OF and f.table != "concept")
    assert extra == {("death", "unknown_patient"): 2, ("observation_period",
                                                       "unknown_patient"): 3}
    assert records.counts["patients"].rejected == omop.counts["person"].rejected
    assert records.counts["drug_administrations"].rejected == \
        omop.counts["drug_exposure"].rejected
