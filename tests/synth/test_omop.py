"""The synthetic OMOP CDM writer: layout and types, counts, determinism, speed, round trip.

The round trip goes canonical → :func:`canonical_to_omop` → :func:`write_omop` → the
OMOP loader (:func:`retrostudy.data.omop.load.load_omop`, written independently from the
same spec) → canonical, and compares with the generator's tables column by column. The
only differences allowed are the ones the mapping spec documents (module docstring of
``retrostudy.data.omop.concepts``): ``stage`` and ``setting`` are not carried, an empty
dose-level ``end_date`` comes back as the start date, and ``de_novo_metastatic`` is
derived from the diagnosis dates.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from retrostudy.cli import main
from retrostudy.data.omop.load import load_omop
from retrostudy.data.schema import TABLES
from retrostudy.protocol.data import DataBlock
from retrostudy.synth import generate_cohort, generate_seed_study
from retrostudy.synth.omop import canonical_to_omop
from retrostudy.synth.omop_cdm import CDM_COLUMNS, REQUIRED, write_omop
from retrostudy.synth.omop_vocab import CLINICAL_DRUG_BASE

OMOP_TABLES = {"person", "observation_period", "death", "drug_exposure", "condition_occurrence",
               "measurement", "observation", "concept", "concept_ancestor"}
SQL_TYPES = {"BIGINT": "BIGINT", "DATE": "DATE", "VARCHAR": "VARCHAR", "DOUBLE": "DOUBLE",
             "TIMESTAMP": "TIMESTAMP"}
LYMPHOMA = "transformed follicular lymphoma"  # the seed study's other tumour (no default concept)


@pytest.fixture(scope="module")
def seed():
    return generate_seed_study()


@pytest.fixture(scope="module")
def seed_omop(seed):
    return canonical_to_omop(seed.tables)


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(1500, seed=11)


def _arrow_type(frame: pd.DataFrame, column: str) -> pa.DataType:
    return pa.Table.from_pandas(frame[[column]], preserve_index=False).schema.field(column).type


def test_every_table_has_its_required_columns_typed(seed_omop):
    assert set(seed_omop) == OMOP_TABLES
    for name, frame in seed_omop.items():
        assert set(REQUIRED[name]) <= set(frame.columns), name
        assert not frame[list(REQUIRED[name])].isna().any().any(), name
        for column, sql in CDM_COLUMNS[name]:
            if column not in frame.columns:
                continue
            kind = _arrow_type(frame, column)
            if sql == "BIGINT":
                assert kind == pa.int64(), (name, column, kind)
            elif sql == "DATE":
                assert kind == pa.date32(), (name, column, kind)
            elif sql == "VARCHAR":
                value = kind.value_type if pa.types.is_dictionary(kind) else kind
                assert pa.types.is_string(value) or pa.types.is_large_string(value), (
                    name, column, kind)


@pytest.mark.parametrize("fmt", ["duckdb", "parquet"])
def test_written_tables_have_the_full_cdm_layout(seed_omop, tmp_path, fmt):
    target = tmp_path / ("cdm.duckdb" if fmt == "duckdb" else "cdm")
    paths = write_omop(seed_omop, target, format=fmt)
    con = duckdb.connect(str(target) if fmt == "duckdb" else ":memory:")
    for name, frame in seed_omop.items():
        source = f'"{name}"' if fmt == "duckdb" else f"read_parquet('{target / name}.parquet')"
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        assert [(row[0], row[1]) for row in described] == [
            (c, SQL_TYPES[t]) for c, t in CDM_COLUMNS[name]
        ], name
        assert con.execute(f"SELECT count(*) FROM {source}").fetchone()[0] == len(frame)
    con.close()
    assert paths == ([target] if fmt == "duckdb" else
                     [target / f"{name}.parquet" for name in seed_omop])


def test_each_canonical_record_is_one_omop_row(seed, seed_omop):
    t = seed.tables
    obs = t["observations"]
    assert len(seed_omop["person"]) == len(t["patients"])
    assert len(seed_omop["observation_period"]) == len(t["patients"])
    assert len(seed_omop["death"]) == t["patients"]["death_date"].notna().sum()
    assert len(seed_omop["drug_exposure"]) == len(t["drug_administrations"])
    sites = (obs["name"] == "metastatic_site").sum()
    assert len(seed_omop["condition_occurrence"]) == len(t["diagnoses"]) + sites
    ecog = (obs["name"] == "ecog").sum()
    assert sites + ecog == len(obs)
    assert len(seed_omop["measurement"]) == (
        len(t["biomarkers"]) + ecog + len(t["tumor_assessments"]))
    for name, key in (("drug_exposure", "drug_exposure_id"), ("measurement", "measurement_id"),
                      ("condition_occurrence", "condition_occurrence_id"),
                      ("person", "person_id")):
        ids = seed_omop[name][key].to_numpy()
        assert (ids == np.arange(1, len(ids) + 1)).all(), name


def test_person_and_observation_period_carry_the_patient(seed, seed_omop):
    patients = seed.tables["patients"]
    person = seed_omop["person"]
    assert person["person_source_value"].astype(str).tolist() == patients["patient_id"].tolist()
    births = pd.to_datetime(patients["birth_date"])
    assert (person["year_of_birth"].to_numpy() == births.dt.year.to_numpy()).all()
    assert (person["month_of_birth"].to_numpy() == births.dt.month.to_numpy()).all()
    assert (person["day_of_birth"].to_numpy() == births.dt.day.to_numpy()).all()
    period = seed_omop["observation_period"]
    end = pd.to_datetime(period["observation_period_end_date"].astype("datetime64[s]"))
    assert (end.to_numpy() == patients["last_contact_date"].to_numpy()).all()
    start = period["observation_period_start_date"].astype("datetime64[s]").to_numpy()
    assert (start <= end.to_numpy()).all()


def test_every_concept_used_is_in_the_vocabulary_and_ancestry_is_exercised(seed_omop):
    known = set(seed_omop["concept"]["concept_id"].tolist())
    assert seed_omop["concept"]["concept_id"].is_unique
    used = {
        "drug_exposure": ["drug_concept_id", "drug_type_concept_id"],
        "condition_occurrence": ["condition_concept_id", "condition_type_concept_id"],
        "measurement": ["measurement_concept_id", "measurement_type_concept_id"],
        "person": ["gender_concept_id"],
    }
    for name, columns in used.items():
        for column in columns:
            missing = set(seed_omop[name][column].tolist()) - known
            assert not missing, (name, column, missing)
    drugs = seed_omop["drug_exposure"]["drug_concept_id"].to_numpy()
    clinical = drugs >= CLINICAL_DRUG_BASE
    assert 0.3 < clinical.mean() < 0.7  # half of the rows use a clinical drug
    ancestors = seed_omop["concept_ancestor"]
    parents = ancestors[ancestors["min_levels_of_separation"] == 1]
    assert set(drugs[clinical]) <= set(parents["descendant_concept_id"])
    assert set(parents["ancestor_concept_id"]) <= known
    codes = seed_omop["concept"][["vocabulary_id", "concept_code"]]
    assert not codes.duplicated().any()  # "VOCAB:code" references resolve to one concept


def test_deterministic_in_the_seed():
    a = canonical_to_omop(generate_cohort(300, seed=5).tables)
    b = canonical_to_omop(generate_cohort(300, seed=5).tables)
    c = canonical_to_omop(generate_cohort(300, seed=6).tables)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["drug_exposure"].equals(c["drug_exposure"])


def test_unmappable_records_are_errors_not_dropped(seed):
    tables = dict(seed.tables)
    drugs = tables["drug_administrations"].copy()
    drugs.loc[3, "drug"] = "unobtainium"
    with pytest.raises(ValueError, match=r"drug_administrations\.drug.*unobtainium"):
        canonical_to_omop({**tables, "drug_administrations": drugs})
    obs = tables["observations"].copy()
    obs.loc[0, "name"] = "weight"
    with pytest.raises(ValueError, match=r"observations.*weight"):
        canonical_to_omop({**tables, "observations": obs})
    scans = tables["tumor_assessments"].copy()
    scans.loc[0, "patient_id"] = "NOBODY"
    with pytest.raises(ValueError, match=r"tumor_assessments: patient_id not in patients.*NOBODY"):
        canonical_to_omop({**tables, "tumor_assessments": scans})


def _load(tmp_path, fmt: str, omop: dict[str, pd.DataFrame], conditions=None
          ) -> dict[str, pd.DataFrame]:
    target = tmp_path / ("cdm.duckdb" if fmt == "duckdb" else "cdm")
    write_omop(omop, target, format=fmt)
    block = DataBlock.model_validate({
        "format": "omop",
        "path": target.name,
        "omop": {"patient_id": "person_source_value",
                 "conditions": conditions or {}},
    })
    result = load_omop(block, tmp_path)
    assert not result.problems
    for name, count in result.counts.items():
        assert count.read == count.loaded, (name, count)  # nothing rejected or irrelevant
    return {name: result.store.backend.table(name).to_pandas() for name in TABLES}


def _expected(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The canonical tables as the documented OMOP mapping gives them back."""
    out = {name: frame.copy() for name, frame in tables.items()}
    out["diagnoses"]["stage"] = None
    drugs = out["drug_administrations"]
    drugs["setting"] = None
    drugs["end_date"] = drugs["end_date"].fillna(drugs["date"])
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain strings (so rows sort by value, not by category order)."""
    return frame.astype({c: "string" for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def _assert_same(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    for name, table in TABLES.items():
        key = list(table.key or table.column_names)
        a, b = (_plain(f).sort_values(key, kind="stable").reset_index(drop=True)
                for f in (got[name], expected[name]))
        assert len(a) == len(b), name
        for column in table.column_names:
            x = a[column].astype(object).where(a[column].notna(), None).tolist()
            y = b[column].astype(object).where(b[column].notna(), None).tolist()
            if column == "de_novo_metastatic":
                # derived by the loader on every diagnosis row of a patient; the generators
                # leave it empty only on another tumour's row
                y = [v if v is not None else u for u, v in zip(x, y, strict=True)]
            assert x == y, (name, column)


@pytest.mark.parametrize("fmt", ["duckdb", "parquet"])
def test_round_trip_of_the_seed_study(seed, seed_omop, tmp_path, fmt):
    got = _load(tmp_path, fmt, seed_omop, {f"retrostudy:{LYMPHOMA}": LYMPHOMA})
    assert LYMPHOMA in set(got["diagnoses"]["diagnosis"])
    _assert_same(got, _expected(seed.tables))


def test_round_trip_of_a_generated_cohort(cohort, tmp_path):
    got = _load(tmp_path, "duckdb", canonical_to_omop(cohort.tables))
    _assert_same(got, _expected(cohort.tables))


def test_without_ancestor_expansion_the_clinical_drug_rows_are_not_matched(seed_omop, tmp_path):
    write_omop(seed_omop, tmp_path / "cdm.duckdb")
    block = DataBlock.model_validate({
        "format": "omop", "path": "cdm.duckdb",
        "omop": {"patient_id": "person_source_value", "ancestors": False}})
    result = load_omop(block, tmp_path)
    clinical = int((seed_omop["drug_exposure"]["drug_concept_id"] >= CLINICAL_DRUG_BASE).sum())
    assert result.counts["drug_exposure"].not_relevant == clinical > 0


def test_cli_writes_an_omop_cdm(tmp_path, capsys):
    assert main(["synth", "--seed-study", "--omop", "--out", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "omop.duckdb").exists()
    assert main(["synth", "--patients", "20", "--omop", "--format", "parquet",
                 "--out", str(tmp_path / "b")]) == 0
    assert {p.name for p in (tmp_path / "b").iterdir()} == {f"{t}.parquet" for t in OMOP_TABLES}
    assert main(["synth", "--seed-study", "--omop", "--out", str(tmp_path / "c.duckdb")]) == 0
    assert (tmp_path / "c.duckdb").is_file()
    assert "OMOP CDM" in capsys.readouterr().out
    assert main(["synth", "--seed-study", "--format", "duckdb", "--out", str(tmp_path / "d")]) == 2
    assert "needs --omop" in capsys.readouterr().err
    assert main(["synth", "--seed-study", "--omop", "--format", "csv",
                 "--out", str(tmp_path / "e")]) == 2
    assert "not csv" in capsys.readouterr().err
    assert main(["synth", "--patients", "20", "--omop", "--episodes", "--format", "parquet",
                 "--out", str(tmp_path / "f")]) == 0
    names = {p.name for p in (tmp_path / "f").iterdir()}
    assert names == {f"{t}.parquet" for t in (*OMOP_TABLES, "episode", "episode_event")}
    assert main(["synth", "--seed-study", "--episodes", "--out", str(tmp_path / "g")]) == 2
    assert "--episodes needs --omop" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["duckdb", "parquet"])
def test_chunked_writing_keeps_every_row_in_order(seed_omop, tmp_path, monkeypatch, fmt):
    import retrostudy.synth.omop_cdm as cdm

    monkeypatch.setattr(cdm, "CHUNK_ROWS", 1000)  # drug_exposure: 6 chunks
    target = tmp_path / ("cdm.duckdb" if fmt == "duckdb" else "cdm")
    write_omop(seed_omop, target, format=fmt)
    con = duckdb.connect(str(target) if fmt == "duckdb" else ":memory:")
    source = ("drug_exposure" if fmt == "duckdb"
              else f"read_parquet('{target}/drug_exposure.parquet')")
    back = con.execute(f"SELECT drug_exposure_id, drug_concept_id, drug_source_value, "
                       f"drug_exposure_start_date FROM {source}").df()
    con.close()
    frame = seed_omop["drug_exposure"]
    assert back["drug_exposure_id"].tolist() == frame["drug_exposure_id"].tolist()
    assert back["drug_concept_id"].tolist() == frame["drug_concept_id"].tolist()
    assert back["drug_source_value"].tolist() == frame["drug_source_value"].astype(str).tolist()
    assert (pd.to_datetime(back["drug_exposure_start_date"]).tolist()
            == pd.to_datetime(frame["drug_exposure_start_date"].astype("datetime64[s]")).tolist())


def test_concept_sets_can_be_extended(seed):
    from retrostudy.data.omop.concepts import DEFAULTS, Concept

    drugs = seed.tables["drug_administrations"].copy()
    drugs.loc[0, "drug"] = "unobtainium"
    sets = {**DEFAULTS, "drugs": DEFAULTS["drugs"] + (Concept(2_000_000_999, "unobtainium", "L"),)}
    omop = canonical_to_omop({**seed.tables, "drug_administrations": drugs}, concepts=sets)
    assert omop["drug_exposure"]["drug_concept_id"].iloc[0] == 2_000_000_999
    assert 2_000_000_999 in set(omop["concept"]["concept_id"])
