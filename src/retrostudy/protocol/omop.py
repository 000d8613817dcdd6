"""The ``[data.omop]`` block: how an OMOP CDM v5.4 database maps to the canonical tables.

Used when ``[data] format = "omop"``. Every concept set and value map starts from the seed
study's defaults (``retrostudy.data.omop.concepts``, which documents the mapping); a
key given here adds a reference or replaces its value, an empty value (``""``) removes a
default reference, and ``defaults = false`` starts from empty sets. Concept references are
concept_ids (``"1387104"``; TOML keys are strings) or ``"VOCABULARY:code"``
(``"RxNorm:224905"``), resolved through the CDM's ``concept`` table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from retrostudy.protocol.base import Block

Marker = Literal["ER", "PgR", "HER2"]
Method = Literal["CT", "MRI", "PET", "bone_scan", "x_ray", "clinical", "other"]
Response = Literal["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE"]
Result = Literal["positive", "negative", "equivocal"]
Sex = Literal["female", "male", "other", "unknown"]
Site = Literal["brain", "lung", "pleura", "liver", "bone", "lymph_node", "skin",
               "soft_tissue", "peritoneum", "other"]
Discontinuation = Literal["progression", "toxicity", "another_tumour", "patient_choice",
                          "death", "completed", "other"]
Drop = Literal[""]


class Receptor(Block):
    """A receptor measurement concept: ``{ marker = "HER2", method = "ISH" }``."""

    marker: Marker
    method: Literal["IHC", "ISH"] | None = None


Ref = int | str
"""A concept reference: a concept_id, or ``"VOCABULARY:code"``."""


def parse_ref(ref: Ref) -> Ref:
    """A reference in its normal form: an int concept_id, or ``"VOCAB:code"``.

    ``"1387104"`` (a TOML key) becomes ``1387104``. Raises ValueError for anything else.
    """
    if isinstance(ref, bool):
        raise ValueError(f"{ref!r} is not a concept reference")
    if isinstance(ref, int):
        return ref
    text = str(ref).strip()
    if text.isdigit():
        return int(text)
    vocab, sep, code = text.partition(":")
    if not sep or not vocab.strip() or not code.strip():
        raise ValueError(
            f"{ref!r} is not a concept reference: give a concept_id (e.g. 1387104) or "
            f"'VOCABULARY:code' (e.g. 'RxNorm:224905', 'LOINC:85337-4')"
        )
    return f"{vocab.strip()}:{code.strip()}"


def _check_refs(value: dict | list) -> dict | list:
    for ref in value:
        parse_ref(ref)  # ValueError names the bad reference and the accepted forms
    return value


class OmopBlock(Block):
    """Where the CDM is and which concepts mean what (docs/data-model.md "OMOP CDM input")."""

    source: Literal["path", "backend"] = "path"
    """``path``: ``[data].path`` is a DuckDB file or a folder of ``<table>.parquet|.csv``;
    ``backend``: the CDM tables are already in the engine the caller passes."""
    cdm_schema: str | None = Field(default=None, alias="schema")
    """With ``source = "backend"``: the database/schema holding the CDM tables."""
    patient_id: Literal["person_id", "person_source_value"] = "person_id"
    """Which ``person`` column becomes ``patient_id`` (as text)."""
    defaults: bool = True
    """Start every concept set and value map from the seed study's defaults."""
    ancestors: bool = True
    """Match descendants through ``concept_ancestor`` (drugs, conditions, sites, surgery)."""
    drugs: dict[str, str] = Field(default_factory=dict)
    """Concept -> normalised ingredient name (e.g. ``"RxNorm:480167" = "lapatinib"``)."""
    products: dict[str, str] = Field(default_factory=dict)
    """Concept -> drug name that wins over ingredient matches (Phesgo)."""
    conditions: dict[str, str] = Field(default_factory=dict)
    """Condition concept -> diagnosis text (matched by [lines] diagnosis names)."""
    metastatic_sites: dict[str, Site | Drop] = Field(default_factory=dict)
    surgery: dict[str, str] = Field(default_factory=dict)
    """Procedure concept -> value of a ``surgery`` observation."""
    receptors: dict[str, Receptor] = Field(default_factory=dict)
    receptor_results: dict[str, Result | Drop] = Field(default_factory=dict)
    ecog: list[str] = Field(default_factory=list)
    """Measurement/observation concepts holding the ECOG score in value_as_number."""
    responses: dict[str, Method | Literal["none"] | Drop] = Field(default_factory=dict)
    """Tumour-response measurement concept -> assessment method ("none" = not stated)."""
    response_values: dict[str, Response | Drop] = Field(default_factory=dict)
    gender: dict[str, Sex | Drop] = Field(default_factory=dict)
    stop_reasons: dict[str, Discontinuation | Drop] = Field(default_factory=dict)
    """drug_exposure.stop_reason text (case-insensitive) -> discontinuation reason."""
    episodes: Literal["auto", "off", "required"] = "auto"
    """The oncology ``episode``/``episode_event`` tables: read when present (``auto``),
    never (``off``), or required (``required``: a missing table is an error)."""
    episode_concepts: dict[str, Response | Literal["regimen", "ignore"] | Drop] = Field(
        default_factory=dict)
    """episode_concept_id -> a response (tumour assessment on episode_start_date),
    ``regimen`` (a line of therapy, reported next to the derived lines) or ``ignore``."""
    episode_method: Method | Literal["none"] = "none"
    """The assessment method given to episode responses (``"none"``: not stated)."""
    drug_exposure_field: int = 1147094
    """episode_event_field_concept_id of links to drug_exposure (the CDM Field concept of
    ``drug_exposure.drug_exposure_id``)."""
    specimen: Literal["after_metastatic_diagnosis", "primary"] = "after_metastatic_diagnosis"
    de_novo: Literal["same_day", "derive"] = "same_day"
    primary_diagnosis: str = "breast cancer"
    """The diagnosis (a value of ``conditions``) that dates the primary tumour."""
    metastatic_diagnosis: str = "metastatic breast cancer"
    """The diagnosis that dates metastatic disease (specimen and de_novo rules)."""

    @field_validator("drugs", "products", "conditions", "metastatic_sites", "surgery",
                     "receptors", "receptor_results", "ecog", "responses", "response_values",
                     "episode_concepts")
    @classmethod
    def _references(cls, value):
        return _check_refs(value)

    @field_validator("gender")
    @classmethod
    def _gender_ids(cls, value):
        bad = [k for k in value if not str(k).strip().isdigit()]
        if bad:
            raise ValueError(f"gender keys are concept_ids (e.g. \"8532\"), got {bad}")
        return value
