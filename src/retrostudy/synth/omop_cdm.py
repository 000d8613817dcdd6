"""OMOP CDM v5.4 table layouts and the writer (a DuckDB database or a folder of Parquet files).

:data:`CDM_COLUMNS` lists, for every table the synthetic generator writes, all of its
columns in the order of the CDM v5.4 DDL with their SQL type (source: OHDSI
``CommonDataModel : inst/csv/OMOP_CDMv5.4_Field_Level.csv``). A frame given to
:func:`write_omop` only needs the columns it fills; every other column of the table is
written as a typed NULL, so a written table always has the full v5.4 layout. Ids and
concept ids are ``BIGINT``, dates ``DATE``, datetimes ``TIMESTAMP``, text ``VARCHAR``.

The writer turns each frame into an Arrow table with the full CDM layout (no copy for
Arrow-backed columns; low-cardinality text stays dictionary-encoded) and writes it with
pyarrow (Parquet) or registers it in DuckDB and creates the table with one casting
``SELECT``. Only fixed identifiers from :data:`CDM_COLUMNS` appear in the SQL; no data
value is ever interpolated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

_I, _D, _T, _S, _F = "BIGINT", "DATE", "TIMESTAMP", "VARCHAR", "DOUBLE"

CDM_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "person": (
        ("person_id", _I), ("gender_concept_id", _I), ("year_of_birth", _I),
        ("month_of_birth", _I), ("day_of_birth", _I), ("birth_datetime", _T),
        ("race_concept_id", _I), ("ethnicity_concept_id", _I), ("location_id", _I),
        ("provider_id", _I), ("care_site_id", _I), ("person_source_value", _S),
        ("gender_source_value", _S), ("gender_source_concept_id", _I),
        ("race_source_value", _S), ("race_source_concept_id", _I),
        ("ethnicity_source_value", _S), ("ethnicity_source_concept_id", _I),
    ),
    "observation_period": (
        ("observation_period_id", _I), ("person_id", _I),
        ("observation_period_start_date", _D), ("observation_period_end_date", _D),
        ("period_type_concept_id", _I),
    ),
    "death": (
        ("person_id", _I), ("death_date", _D), ("death_datetime", _T),
        ("death_type_concept_id", _I), ("cause_concept_id", _I), ("cause_source_value", _S),
        ("cause_source_concept_id", _I),
    ),
    "drug_exposure": (
        ("drug_exposure_id", _I), ("person_id", _I), ("drug_concept_id", _I),
        ("drug_exposure_start_date", _D), ("drug_exposure_start_datetime", _T),
        ("drug_exposure_end_date", _D), ("drug_exposure_end_datetime", _T),
        ("verbatim_end_date", _D), ("drug_type_concept_id", _I), ("stop_reason", _S),
        ("refills", _I), ("quantity", _F), ("days_supply", _I), ("sig", _S),
        ("route_concept_id", _I), ("lot_number", _S), ("provider_id", _I),
        ("visit_occurrence_id", _I), ("visit_detail_id", _I), ("drug_source_value", _S),
        ("drug_source_concept_id", _I), ("route_source_value", _S),
        ("dose_unit_source_value", _S),
    ),
    "condition_occurrence": (
        ("condition_occurrence_id", _I), ("person_id", _I), ("condition_concept_id", _I),
        ("condition_start_date", _D), ("condition_start_datetime", _T),
        ("condition_end_date", _D), ("condition_end_datetime", _T),
        ("condition_type_concept_id", _I), ("condition_status_concept_id", _I),
        ("stop_reason", _S), ("provider_id", _I), ("visit_occurrence_id", _I),
        ("visit_detail_id", _I), ("condition_source_value", _S),
        ("condition_source_concept_id", _I), ("condition_status_source_value", _S),
    ),
    "measurement": (
        ("measurement_id", _I), ("person_id", _I), ("measurement_concept_id", _I),
        ("measurement_date", _D), ("measurement_datetime", _T), ("measurement_time", _S),
        ("measurement_type_concept_id", _I), ("operator_concept_id", _I),
        ("value_as_number", _F), ("value_as_concept_id", _I), ("unit_concept_id", _I),
        ("range_low", _F), ("range_high", _F), ("provider_id", _I),
        ("visit_occurrence_id", _I), ("visit_detail_id", _I),
        ("measurement_source_value", _S), ("measurement_source_concept_id", _I),
        ("unit_source_value", _S), ("unit_source_concept_id", _I), ("value_source_value", _S),
        ("measurement_event_id", _I), ("meas_event_field_concept_id", _I),
    ),
    "observation": (
        ("observation_id", _I), ("person_id", _I), ("observation_concept_id", _I),
        ("observation_date", _D), ("observation_datetime", _T),
        ("observation_type_concept_id", _I), ("value_as_number", _F),
        ("value_as_string", _S), ("value_as_concept_id", _I), ("qualifier_concept_id", _I),
        ("unit_concept_id", _I), ("provider_id", _I), ("visit_occurrence_id", _I),
        ("visit_detail_id", _I), ("observation_source_value", _S),
        ("observation_source_concept_id", _I), ("unit_source_value", _S),
        ("qualifier_source_value", _S), ("value_source_value", _S),
        ("observation_event_id", _I), ("obs_event_field_concept_id", _I),
    ),
    "episode": (
        ("episode_id", _I), ("person_id", _I), ("episode_concept_id", _I),
        ("episode_start_date", _D), ("episode_start_datetime", _T), ("episode_end_date", _D),
        ("episode_end_datetime", _T), ("episode_parent_id", _I), ("episode_number", _I),
        ("episode_object_concept_id", _I), ("episode_type_concept_id", _I),
        ("episode_source_value", _S), ("episode_source_concept_id", _I),
    ),
    "episode_event": (
        ("episode_id", _I), ("event_id", _I), ("episode_event_field_concept_id", _I),
    ),
    "concept": (
        ("concept_id", _I), ("concept_name", _S), ("domain_id", _S), ("vocabulary_id", _S),
        ("concept_class_id", _S), ("standard_concept", _S), ("concept_code", _S),
        ("valid_start_date", _D), ("valid_end_date", _D), ("invalid_reason", _S),
    ),
    "concept_ancestor": (
        ("ancestor_concept_id", _I), ("descendant_concept_id", _I),
        ("min_levels_of_separation", _I), ("max_levels_of_separation", _I),
    ),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "gender_concept_id", "year_of_birth", "race_concept_id",
               "ethnicity_concept_id"),
    "observation_period": ("observation_period_id", "person_id", "observation_period_start_date",
                           "observation_period_end_date", "period_type_concept_id"),
    "death": ("person_id", "death_date"),
    "drug_exposure": ("drug_exposure_id", "person_id", "drug_concept_id",
                      "drug_exposure_start_date", "drug_exposure_end_date",
                      "drug_type_concept_id"),
    "condition_occurrence": ("condition_occurrence_id", "person_id", "condition_concept_id",
                             "condition_start_date", "condition_type_concept_id"),
    "measurement": ("measurement_id", "person_id", "measurement_concept_id", "measurement_date",
                    "measurement_type_concept_id"),
    "observation": ("observation_id", "person_id", "observation_concept_id", "observation_date",
                    "observation_type_concept_id"),
    "episode": ("episode_id", "person_id", "episode_concept_id", "episode_start_date",
                "episode_object_concept_id", "episode_type_concept_id"),
    "episode_event": ("episode_id", "event_id", "episode_event_field_concept_id"),
    "concept": ("concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
                "concept_code", "valid_start_date", "valid_end_date"),
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id",
                         "min_levels_of_separation", "max_levels_of_separation"),
}
"""Columns the CDM declares NOT NULL (the generator always fills them)."""

Format = Literal["duckdb", "parquet"]
CHUNK_ROWS = 4_000_000
"""Rows per Parquet row group / DuckDB insert (bounds the writer's memory)."""
CDM_COLUMNS_NAMES = {table: tuple(name for name, _ in spec) for table, spec in CDM_COLUMNS.items()}


_ARROW = {_I: pa.int64(), _D: pa.date32(), _T: pa.timestamp("s"), _S: pa.string(),
          _F: pa.float64()}


def cdm_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with every CDM column of ``table``, typed, in CDM order.

    Arrow-backed columns pass through without a copy; categoricals stay dictionary-encoded
    strings (Parquet stores them as plain strings with dictionary encoding); columns the
    frame lacks are typed nulls.
    """
    spec = CDM_COLUMNS.get(table)
    if spec is None:
        raise ValueError(f"unknown OMOP table {table!r}; known: {sorted(CDM_COLUMNS)}")
    unknown = set(frame.columns) - {name for name, _ in spec}
    if unknown:
        raise ValueError(f"OMOP table {table!r} has no column(s) {sorted(unknown)}")
    source = pa.Table.from_pandas(frame, preserve_index=False)
    columns, fields = [], []
    for name, sql in spec:
        target = _ARROW[sql]
        if name not in source.column_names:
            column = pa.chunked_array([pa.nulls(source.num_rows, target)])
        else:
            column = source[name]
            if pa.types.is_dictionary(column.type) and target == pa.string():
                column = column.cast(pa.dictionary(column.type.index_type, pa.string()))
            elif column.type != target:
                column = column.cast(target)
        columns.append(column)
        fields.append(pa.field(name, column.type, nullable=name not in REQUIRED[table]))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def write_omop(
    omop_tables: Mapping[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]],
    out: str | Path,
    format: Format = "duckdb",  # noqa: A002 - the documented keyword
) -> list[Path]:
    """Write OMOP tables to a DuckDB file (``out``) or a folder of ``<table>.parquet``.

    ``omop_tables`` is a mapping or an iterable of ``(name, frame)`` pairs (a generator
    lets the caller build and drop one table at a time). Every table gets the full CDM
    v5.4 column list (:data:`CDM_COLUMNS`): ids BIGINT, dates DATE, text VARCHAR. Returns
    the paths written: the database file, or one Parquet file per table. A table of the
    same name in an existing database, or a Parquet file of the same name, is replaced.
    """
    if format not in ("duckdb", "parquet"):
        raise ValueError(f"format must be 'duckdb' or 'parquet', not {format!r}")
    out = Path(out)
    pairs = omop_tables.items() if isinstance(omop_tables, Mapping) else omop_tables
    if format == "parquet":
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in pairs:
            path = out / f"{name}.parquet"
            writer = None
            try:
                for chunk in _chunks(name, frame):
                    if writer is None:
                        writer = pq.ParquetWriter(path, chunk.schema, store_schema=False)
                    writer.write_table(chunk)
            finally:
                if writer is not None:
                    writer.close()
            paths.append(path)
        return paths
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(out))
    try:
        for name, frame in pairs:
            con.execute(f"DROP TABLE IF EXISTS {_quote(name)}")
            for chunk in _chunks(name, frame):
                con.register("_omop_frame", chunk)
                query = select_sql(name, CDM_COLUMNS_NAMES[name])
                if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                               [name]).fetchone()[0]:
                    con.execute(f"INSERT INTO {_quote(name)} {query}")
                else:
                    con.execute(f"CREATE TABLE {_quote(name)} AS {query}")
                con.unregister("_omop_frame")
    finally:
        con.close()
    return [out]


def _chunks(name: str, frame: pd.DataFrame):
    """The CDM Arrow table of ``frame`` in slices of :data:`CHUNK_ROWS` rows (at least one),
    so the typed-null columns and writer buffers of a 40M-row table never exist at once."""
    for start in range(0, max(len(frame), 1), CHUNK_ROWS):
        yield cdm_arrow(name, frame.iloc[start:start + CHUNK_ROWS])


def select_sql(table: str, present: Iterable[str], source: str = "_omop_frame") -> str:
    """``SELECT`` casting every CDM column of ``table`` to its type (absent ones as NULL)."""
    have = set(present)
    parts = [
        f'CAST({_quote(name) if name in have else "NULL"} AS {sql}) AS {_quote(name)}'
        for name, sql in CDM_COLUMNS[table]
    ]
    return f"SELECT {', '.join(parts)} FROM {source}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
