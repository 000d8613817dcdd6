"""The ``[data]`` block: where the records are and how to read them.

With no configuration, ``path`` is a folder of canonically named files (``patients.csv``,
``drug_administrations.parquet``, ...), or one Excel workbook with a sheet per table, or a
DuckDB database with a table per canonical name. Per-table settings map the user's headers
to canonical columns, declare date formats and encodings; ``policy`` decides per problem
class whether a bad row stops loading (``error``) or goes to the ``rejects`` table
(``quarantine``). See docs/data-model.md.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from retrostudy.protocol.base import Block, Date
from retrostudy.protocol.omop import OmopBlock

MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
"""A DuckDB memory size such as ``3GB`` or ``512 MiB`` (``[data] memory_limit``)."""

TableName = Literal[
    "patients",
    "diagnoses",
    "biomarkers",
    "drug_administrations",
    "tumor_assessments",
    "observations",
]
Policy = Literal["error", "quarantine"]
Response = Literal["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE"]

# Row-level problem classes a protocol may set a policy for, with their defaults.
# File- and column-level problems (missing file or column, empty file, wrong encoding,
# ambiguous date column) always stop loading: no row can be trusted.
DEFAULT_POLICY: dict[str, Policy] = {
    "missing_value": "error",
    "invalid_date": "error",
    "invalid_value": "error",
    "unknown_drug": "error",
    "duplicate_row": "quarantine",
    "duplicate_key": "error",
    "unknown_patient": "quarantine",
    "death_before_birth": "error",
    "before_birth": "error",
    "after_death": "error",
    "end_before_start": "error",
    "after_extraction": "error",
    # OMOP input only: a "VOCAB:code" concept reference the concept table does not hold
    # (reported; the reference is left out of its concept set unless the policy is error).
    "unresolved_concept": "quarantine",
    # OMOP input only: an episode_event row whose episode or drug_exposure row is missing or
    # was rejected (quarantined like records of an unknown patient).
    "unknown_event": "quarantine",
}


class TableConfig(Block):
    """How to read one canonical table."""

    file: str | None = None
    """File name relative to ``path`` (default: ``<table>.csv|.parquet|.xlsx``)."""
    sheet: str | None = None
    """Excel sheet (default: the sheet named like the table, else the only sheet)."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Canonical column name = the header in the user's file."""
    date_format: str | list[str] | None = None
    """strftime format(s) of the date columns; detected over the whole column when absent."""
    encoding: Literal["auto", "utf-8", "cp932", "shift_jis"] = "auto"
    """Text encoding of a CSV file; ``auto`` tries UTF-8 (with or without BOM), then CP932."""
    header_row: int | None = Field(default=None, ge=1)
    """The row holding the headers (1 = first), when title rows sit above it. Unset: row 1
    of a CSV; in a spreadsheet the first of the top 30 rows naming two expected headers."""
    type_values: list[str] = Field(default_factory=list)
    """With ``[data] type_column``: the values of that column meaning this table (the
    table's own name is always accepted)."""

    @field_validator("date_format")
    @classmethod
    def _formats_have_fields(cls, value):
        formats = [value] if isinstance(value, str) else value or []
        for fmt in formats:
            if "%" not in fmt:
                raise ValueError(f"date format {fmt!r} has no % field, e.g. '%Y/%m/%d'")
        return value


class DrugSpelling(Block):
    """A site-specific drug spelling: ``{ name = "Hercep", ingredient = "trastuzumab" }``."""

    name: str = Field(min_length=1)
    ingredient: str = Field(min_length=1)
    drug_class: str | None = Field(default=None, alias="class")


class BiomarkersBlock(Block):
    """How receptor scores become a status (docs/data-model.md, "Receptor status")."""

    her2_rule: Literal["asco_cap_2018", "asco_cap_2013"] = "asco_cap_2018"
    """The ASCO/CAP HER2 testing guideline applied to IHC scores and ISH ratio/copy number:
    2018 (Wolff et al., J Clin Oncol 2018;36:2105) or 2013 (J Clin Oncol 2013;31:3997). They
    differ for dual-probe ISH groups 2-4 (see docs/data-model.md)."""


class DataBlock(Block):
    """Where the records are and how to read them."""

    format: Literal["records", "omop"] = "records"
    """``records``: canonical tables (this block's keys); ``omop``: an OMOP CDM v5.4
    database mapped to them (``[data.omop]``, docs/data-model.md "OMOP CDM input")."""
    path: str = "data"
    """A folder, an ``.xlsx`` workbook or a DuckDB database file, relative to the protocol.
    With ``format = "omop"``: a DuckDB file or a folder of per-table Parquet/CSV files."""
    type_column: str | None = None
    """One file (a CSV, or a workbook's only or first sheet) holding every table, this
    column naming each row's table (``patients``, ``drug_administrations``, ... or a
    table's ``type_values``). docs/data-model.md, "Spreadsheets"."""
    ignore: list[str] = Field(default_factory=list)
    """Entries of the data folder (or sheets of the workbook) that are not tables, e.g.
    ``["README.md", "codebook_*.xlsx"]`` (shell patterns): still listed in the report's data
    accounting ("not read: [data] ignore"), but not a warning on the console."""
    omop: OmopBlock = Field(default_factory=lambda: OmopBlock())
    engine: str = "duckdb"
    """Where the cohort queries run: ``duckdb`` (in memory), ``duckdb:///path.db``, ``spark``,
    ``spark://host:port`` or an Ibis URL; ``retrostudy run --engine`` overrides it."""
    spark: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Spark configuration keys for ``engine = "spark"``, e.g. ``{ "spark.master" = "yarn" }``."""
    database: str | None = None
    """Write the loaded tables into this DuckDB file instead of memory."""
    memory_limit: str | None = None
    """DuckDB's ``memory_limit`` for loading and the cohort queries, e.g. ``"3GB"``: above it
    DuckDB spills to ``temp_directory`` instead of growing. Unset: DuckDB's default (80% of
    RAM). Ignored by other engines. docs/scaling.md ("Memory") gives the recommended setting
    for a million patients."""
    temp_directory: str | None = None
    """Where DuckDB spills past ``memory_limit``, relative to the protocol. Unset: DuckDB's
    default (``<database>.tmp`` next to a database file, else ``.tmp`` in the working
    directory)."""
    extraction_date: Date | None = None
    """The day the records were extracted: a record dated after it (a scan in 2029) is a
    problem (``after_extraction``), not follow-up. Unset: the day of the run (no record can
    be dated in the future); the report's data-quality section says which applied."""
    tables: dict[TableName, TableConfig] = Field(default_factory=dict)
    policy: dict[str, Policy] = Field(default_factory=dict)
    drugs: list[DrugSpelling] = Field(default_factory=list)
    """Site spellings of drugs (brands, abbreviations, local codes), added to the shipped
    vocabulary (``src/retrostudy/data/drugs.csv``)."""
    athena_vocabulary: str | None = None
    """A folder with an OHDSI Athena download (``CONCEPT.csv``, ``CONCEPT_RELATIONSHIP.csv``),
    relative to the protocol: its RxNorm, OMOP and ATC codes of the vocabulary's ingredients
    take precedence over the shipped codes (docs/data-model.md, "Drug vocabulary")."""
    biomarkers: BiomarkersBlock = Field(default_factory=lambda: BiomarkersBlock())
    """``[data.biomarkers]``: the receptor-status guideline."""
    responses: dict[str, Response] = Field(default_factory=dict)
    """Extra spellings of tumour responses, e.g. ``{ "Partial remission" = "PR" }``."""

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value):
        if value in ("duckdb", "spark") or value.startswith("spark:") or "://" in value:
            return value
        raise ValueError(f"unknown engine {value!r}; use duckdb, duckdb:///path.db, spark, "
                         "spark://host:port or an Ibis URL such as postgres://user@host/db")

    @field_validator("memory_limit")
    @classmethod
    def _memory_size(cls, value):
        if value is None or MEMORY_SIZE.fullmatch(value):
            return value
        raise ValueError(f"memory_limit {value!r} is not a size; use a number and a unit, "
                         'e.g. "3GB", "512MB" or "2.5GiB"')

    @field_validator("policy")
    @classmethod
    def _known_policy_classes(cls, value):
        unknown = sorted(set(value) - set(DEFAULT_POLICY))
        if unknown:
            raise ValueError(
                f"unknown problem class(es) {unknown}; a policy can be set for "
                f"{sorted(DEFAULT_POLICY)}"
            )
        return value

    def table(self, name: str) -> TableConfig:
        """The configuration of table ``name`` (defaults when not given)."""
        return self.tables.get(name) or TableConfig()

    def policy_for(self, code: str) -> Policy:
        """The policy of a row-level problem class (protocol override, else default)."""
        return self.policy.get(code, DEFAULT_POLICY.get(code, "error"))
