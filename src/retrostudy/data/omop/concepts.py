"""OMOP CDM v5.4 → canonical tables: the mapping spec and the seed study's default concept sets.

A *concept reference* is an ``int`` OMOP ``concept_id`` or a string ``"VOCAB:code"``
(``"LOINC:85337-4"``, ``"RxNorm:224905"``, ``"SNOMED:254837009"``) resolved through the
``concept`` table (``vocabulary_id`` + ``concept_code``); an integer written as a string
(``"1387104"``, as TOML keys must be) is a concept_id. Every default carries an evidence
tag as docs/sources.md does: ``V`` verified in a named source, ``M`` background knowledge (check it
against an Athena download), ``L`` a *site-local* concept id in OMOP's reserved range
(>= 2,000,000,000) for which no verified standard concept exists; a site maps its own
concepts there, or overrides them in ``[data.omop]``.

Mapping (one OMOP table/column → one canonical column; ``[data.omop]`` options in brackets)
-------------------------------------------------------------------------------------------
patients ← ``person`` (+ ``death``, ``observation_period``)
  - patient_id = ``str(person_id)`` [``patient_id = "person_id"``] or ``person_source_value``
    [``patient_id = "person_source_value"``]; the same id in every canonical table.
  - birth_date = date of ``birth_datetime``; when null, ``year_of_birth`` /
    ``month_of_birth`` (null → 7) / ``day_of_birth`` (null → 1): mid-year, which halves the
    worst-case age error when only the year is known.
  - sex = ``gender_concept_id`` through :data:`GENDER` (8532 female, 8507 male).
  - death_date = earliest ``death.death_date`` of the person.
  - last_contact_date = latest ``observation_period.observation_period_end_date``.
diagnoses ← ``condition_occurrence``
  - date = ``condition_start_date``; diagnosis = the name of the matched concept in
    :data:`CONDITIONS` (the concept or any descendant through ``concept_ancestor``).
  - stage = null (OMOP keeps stage in ``measurement``/Cancer Modifier; not used here).
  - de_novo_metastatic [``de_novo = "same_day"``]: on every diagnosis row of a patient
    who has both a primary and a metastatic diagnosis, True when the first of each fall on
    the same day, else False; null when either is missing (the cohort then derives it with
    ``[lines].de_novo_days``). ``de_novo = "derive"`` leaves it null always.
biomarkers ← ``measurement`` whose concept is in :data:`RECEPTORS`
  - marker, method from the concept; result = ``value_as_concept_id`` through
    :data:`RECEPTOR_RESULTS`; value = ``value_source_value``; date = ``measurement_date``.
  - specimen [``specimen = "after_metastatic_diagnosis"``]: ``metastasis`` when the
    measurement is strictly after the patient's first metastatic diagnosis, else
    ``primary``; ``specimen = "primary"`` marks every specimen primary. OMOP links a
    measurement to its specimen only loosely, hence a dated rule.
drug_administrations ← ``drug_exposure``
  - drug = the ingredient of :data:`DRUGS` matched by ``drug_concept_id`` (itself, or an
    ancestor through ``concept_ancestor``) or by ``drug_source_concept_id`` (itself). A
    *product* entry (e.g. Phesgo → ``"pertuzumab+trastuzumab"``) wins over ingredient
    entries of the same row; otherwise a multi-ingredient drug gives one row per ingredient.
  - date = ``drug_exposure_start_date``; end_date = ``drug_exposure_end_date`` (OMOP
    requires it; an end equal to the start is a dose-level record, the same meaning as an
    empty canonical end_date).
  - setting = null: OMOP has no standard column for it; the lines layer derives it from the
    metastatic diagnosis date (docs/sources.md, "Lines of therapy").
  - discontinuation_reason = ``stop_reason`` text (trimmed, case-folded) through
    :data:`STOP_REASONS`; drug_source = ``drug_source_value``.
tumor_assessments ← ``measurement`` whose concept is in :data:`RESPONSES`
  - response = ``value_as_concept_id`` through :data:`RESPONSE_VALUES`; method from the
    measurement concept (one concept per method, as LOINC does for imaging).
observations ← several tables
  - ``ecog``: concepts :data:`ECOG` in ``measurement`` or ``observation``; value =
    ``value_as_number`` as a whole number ("0".."5").
  - ``metastatic_site``: ``condition_occurrence`` concepts in :data:`METASTATIC_SITES`
    (descendants included); value = the site; date = ``condition_start_date``.
  - ``surgery``: ``procedure_occurrence`` concepts in :data:`SURGERY` (read only when the
    table exists); value = the concept's name here (e.g. "mastectomy").

tumor_assessments, episode_lines ← ``episode`` + ``episode_event`` (when present; ``episodes``)
  - ``episode_concept_id`` through :data:`EPISODE_CONCEPTS` [``episode_concepts``]: a
    response → a tumour assessment dated ``episode_start_date`` (method
    [``episode_method``]); ``regimen`` → a row of ``episode_lines`` (line =
    ``episode_number``, drugs = the drug_exposure rows linked by ``episode_event`` with
    field concept [``drug_exposure_field``]); ``ignore``. See :mod:`.episodes`.

Every OMOP row read is *mapped*, *not relevant* (its concept is in no set) or *rejected*
with a reason; the loader checks read = mapped + not relevant + rejected per table.

Round trip: canonical → OMOP (``retrostudy.synth.omop``) → canonical is lossless for the
columns the seed protocol reads when the writer follows the conventions above (writes
``person_source_value`` = patient_id and the loader uses ``patient_id =
"person_source_value"``; writes end_date = start for dose-level records; writes a
``concept`` row for every string reference it uses).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Literal

from retrostudy.protocol.omop import OmopBlock, Ref, parse_ref

Evidence = Literal["V", "M", "L"]
SITE_LOCAL_MIN = 2_000_000_000
"""OMOP reserves concept ids >= 2 billion for site-local concepts."""


@dataclass(frozen=True, slots=True)
class Concept:
    """One concept reference and the canonical value it maps to."""

    ref: Ref
    value: str
    evidence: Evidence
    note: str = ""


# ---- patients ---------------------------------------------------------------------------
GENDER: dict[int, str] = {
    8532: "female",  # V (OMOP Gender vocabulary, FEMALE)
    8507: "male",  # V (OMOP Gender vocabulary, MALE)
    8521: "other",  # M
    8551: "unknown",  # M
    0: "unknown",  # OMOP convention: 0 = no matching concept
}

# ---- drugs ------------------------------------------------------------------------------
# Ingredients by OMOP concept_id and RxNorm code, read from the shipped drug vocabulary
# (data/drugs.csv, tags V/M as there; docs/sources.md), plus products and site-local ones.
_PRODUCTS = (
    Concept(1075655, "pertuzumab+trastuzumab", "V",
            "Pertuzumab- and trastuzumab-containing product (Phesgo), oxford-omop-data-mapper"),
    Concept(902729, "nab-paclitaxel", "V",
            "paclitaxel protein-bound; a product so it never also counts as paclitaxel"),
    Concept(2_000_000_041, "tegafur/gimeracil/oteracil", "L",
            "S-1 (TS-1); its RxNorm Extension concept is not verified"),
)


def _drug_concepts() -> tuple[Concept, ...]:
    products = {c.value for c in _PRODUCTS}
    out = []
    text = resources.files("retrostudy.data").joinpath("drugs.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        system, code = row["code_system"], row["code"]
        if row["ingredient"] in products or system not in ("OMOP", "RxNorm"):
            continue
        ref: Ref = int(code) if system == "OMOP" else f"RxNorm:{code}"
        out.append(Concept(ref, row["ingredient"], row["source"] or "M", f"drugs.csv {system}"))
    return tuple(out)


DRUG_INGREDIENTS: tuple[Concept, ...] = _drug_concepts()
DRUG_PRODUCTS: tuple[Concept, ...] = _PRODUCTS
"""Drug concepts whose match wins over ingredient matches of the same drug_exposure row."""

# ---- conditions -------------------------------------------------------------------------
CONDITIONS: tuple[Concept, ...] = (
    Concept("SNOMED:254837009", "breast cancer", "V", "Malignant neoplasm of breast"),
    Concept(2_000_000_021, "metastatic breast cancer", "L",
            "no verified standard concept; map the site's metastatic-disease concept here"),
)
METASTATIC_SITES: tuple[Concept, ...] = (
    Concept("SNOMED:94225005", "brain", "V", "Secondary malignant neoplasm of brain"),
    Concept("SNOMED:94391008", "lung", "V", "Secondary malignant neoplasm of lung"),
    Concept("SNOMED:94493005", "pleura", "V", "Secondary malignant neoplasm of pleura"),
    Concept("SNOMED:94381002", "liver", "V", "Secondary malignant neoplasm of liver"),
    Concept("SNOMED:94222008", "bone", "V", "Secondary malignant neoplasm of bone"),
    Concept("SNOMED:94411002", "lymph_node", "M", "Secondary malignant neoplasm of lymph node"),
    Concept("SNOMED:94579000", "skin", "M", "Secondary malignant neoplasm of skin"),
    Concept("SNOMED:94551001", "soft_tissue", "M",
            "Secondary malignant neoplasm of soft tissue"),
    Concept("SNOMED:94459006", "peritoneum", "M", "Secondary malignant neoplasm of peritoneum"),
    Concept(2_000_000_051, "other", "L", "metastasis to another site"),
)
SURGERY: tuple[Concept, ...] = (
    Concept("SNOMED:69031006", "mastectomy", "M", "Excision of breast tissue (mastectomy)"),
    Concept("SNOMED:392021009", "lumpectomy", "M", "Lumpectomy of breast"),
)

# ---- measurements -----------------------------------------------------------------------
RECEPTORS: tuple[tuple[Ref, str, str, Evidence], ...] = (
    # (concept, marker, method, evidence): docs/sources.md, "Drug and clinical codes"
    ("LOINC:85337-4", "ER", "IHC", "V"),
    ("LOINC:85339-0", "PgR", "IHC", "V"),
    ("LOINC:85319-2", "HER2", "IHC", "V"),
    ("LOINC:85318-4", "HER2", "ISH", "V"),
)
RECEPTOR_RESULTS: tuple[Concept, ...] = (
    Concept(9191, "positive", "M", "Positive (SNOMED 10828004)"),
    Concept(9189, "negative", "M", "Negative (SNOMED 260385009)"),
    Concept("SNOMED:42425007", "equivocal", "M", "Equivocal"),
)
ECOG: tuple[Concept, ...] = (
    Concept("LOINC:89247-1", "ecog", "V", "ECOG Performance Status score; value_as_number"),
)
RESPONSES: tuple[Concept, ...] = (
    # measurement concept -> assessment method ("none" = not stated: canonical method null)
    Concept(2_000_000_001, "none", "L", "RECIST 1.1 time-point overall response"),
    Concept(2_000_000_002, "CT", "L", "RECIST 1.1 overall response, CT"),
    Concept(2_000_000_003, "MRI", "L", "RECIST 1.1 overall response, MRI"),
    Concept(2_000_000_004, "PET", "L", "RECIST 1.1 overall response, PET"),
    Concept(2_000_000_005, "bone_scan", "L", "RECIST 1.1 overall response, bone scan"),
    Concept(2_000_000_006, "x_ray", "L", "RECIST 1.1 overall response, X-ray"),
    Concept(2_000_000_007, "clinical", "L", "overall response, clinical assessment"),
    Concept(2_000_000_008, "other", "L", "RECIST 1.1 overall response, other method"),
)
RESPONSE_VALUES: tuple[Concept, ...] = (
    Concept(2_000_000_011, "CR", "L", "complete response"),
    Concept(2_000_000_012, "PR", "L", "partial response"),
    Concept(2_000_000_013, "SD", "L", "stable disease"),
    Concept(2_000_000_014, "NON_CR_NON_PD", "L", "non-CR/non-PD"),
    Concept(2_000_000_015, "PD", "L", "progressive disease"),
    Concept(2_000_000_016, "NE", "L", "not evaluable"),
)

# ---- episode (OMOP CDM v5.4 / Oncology Extension) ---------------------------------------
# The Episode-domain concepts of the CDM v5.4 Oncology Extension documentation
# (OHDSI CommonDataModel docs/oncology.html, "ETL Conventions": Disease Episode 32528,
# 32529, 32530, 32677; Treatment Episode 32531, 32532; Episode of Care 32533; 32531 also in
# inst/csv/OMOP_CDMv5.4_Field_Level.csv, episode_object_concept_id). A value is a response
# (a tumour assessment dated episode_start_date), "regimen" (a line of therapy, reported
# next to the derived lines) or "ignore" (read, not relevant). Remission and recurrence are
# ignored by default: "Disease Remission" does not say complete or partial, and a
# recurrence is a new disease episode, not a RECIST time-point response; a site whose ETL
# means CR by remission maps it in [data.omop] episode_concepts.
EPISODE_CONCEPTS: tuple[Concept, ...] = (
    Concept(32677, "PD", "V", "Disease Progression"),
    Concept(32531, "regimen", "V", "Treatment Regimen; episode_number = line of therapy"),
    Concept(32528, "ignore", "V", "Disease First Occurrence"),
    Concept(32529, "ignore", "V", "Disease Recurrence"),
    Concept(32530, "ignore", "V", "Disease Remission (complete or partial not stated)"),
    Concept(32532, "ignore", "V", "Treatment Cycle (a child of a regimen episode)"),
    Concept(32533, "ignore", "V", "Episode of Care"),
)
DRUG_EXPOSURE_ID_FIELD = Concept(
    1147094, "drug_exposure.drug_exposure_id", "M",
    "CDM vocabulary Field concept: episode_event_field_concept_id of a drug_exposure link; "
    "seen in third-party ETL code and an OMOP teaching page, not in an OHDSI document found")

# ---- drug_exposure.stop_reason ------------------------------------------------------------
STOP_REASONS: dict[str, str] = {
    **{r: r for r in ("progression", "toxicity", "another_tumour", "patient_choice", "death",
                      "completed", "other")},
    "disease progression": "progression",
    "progressive disease": "progression",
    "pd": "progression",
    "adverse event": "toxicity",
    "adverse events": "toxicity",
    "side effects": "toxicity",
    "another tumour": "another_tumour",
    "another tumor": "another_tumour",
    "second primary": "another_tumour",
    "patient choice": "patient_choice",
    "patient decision": "patient_choice",
    "patient request": "patient_choice",
    "died": "death",
    "regimen completed": "completed",
    "course completed": "completed",
}


def preferred(concepts: tuple[Concept, ...], value: str) -> Ref:
    """The reference a writer should emit for ``value``: its first concept_id, else its
    first ``"VOCAB:code"`` (which needs a ``concept`` row)."""
    refs = [c.ref for c in concepts if c.value == value]
    if not refs:
        raise KeyError(f"no concept maps to {value!r}")
    return next((r for r in refs if isinstance(r, int)), refs[0])


DEFAULTS = MappingProxyType({
    "drugs": DRUG_INGREDIENTS,
    "products": DRUG_PRODUCTS,
    "conditions": CONDITIONS,
    "metastatic_sites": METASTATIC_SITES,
    "surgery": SURGERY,
    "receptor_results": RECEPTOR_RESULTS,
    "ecog": ECOG,
    "responses": RESPONSES,
    "response_values": RESPONSE_VALUES,
    "episode_concepts": EPISODE_CONCEPTS,
})
"""Every default concept set by its ``[data.omop]`` key (RECEPTORS, GENDER, STOP_REASONS aside)."""


def concept_set(block: OmopBlock, name: str) -> dict:
    """The set ``name`` of ``block`` merged with the defaults here: reference (int or
    "VOCAB:code") -> value. A key of the block adds a reference or replaces its value, an
    empty value removes it, and ``defaults = false`` starts from an empty set."""
    if name == "receptors":
        base = {r: {"marker": m, "method": k} for r, m, k, _ in RECEPTORS}
        given = {r: v.model_dump() for r, v in block.receptors.items()}
    elif name in ("gender", "stop_reasons"):
        base = dict(GENDER if name == "gender" else STOP_REASONS)
        given = getattr(block, name)
    elif name == "ecog":
        base = {x.ref: x.value for x in ECOG}
        given = dict.fromkeys(block.ecog, "ecog")
    else:
        base = {x.ref: x.value for x in DEFAULTS[name]}
        given = getattr(block, name)
    out = dict(base) if block.defaults else {}
    for ref, value in given.items():
        key = ref.strip().casefold() if name == "stop_reasons" else parse_ref(ref)
        out[key] = value
    return {k: v for k, v in out.items() if v != ""}
