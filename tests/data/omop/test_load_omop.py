"""The OMOP loader on the hand-built CDM of conftest.py: exact canonical tables, the
accounting identity, concept_ancestor expansion, "VOCAB:code" resolution, value maps."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import block, tiny_cdm, write_duckdb, write_folder

from retrostudy.data import load_records
from retrostudy.data.omop.load import OmopCount, check_omop
from retrostudy.data.schema import TABLES
from retrostudy.data.store import conform, duckdb_backend

D = dt.date
NA_TEXT = None
LENIENT = {c: "quarantine" for c in ("missing_value", "invalid_value", "end_before_start")}

EXPECTED = {
    "patients": [
        ("1", D(1960, 5, 23), "female", None, D(2021, 1, 1)),
        ("2", D(1970, 1, 2), "female", D(2020, 3, 1), D(2020, 3, 1)),  # birth_datetime
        ("3", D(1950, 7, 1), "male", None, None),  # year only: 1 July
    ],
    "diagnoses": [
        ("1", D(2013, 7, 8), "breast cancer", None, False),
        ("1", D(2014, 8, 8), "metastatic breast cancer", None, False),
        ("2", D(2014, 1, 1), "breast cancer", None, True),  # same day: de novo
        ("2", D(2014, 1, 1), "metastatic breast cancer", None, True),
    ],
    "drug_administrations": [
        ("1", "trastuzumab", D(2015, 1, 1), D(2015, 1, 1), None, None, "Herceptin"),
        ("1", "trastuzumab", D(2015, 1, 22), D(2015, 1, 22), None, "progression", "Tmab"),
        ("1", "pertuzumab+trastuzumab", D(2015, 2, 12), D(2015, 2, 12), None, None, "Phesgo"),
        ("2", "lapatinib", D(2016, 3, 1), D(2016, 3, 31), None, None, "Tykerb"),
        ("3", "lapatinib", D(2016, 4, 1), D(2016, 4, 1), None, None, "Lapa"),
    ],
    "biomarkers": [
        ("1", D(2013, 7, 8), "ER", "IHC", "positive", "56%", "primary"),
        ("1", D(2014, 9, 1), "HER2", "IHC", "equivocal", "2+", "metastasis"),
    ],
    "tumor_assessments": [
        ("1", D(2014, 10, 24), "SD", "CT"),
        ("1", D(2015, 2, 1), "PD", None),
    ],
    "observations": [
        ("1", D(2014, 8, 8), "metastatic_site", "liver"),
        ("1", D(2014, 8, 29), "ecog", "1"),
        ("2", D(2016, 1, 1), "ecog", "0"),
    ],
}
COUNTS = {  # read, loaded, rejected, not relevant
    "person": (4, 3, 1, 0),  # 4: gender 9999
    "death": (2, 1, 1, 0),  # 99: unknown person
    "observation_period": (3, 3, 0, 0),
    "condition_occurrence": (7, 5, 1, 1),  # 26: no date; 25: concept 777
    "drug_exposure": (9, 5, 3, 1),  # 13 end < start, 15 person 99, 16 stop 'weird'; 14: 999
    "measurement": (8, 5, 2, 1),  # 35 value concept 12345, 36 ECOG 7; 37: concept 3000
    "observation": (2, 1, 0, 1),
}


def frame(name: str, rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(TABLES[name].column_names))
    return _sorted(conform(out, TABLES[name]))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns), na_position="first").reset_index(drop=True)


def table(result, name: str) -> pd.DataFrame:
    return _sorted(conform(result.store.backend.execute(result.store.table(name)), TABLES[name]))


def _load(tmp_path, kind: str = "duckdb", frames=None, **omop):
    frames = frames if frames is not None else tiny_cdm()
    if kind == "duckdb":
        write_duckdb(frames, tmp_path / "cdm.duckdb")
        path = "cdm.duckdb"
    else:
        write_folder(frames, tmp_path / "cdm", kind)
        path = "cdm"
    omop.setdefault("policy", LENIENT)
    return check_omop(block(path, **omop), tmp_path, duckdb_backend())


@pytest.mark.parametrize("kind", ["duckdb", "parquet", "csv"])
def test_tiny_cdm_maps_to_the_hand_derived_tables(tmp_path, kind):
    result = _load(tmp_path, kind)
    for name, rows in EXPECTED.items():
        pd.testing.assert_frame_equal(table(result, name), frame(name, rows), obj=name)
    counts = {k: (c.read, c.loaded, c.rejected, c.not_relevant)
              for k, c in result.counts.items()}
    assert counts == COUNTS


def test_tables_already_in_the_backend(tmp_path):
    backend = duckdb_backend()
    backend.raw_sql("CREATE SCHEMA cdm")
    for name, df in tiny_cdm().items():
        backend.create_table(name, df, database="cdm")
    data = block("unused", source="backend", schema="cdm", policy=LENIENT)
    result = check_omop(data, tmp_path, backend)
    for name, rows in EXPECTED.items():
        pd.testing.assert_frame_equal(table(result, name), frame(name, rows), obj=name)


def test_accounting_identity_and_rejects_table(tmp_path):
    result = _load(tmp_path)
    for name, c in result.counts.items():
        assert isinstance(c, OmopCount)
        assert c.read == c.loaded + c.not_relevant + c.rejected, name
    rejects = result.store.backend.table("rejects").execute()
    got = sorted(zip(rejects["table"], rejects["row"], rejects["code"], strict=True))
    assert got == [
        ("condition_occurrence", 26, "missing_value"),
        ("death", 99, "unknown_patient"),
        ("drug_exposure", 13, "end_before_start"),
        ("drug_exposure", 15, "unknown_patient"),
        ("drug_exposure", 16, "invalid_value"),
        ("measurement", 35, "invalid_value"),
        ("measurement", 36, "invalid_value"),
        ("person", 4, "invalid_value"),
    ]
    assert set(rejects["policy"]) == {"quarantine"}
    assert set(rejects["file"]) >= {"cdm.duckdb[drug_exposure]", "cdm.duckdb[person]"}
    assert result.ok
    # working tables and the attached file are gone; the canonical tables stay
    names = {r[0] for r in result.store.backend.con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    assert not {n for n in names if n.startswith("_omop")}
    assert set(TABLES) | {"rejects"} <= names


def test_without_concept_ancestor_only_direct_concepts_match(tmp_path):
    frames = tiny_cdm()
    del frames["concept_ancestor"]
    result = _load(tmp_path, frames=frames)
    drugs = table(result, "drug_administrations")
    # 5001 (clinical trastuzumab), 5002 (Phesgo), 5003 (lapatinib tablet) no longer match
    assert list(drugs["drug_source"]) == ["Herceptin", "Tykerb"]
    assert result.counts["drug_exposure"].not_relevant == 4
    same = _load(tmp_path / "off", ancestors=False)
    assert list(table(same, "drug_administrations")["drug_source"]) == ["Herceptin", "Tykerb"]


def test_product_beats_its_ingredients_and_multi_ingredient_drugs_split(tmp_path):
    result = _load(tmp_path, products={"1075655": ""})  # no product entry for Phesgo
    drugs = table(result, "drug_administrations")
    phesgo = drugs[drugs["drug_source"] == "Phesgo"]
    assert sorted(phesgo["drug"]) == ["pertuzumab", "trastuzumab"]
    assert result.counts["drug_exposure"].loaded == 5  # one OMOP row, two canonical rows


def test_drug_concept_pairs_missing_ids_and_a_product_by_source_concept(tmp_path):
    frames = tiny_cdm()
    extra = pd.DataFrame({
        "drug_exposure_id": [40, 41, 42],
        "person_id": [1, 1, 1],
        # 40: no drug concept, the source concept is the ingredient; 41: no source concept;
        # 42: a clinical trastuzumab whose source concept is a trastuzumab *product*: the
        # product match and the ingredient match name the same drug, one row
        "drug_concept_id": pd.array([None, 1387104, 5001], dtype="Int64"),
        "drug_source_concept_id": pd.array([1387104, None, 7777], dtype="Int64"),
        "drug_exposure_start_date": [D(2015, 3, 1)] * 3,
        "drug_exposure_end_date": [D(2015, 3, 1)] * 3,
        "stop_reason": [NA_TEXT] * 3,
        "drug_source_value": ["by source", "no source", "product by source"],
    })
    frames["drug_exposure"] = pd.concat([frames["drug_exposure"].astype(
        {"drug_concept_id": "Int64", "drug_source_concept_id": "Int64"}), extra],
        ignore_index=True)
    result = _load(tmp_path, frames=frames, products={"7777": "trastuzumab"})
    drugs = table(result, "drug_administrations")
    got = drugs[drugs["date"] == pd.Timestamp(2015, 3, 1)]
    assert sorted(zip(got["drug_source"], got["drug"], strict=True)) == [
        ("by source", "trastuzumab"), ("no source", "trastuzumab"),
        ("product by source", "trastuzumab")]
    c = result.counts["drug_exposure"]
    assert (c.read, c.loaded, c.rejected, c.not_relevant) == (12, 8, 3, 1)


def test_vocab_code_references_resolve_case_insensitively(tmp_path):
    frames = tiny_cdm()
    frames["concept"]["vocabulary_id"] = frames["concept"]["vocabulary_id"].str.upper()
    result = _load(tmp_path, frames=frames)  # 'LOINC:85337-4' matches vocabulary 'LOINC'
    assert len(table(result, "biomarkers")) == 2
    assert list(table(result, "drug_administrations")["drug"]).count("lapatinib") == 2


def test_unresolved_references_are_reported_once_per_uncovered_value(tmp_path):
    result = _load(tmp_path)
    unresolved = [f for f in result.problems if f.problem.code == "unresolved_concept"]
    values = {f.problem.value for f in unresolved}
    # trastuzumab's RxNorm code is missing from the tiny concept table, but its concept_id
    # covers it; no reference of 'brain' resolves at all
    assert "RxNorm:224905" not in values
    assert "SNOMED:94225005" in values
    assert all(f.severity == "quarantine" and f.table == "concept" for f in unresolved)
    assert result.ok


def test_value_maps_can_be_overridden(tmp_path):
    result = _load(tmp_path, gender={"9999": "other"}, stop_reasons={"weird": "toxicity"},
                   receptor_results={"12345": "negative"}, drugs={"1387104": ""})
    patients = table(result, "patients")
    assert patients.loc[patients["patient_id"] == "4", "sex"].tolist() == ["other"]
    drugs = table(result, "drug_administrations")
    assert "Herceptin" not in set(drugs["drug_source"])  # its concept was removed
    assert drugs.loc[drugs["drug_source"] == "DTX", "discontinuation_reason"].tolist() == [
        "toxicity"]
    bio = table(result, "biomarkers")
    assert (bio["result"] == "negative").sum() == 1
    assert result.counts["drug_exposure"].not_relevant == 4  # 10, 11 (a descendant), 14, 15


def test_person_source_value_specimen_and_de_novo_options(tmp_path):
    result = _load(tmp_path, patient_id="person_source_value", specimen="primary",
                   de_novo="derive")
    assert sorted(table(result, "patients")["patient_id"]) == ["P001", "P002", "P003"]
    assert set(table(result, "biomarkers")["specimen"]) == {"primary"}
    assert table(result, "diagnoses")["de_novo_metastatic"].isna().all()
    assert set(table(result, "drug_administrations")["patient_id"]) == {"P001", "P002", "P003"}


def test_load_records_dispatches_on_format(tmp_path):
    write_duckdb(tiny_cdm(), tmp_path / "cdm.duckdb")
    result = load_records(block("cdm.duckdb", policy=LENIENT), tmp_path)
    assert result.store.backend.table("patients").count().execute() == 3
    assert {f.table for f in result.files} >= {"person", "drug_exposure"}
    assert all(f.sha256 and len(f.sha256) == 64 for f in result.files)


def test_mapped_tables_are_compressed_in_memory(tmp_path):
    """Each canonical table is checkpointed after it is mapped (engines.compact)."""
    write_folder(tiny_cdm(), tmp_path / "cdm")
    con = check_omop(block(str(tmp_path / "cdm"))).store.backend.con
    for name in ("patients", "drug_administrations"):
        uncompressed = con.execute(
            "SELECT DISTINCT column_name FROM pragma_storage_info(?) WHERE NOT persistent",
            [name]).fetchall()
        assert uncompressed == [], name
        assert con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] > 0
