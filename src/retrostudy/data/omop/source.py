"""Open the OMOP CDM tables on the caller's backend, checking tables and columns.

Three sources: a DuckDB database file (attached read-only; DuckDB engine only), a folder of
per-table files named like the OMOP tables (``drug_exposure.parquet``, a ``drug_exposure/``
folder of Parquet parts, or ``drug_exposure.csv``; registered with ``backend.read_parquet`` /
``read_csv``, which every Ibis backend offers), or tables already in the backend (``[data.omop]
source = "backend"``, optionally in ``schema``). A missing required table or column is a
:class:`~retrostudy.errors.DataError` naming the file or table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import ibis

from retrostudy.errors import DataError, Problem
from retrostudy.protocol.data import DataBlock

DATABASE_SUFFIXES = (".duckdb", ".db", ".ddb")
ATTACHED = "_omop_cdm"

# table -> (required columns, optional columns); a table marked optional may be absent.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "person": (("person_id", "gender_concept_id", "year_of_birth"),
               ("month_of_birth", "day_of_birth", "birth_datetime", "person_source_value")),
    "death": (("person_id", "death_date"), ()),
    "observation_period": (("person_id", "observation_period_end_date"), ()),
    "condition_occurrence": (("condition_occurrence_id", "person_id", "condition_concept_id",
                              "condition_start_date"), ()),
    "drug_exposure": (("drug_exposure_id", "person_id", "drug_concept_id",
                       "drug_exposure_start_date", "drug_exposure_end_date"),
                      ("drug_source_concept_id", "stop_reason", "drug_source_value")),
    "measurement": (("measurement_id", "person_id", "measurement_concept_id", "measurement_date",
                     "value_as_number", "value_as_concept_id"), ("value_source_value",)),
    "observation": (("observation_id", "person_id", "observation_concept_id",
                     "observation_date", "value_as_number"), ()),
    "procedure_occurrence": (("procedure_occurrence_id", "person_id", "procedure_concept_id",
                              "procedure_date"), ()),
    "episode": (("episode_id", "person_id", "episode_concept_id", "episode_start_date"),
                ("episode_end_date", "episode_number", "episode_object_concept_id")),
    "episode_event": (("episode_id", "event_id", "episode_event_field_concept_id"), ()),
    "concept": (("concept_id", "vocabulary_id", "concept_code"), ()),
    "concept_ancestor": (("ancestor_concept_id", "descendant_concept_id"), ()),
}
REQUIRED_TABLES = ("person", "drug_exposure", "condition_occurrence", "measurement")
EPISODE_TABLES = ("episode", "episode_event")
ROW_ID = {
    "person": "person_id",
    "death": "person_id",
    "observation_period": "person_id",
    "condition_occurrence": "condition_occurrence_id",
    "drug_exposure": "drug_exposure_id",
    "measurement": "measurement_id",
    "observation": "observation_id",
    "procedure_occurrence": "procedure_occurrence_id",
    "episode": "episode_id",
    "episode_event": "event_id",  # no primary key: rows are numbered (see .episodes)
}
"""The column that names a row of each table in problems (the CDM primary key)."""


@dataclass(frozen=True, slots=True)
class OmopTable:
    name: str
    table: ibis.Table
    shown: str  # how problems name it: the file, or "<db>[table]"
    path: str | None  # the file read (provenance), when there is one
    sha256: str | None


def open_cdm(block: DataBlock, base_dir: Path, backend) -> dict[str, OmopTable]:
    """Every OMOP table the mapping reads that exists, as Ibis tables on ``backend``."""
    opt = block.omop
    if opt.source == "backend":
        found = _in_backend(backend, opt.cdm_schema)
    else:
        root = (base_dir / block.path).resolve()
        if not root.exists():
            raise DataError(Problem(message="OMOP data path not found", file=str(root),
                                    code="file_not_found",
                                    hint="[data] path is relative to the protocol file"))
        if root.is_file():
            found = _in_database(backend, root)
        else:
            found = _in_folder(backend, root)
    if opt.episodes == "off":
        found = {k: v for k, v in found.items() if k not in EPISODE_TABLES}
    problems = [Problem(message=f"OMOP table {name!r} not found", file=where,
                        code="missing_table", hint=hint)
                for name, (where, hint) in _missing(found, block, base_dir).items()]
    for t in found.values():
        required = COLUMNS[t.name][0]
        have = set(t.table.columns)
        problems += [Problem(message=f"OMOP table {t.name!r} has no column {c!r}", file=t.shown,
                             column=c, code="missing_column",
                             hint="OMOP CDM v5.4 names the columns in lower case")
                     for c in required if c not in have]
    if opt.patient_id == "person_source_value" and "person" in found and \
            "person_source_value" not in found["person"].table.columns:
        problems.append(Problem(message="patient_id = 'person_source_value' but person has no "
                                "such column", file=found["person"].shown,
                                column="person_source_value", code="missing_column",
                                key="data.omop.patient_id"))
    if problems:
        raise DataError(problems)
    return found


def _missing(found: dict, block: DataBlock, base_dir: Path) -> dict[str, tuple[str, str]]:
    where = (f"schema {block.omop.cdm_schema!r}" if block.omop.source == "backend"
             and block.omop.cdm_schema else
             "the engine" if block.omop.source == "backend" else
             str((base_dir / block.path).resolve()))
    required = REQUIRED_TABLES + (EPISODE_TABLES if block.omop.episodes == "required" else ())
    return {name: (where, f"add {name}.parquet (or .csv), or a table {name!r}"
                   + (" ([data.omop] episodes = 'required')" if name in EPISODE_TABLES else ""))
            for name in required if name not in found}


def table_names(backend, catalog: str | None = None, schema: str | None = None) -> list[str]:
    """Tables and views of a database (DuckDB: queried directly; ibis 12's listing helpers
    need a DuckDB Arrow method that DuckDB 2 renamed)."""
    if backend.name != "duckdb":
        return list(backend.list_tables(database=schema))
    sql = "SELECT table_name FROM information_schema.tables WHERE table_catalog = " \
          "coalesce(?, current_database()) AND table_schema = coalesce(?, current_schema())"
    return [r[0] for r in backend.con.execute(sql, [catalog, schema]).fetchall()]


def attached(backend) -> bool:
    """Whether the CDM file is attached (DuckDB)."""
    sql = "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?"
    return backend.con.execute(sql, [ATTACHED]).fetchall()[0][0] > 0


def _in_backend(backend, schema: str | None) -> dict[str, OmopTable]:
    names = {n.lower(): n for n in table_names(backend, schema=schema)}
    out = {}
    for name in COLUMNS:
        if name in names:
            table = _lower(backend.table(names[name], database=schema))
            shown = f"{schema}.{name}" if schema else name
            out[name] = OmopTable(name, table, shown, None, None)
    return out


def _in_database(backend, path: Path) -> dict[str, OmopTable]:
    if path.suffix.lower() not in DATABASE_SUFFIXES or backend.name != "duckdb":
        hint = ("a DuckDB file needs the DuckDB engine; give a folder of Parquet files"
                if path.suffix.lower() in DATABASE_SUFFIXES else
                "give a DuckDB file (.duckdb/.db) or a folder of <table>.parquet files")
        raise DataError(Problem(message="cannot read this OMOP source", file=str(path),
                                code="unsupported_source", hint=hint))
    if attached(backend):
        backend.detach(ATTACHED)
    backend.attach(path, name=ATTACHED, read_only=True)
    with path.open("rb") as handle:
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    out = {}
    schemas = [r[0] for r in backend.con.execute(
        "SELECT DISTINCT schema_name FROM duckdb_schemas() WHERE database_name = ?",
        [ATTACHED]).fetchall()]
    for schema in sorted(schemas, key=lambda s: (s != "main", s)):
        names = {n.lower(): n for n in table_names(backend, ATTACHED, schema)}
        for name in COLUMNS:
            if name in names and name not in out:
                table = _lower(backend.table(names[name], database=(ATTACHED, schema)))
                out[name] = OmopTable(name, table, f"{path.name}[{name}]", str(path), sha)
    return out


def _in_folder(backend, root: Path) -> dict[str, OmopTable]:
    files = {p.name.lower(): p for p in root.iterdir()}
    out = {}
    for name in COLUMNS:
        for candidate in (f"{name}.parquet", name, f"{name}.csv"):
            path = files.get(candidate)
            if path is None or (candidate == name and not path.is_dir()):
                continue
            if path.suffix.lower() == ".csv":
                table = backend.read_csv(str(path), table_name=f"_omop_src_{name}")
            else:
                source = str(path / "*.parquet") if path.is_dir() and backend.name == "duckdb" \
                    else str(path)
                table = backend.read_parquet(source, table_name=f"_omop_src_{name}")
            sha = None
            if not path.is_dir():
                with path.open("rb") as handle:
                    sha = hashlib.file_digest(handle, "sha256").hexdigest()
            out[name] = OmopTable(name, _lower(table), path.name, str(path), sha)
            break
    return out


def _lower(table: ibis.Table) -> ibis.Table:
    """Column names in lower case (some exports write PERSON_ID)."""
    renames = {c.lower(): c for c in table.columns if c != c.lower()}
    return table.rename(renames) if renames else table
