"""A tiny hand-built OMOP CDM and writers for it (DuckDB file, Parquet or CSV folder).

Every row is chosen to exercise one rule; the expected canonical tables in the tests are
derived by hand from the comments here, never from the loader.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from retrostudy.protocol.data import DataBlock

D = dt.date
NA = None


def tiny_cdm() -> dict[str, pd.DataFrame]:
    person = pd.DataFrame({
        "person_id": [1, 2, 3, 4],
        "gender_concept_id": [8532, 8532, 8507, 9999],  # 4: unknown gender -> rejected
        "year_of_birth": [1960, 1970, 1950, 1980],
        "month_of_birth": [5, NA, NA, 1],
        "day_of_birth": [23, NA, NA, 1],
        "birth_datetime": [NA, dt.datetime(1970, 1, 2, 10, 0), NA, NA],
        "person_source_value": ["P001", "P002", "P003", "P004"],
    }).astype({"month_of_birth": "Int64", "day_of_birth": "Int64"})
    death = pd.DataFrame({"person_id": [2, 99], "death_date": [D(2020, 3, 1), D(2020, 1, 1)]})
    observation_period = pd.DataFrame({
        "person_id": [1, 1, 2],
        "observation_period_start_date": [D(2010, 1, 1), D(2020, 1, 1), D(2010, 1, 1)],
        "observation_period_end_date": [D(2019, 12, 31), D(2021, 1, 1), D(2020, 3, 1)],
    })
    concept = pd.DataFrame({
        "concept_id": [100, 101, 102, 103, 104, 105, 106, 107, 108],
        "vocabulary_id": ["SNOMED", "LOINC", "LOINC", "LOINC", "SNOMED", "RxNorm", "SNOMED",
                          "LOINC", "LOINC"],
        "concept_code": ["254837009", "85337-4", "85319-2", "89247-1", "94381002", "480167",
                         "42425007", "85318-4", "85339-0"],
    })
    # 5001 clinical trastuzumab; 5002 Phesgo (a product and both ingredients above it);
    # 5003 a lapatinib tablet (ingredient given as RxNorm:480167 -> concept 105)
    concept_ancestor = pd.DataFrame({
        "ancestor_concept_id": [1387104, 1075655, 1387104, 42801287, 105],
        "descendant_concept_id": [5001, 5002, 5002, 5002, 5003],
    })
    drug_exposure = pd.DataFrame({
        "drug_exposure_id": [10, 11, 12, 13, 14, 15, 16, 17, 18],
        "person_id": [1, 1, 1, 2, 2, 99, 2, 2, 3],
        "drug_concept_id": [1387104, 5001, 5002, 43525787, 999, 1387104, 1315942, 0, 5003],
        "drug_source_concept_id": [0, 0, 0, 0, 0, 0, 0, 19112653, 0],
        "drug_exposure_start_date": [D(2015, 1, 1), D(2015, 1, 22), D(2015, 2, 12),
                                     D(2016, 1, 1), D(2016, 1, 1), D(2016, 1, 1),
                                     D(2016, 2, 1), D(2016, 3, 1), D(2016, 4, 1)],
        "drug_exposure_end_date": [D(2015, 1, 1), D(2015, 1, 22), D(2015, 2, 12),
                                   D(2015, 12, 1), D(2016, 1, 1), D(2016, 1, 1),
                                   D(2016, 2, 1), D(2016, 3, 31), D(2016, 4, 1)],
        "stop_reason": [NA, " Disease progression ", NA, NA, NA, NA, "weird", NA, ""],
        "drug_source_value": ["Herceptin", "Tmab", "Phesgo", "Kadcyla", "x", "y", "DTX",
                              "Tykerb", "Lapa"],
    })
    condition_occurrence = pd.DataFrame({
        "condition_occurrence_id": [20, 21, 22, 23, 24, 25, 26],
        "person_id": [1, 1, 1, 2, 2, 1, 2],
        "condition_concept_id": [100, 2000000021, 104, 100, 2000000021, 777, 100],
        "condition_start_date": [D(2013, 7, 8), D(2014, 8, 8), D(2014, 8, 8), D(2014, 1, 1),
                                 D(2014, 1, 1), D(2014, 1, 1), NA],
    })
    measurement = pd.DataFrame({
        "measurement_id": [30, 31, 32, 33, 34, 35, 36, 37],
        "person_id": [1, 1, 1, 1, 1, 1, 1, 1],
        "measurement_concept_id": [101, 102, 103, 2000000002, 2000000001, 101, 103, 3000],
        "measurement_date": [D(2013, 7, 8), D(2014, 9, 1), D(2014, 8, 29), D(2014, 10, 24),
                             D(2015, 2, 1), D(2013, 7, 8), D(2014, 8, 30), D(2014, 1, 1)],
        "value_as_number": [NA, NA, 1.0, NA, NA, NA, 7.0, 3.0],
        "value_as_concept_id": [9191, 106, NA, 2000000013, 2000000015, 12345, NA, NA],
        "value_source_value": ["56%", "2+", "1", "SD", "PD", "?", "7", NA],
    }).astype({"value_as_concept_id": "Int64"})
    observation = pd.DataFrame({
        "observation_id": [40, 41],
        "person_id": [2, 2],
        "observation_concept_id": [103, 555],
        "observation_date": [D(2016, 1, 1), D(2016, 1, 1)],
        "value_as_number": [0.0, NA],
    })
    frames = dict(person=person, death=death, observation_period=observation_period,
                  concept=concept, concept_ancestor=concept_ancestor,
                  drug_exposure=drug_exposure, condition_occurrence=condition_occurrence,
                  measurement=measurement, observation=observation)
    for frame in frames.values():
        for col in frame.columns:
            if col.endswith("_date"):
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    return frames


def write_duckdb(frames: dict[str, pd.DataFrame], path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    for name, frame in frames.items():
        con.register("_f", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _f')
        con.unregister("_f")
    con.close()


def write_folder(frames: dict[str, pd.DataFrame], folder, fmt: str = "parquet") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        if fmt == "parquet":
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        else:
            frame.to_csv(folder / f"{name}.csv", index=False)


def block(path: str, **omop) -> DataBlock:
    policy = omop.pop("policy", {})
    return DataBlock.model_validate({"format": "omop", "path": path, "omop": omop,
                                     "policy": policy})


@pytest.fixture
def cdm():
    return tiny_cdm()
