"""The canonical record tables every layer above ``data`` reads.

This module is the contract between the readers (which turn a hospital extract into
these tables) and the cohort, endpoint and report layers (which only ever see these
tables, in an engine). Column names here are the vocabulary used everywhere else;
docs/data-model.md documents them for users with a worked example.

Conventions
-----------
- ``patient_id`` is a string in every table (leading zeros in hospital numbers matter).
- Dates are calendar dates (no time of day). Durations derived from them are integer days.
- Drugs are stored as normalised *ingredient* names (lower case, e.g.
  ``"trastuzumab emtansine"``); the text the extract used is kept in ``drug_source``.
- Categorical values are stored in their canonical spelling (listed in ``allowed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["string", "date", "integer", "float", "boolean"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    allowed: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    patient_level: bool = False  # one row per patient (the patients table)
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


SEX = ("female", "male", "other", "unknown")
SETTING = ("neoadjuvant", "adjuvant", "metastatic")
RESPONSE = ("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE")
MARKER = ("ER", "PgR", "HER2")
BIOMARKER_METHOD = ("IHC", "ISH")
BIOMARKER_RESULT = ("positive", "negative", "equivocal")
SPECIMEN = ("primary", "metastasis")
DISCONTINUATION = (
    "progression",
    "toxicity",
    "another_tumour",
    "patient_choice",
    "death",
    "completed",
    "other",
)
ASSESSMENT_METHOD = ("CT", "MRI", "PET", "bone_scan", "x_ray", "clinical", "other")

PATIENTS = Table(
    name="patients",
    patient_level=True,
    key=("patient_id",),
    description="One row per patient.",
    columns=(
        Column(name="patient_id", type="string"),
        Column(name="birth_date", type="date"),
        Column(name="sex", type="string", allowed=SEX),
        Column(name="death_date", type="date", required=False),
        Column(
            name="last_contact_date",
            type="date",
            required=False,
            description="Last date the patient was known alive (OS censoring).",
        ),
    ),
)

DIAGNOSES = Table(
    name="diagnoses",
    key=("patient_id", "date", "diagnosis"),
    description="Diagnoses with their dates; metastatic diagnosis dates the setting of therapy.",
    columns=(
        Column(name="patient_id", type="string"),
        Column(name="date", type="date"),
        Column(
            name="diagnosis",
            type="string",
            description="e.g. 'breast cancer', 'metastatic breast cancer', or another tumour.",
        ),
        Column(name="stage", type="string", required=False),
        Column(
            name="de_novo_metastatic",
            type="boolean",
            required=False,
            description="True when metastatic at first diagnosis (stage IV).",
        ),
    ),
)

BIOMARKERS = Table(
    name="biomarkers",
    key=("patient_id", "date", "marker", "method", "specimen"),
    columns=(
        Column(name="patient_id", type="string"),
        Column(name="date", type="date"),
        Column(name="marker", type="string", allowed=MARKER),
        Column(name="method", type="string", allowed=BIOMARKER_METHOD, required=False),
        Column(name="result", type="string", allowed=BIOMARKER_RESULT),
        Column(name="value", type="string", required=False, description="e.g. IHC '3+', '40%'."),
        Column(name="specimen", type="string", allowed=SPECIMEN),
    ),
)

DRUG_ADMINISTRATIONS = Table(
    name="drug_administrations",
    key=("patient_id", "drug", "date"),
    description=(
        "Dose-level pharmacy records (end_date empty or equal to date) or regimen-level "
        "records (date = start, end_date = last day)."
    ),
    columns=(
        Column(name="patient_id", type="string"),
        Column(name="drug", type="string", description="Normalised ingredient name."),
        Column(name="date", type="date", description="Administration or regimen start date."),
        Column(name="end_date", type="date", required=False),
        Column(name="setting", type="string", allowed=SETTING, required=False),
        Column(
            name="discontinuation_reason",
            type="string",
            allowed=DISCONTINUATION,
            required=False,
            description="Why the drug was stopped, on the record where it stopped.",
        ),
        Column(name="drug_source", type="string", required=False, description="Text as extracted."),
    ),
)

TUMOR_ASSESSMENTS = Table(
    name="tumor_assessments",
    key=("patient_id", "date"),
    description="RECIST 1.1 time-point (overall) responses.",
    columns=(
        Column(name="patient_id", type="string"),
        Column(name="date", type="date"),
        Column(name="response", type="string", allowed=RESPONSE),
        Column(
            name="method",
            type="string",
            allowed=ASSESSMENT_METHOD,
            required=False,
            description="'clinical' marks a non-radiological assessment.",
        ),
    ),
)

OBSERVATIONS = Table(
    name="observations",
    key=("patient_id", "date", "name", "value"),
    description="Other dated facts: ECOG ('ecog', value '0'..'5'), metastatic sites "
    "('metastatic_site', value e.g. 'liver').",
    columns=(
        Column(name="patient_id", type="string"),
        Column(name="date", type="date"),
        Column(name="name", type="string"),
        Column(name="value", type="string"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        PATIENTS, DIAGNOSES, BIOMARKERS, DRUG_ADMINISTRATIONS, TUMOR_ASSESSMENTS, OBSERVATIONS
    )
}

METASTATIC_SITES = (
    "brain",
    "lung",
    "pleura",
    "liver",
    "bone",
    "lymph_node",
    "skin",
    "soft_tissue",
    "peritoneum",
    "other",
)
