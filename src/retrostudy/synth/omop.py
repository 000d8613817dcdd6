"""Canonical record tables → a synthetic OMOP CDM v5.4 (for tests, demos and benchmarks).

:func:`canonical_to_omop` writes the tables the OMOP loader (:mod:`retrostudy.data.omop`)
reads, following its mapping spec (:mod:`retrostudy.data.omop.concepts`) column by column,
so canonical → OMOP → canonical is lossless for every column the loader maps:

======================  ===============================================================
canonical               OMOP
======================  ===============================================================
patients                ``person`` (person_id = 1..n in row order, person_source_value
                        = patient_id, birth_datetime/year/month/day, gender concept);
                        ``death`` (one row per patient with a death_date);
                        ``observation_period`` (start = the patient's earliest dated
                        record or birth date if none; end = last_contact_date, else the
                        latest record or death date)
diagnoses               ``condition_occurrence`` (concept of the diagnosis; stage in
                        ``condition_status_source_value``, not read back)
observations: ecog      ``measurement`` LOINC 89247-1, ``value_as_number``
observations: sites     ``condition_occurrence`` (secondary malignant neoplasm concepts)
biomarkers              ``measurement`` (LOINC by marker and method; result as
                        ``value_as_concept_id``; value as ``value_source_value``)
drug_administrations    ``drug_exposure`` (ingredient concept, or on every second row of
                        a drug its synthetic clinical drug, a descendant in
                        ``concept_ancestor``; end date = end_date, else the start date;
                        ``verbatim_end_date`` = end_date as given; stop_reason =
                        discontinuation_reason; drug_source_value = drug_source)
tumor_assessments       ``measurement`` (response concept by method; the response as
                        ``value_as_concept_id``)
======================  ===============================================================

Every canonical record becomes exactly one OMOP row (patients: one ``person``, one
``observation_period``, and one ``death`` row when dead). Ids are int64 and numbered 1..n
per table in the canonical row order. Columns are Arrow-backed (``int64[pyarrow]`` ids and
concept ids, ``date32[pyarrow]`` dates, ``double[pyarrow]`` numbers) or categoricals of
str for low-cardinality text (the writer casts them to VARCHAR). Everything is vectorised
(:mod:`retrostudy.synth.omop_columns`): a value is looked up once per distinct value.

Not carried by the loader's mapping (documented in docs/data-model.md): ``setting`` (the
lines layer derives it from the metastatic diagnosis), ``stage``, ``de_novo_metastatic``
and ``specimen`` (derived from diagnosis dates), and an empty ``end_date`` (read back as
the start date, the same meaning). A value no concept set knows is an error naming the
table, column and values, never a silently dropped record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from retrostudy.data.omop import concepts as omop_concepts
from retrostudy.data.omop.concepts import Concept
from retrostudy.synth.omop_columns import (
    PersonIds,
    as_date,
    concat_text,
    days,
    f64,
    factorize,
    frame,
    i64,
    lookup,
    pair_lookup,
    strings,
    text,
    used,
)
from retrostudy.synth.omop_episodes import episode_tables
from retrostudy.synth.omop_vocab import (
    EHR,
    EHR_ADMINISTRATION,
    LOCAL_VOCABULARY,
    Vocabulary,
    build_vocabulary,
)

GENDER_IDS = {"female": 8532, "male": 8507, "other": 8521, "unknown": 8551}
CLINICAL_EVERY = 2
"""Every CLINICAL_EVERY-th drug_exposure row (by id) of a drug uses its clinical drug."""
ECOG_NAME, SITE_NAME = "ecog", "metastatic_site"
_NO_DATE = np.int64(np.iinfo(np.int64).max)


def canonical_to_omop(
    tables: Mapping[str, pd.DataFrame], *, concepts: Mapping | None = None,
    episodes: bool = False,
) -> dict[str, pd.DataFrame]:
    """The OMOP CDM tables of canonical ``tables`` (see the module docstring).

    ``concepts`` are the concept sets keyed as :data:`retrostudy.data.omop.concepts.DEFAULTS`
    (the default); give the same sets to the loader to read the CDM back. ``episodes``
    also writes ``episode``/``episode_event`` (:mod:`retrostudy.synth.omop_episodes`).
    """
    return dict(omop_tables(tables, concepts=concepts, episodes=episodes))


def omop_tables(
    tables: Mapping[str, pd.DataFrame], *, concepts: Mapping | None = None,
    episodes: bool = False,
) -> Iterator[tuple[str, pd.DataFrame]]:
    """:func:`canonical_to_omop` one table at a time (build, hand over, let go: less memory)."""
    vocab = build_vocabulary(with_local_diagnoses(tables["diagnoses"], concepts))
    patients = tables["patients"]
    person = PersonIds(patients["patient_id"])
    yield "person", _person(patients)
    yield "death", _death(patients)
    yield "observation_period", _observation_period(patients, tables, person)
    yield "condition_occurrence", _conditions(tables, person, vocab)
    yield "measurement", _measurements(tables, person, vocab)
    yield "drug_exposure", _drug_exposure(tables["drug_administrations"], person, vocab)
    if episodes:
        episode, episode_event = episode_tables(tables, person)
        yield "episode", episode
        yield "episode_event", episode_event
    yield "observation", _observation_empty()
    yield "concept", vocab.rows
    yield "concept_ancestor", vocab.ancestors


def with_local_diagnoses(diagnoses: pd.DataFrame, concepts: Mapping | None = None) -> dict:
    """The concept sets, plus a local ``"retrostudy:<diagnosis>"`` condition for every
    diagnosis no set knows (e.g. another tumour). The loader reads such a diagnosis back
    only when the protocol lists that reference in ``[data.omop]`` conditions."""
    sets = dict(omop_concepts.DEFAULTS if concepts is None else concepts)
    known = {c.value for c in sets.get("conditions", ())}
    codes, uniques = _distinct(diagnoses["diagnosis"])
    extra = sorted({str(u) for u in uniques} - known)
    sets["conditions"] = tuple(sets.get("conditions", ())) + tuple(
        Concept(f"{LOCAL_VOCABULARY}:{name}", name, "L", f"{name} (SYNTHETIC local concept)")
        for name in extra
    )
    return sets


def _distinct(column: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, the distinct values that occur)."""
    codes, uniques = factorize(column)
    occurs = used(codes, len(uniques))
    return codes, [u for u, x in zip(uniques, occurs, strict=True) if x]


def _person(patients: pd.DataFrame) -> pd.DataFrame:
    n = len(patients)
    birth = days(patients["birth_date"])
    year = birth.astype("datetime64[Y]")
    month = birth.astype("datetime64[M]")
    return frame({
        "person_id": i64(np.arange(1, n + 1)),
        "gender_concept_id": i64(lookup(patients["sex"], GENDER_IDS, "patients.sex")),
        "year_of_birth": i64(year.astype(np.int64) + 1970),
        "month_of_birth": i64((month - year).astype(np.int64) + 1),
        "day_of_birth": i64((birth - month).astype(np.int64) + 1),
        "birth_datetime": pd.arrays.ArrowExtensionArray(
            pa.array(birth.astype("datetime64[s]"), type=pa.timestamp("s"))),
        "race_concept_id": i64(np.zeros(n)),
        "ethnicity_concept_id": i64(np.zeros(n)),
        "person_source_value": strings(patients["patient_id"]),
        "gender_source_value": text(patients["sex"]),
    })


def _death(patients: pd.DataFrame) -> pd.DataFrame:
    dead = patients["death_date"].notna().to_numpy()
    return frame({
        "person_id": i64(np.flatnonzero(dead) + 1),
        "death_date": as_date(days(patients["death_date"])[dead]),
        "death_type_concept_id": i64(np.full(int(dead.sum()), EHR)),
    })


def _observation_period(patients, tables, person) -> pd.DataFrame:
    """Start = earliest record (birth if none); end = last contact, else latest record/death."""
    n = len(patients)
    first, last = np.full(n, _NO_DATE), np.full(n, -_NO_DATE)
    for name, table in tables.items():
        if name == "patients" or not len(table):
            continue
        rows = person(table["patient_id"], name) - 1
        dates = days(table["date"]).astype(np.int64)  # NaT is the smallest int64
        ok = dates != np.iinfo(np.int64).min
        np.minimum.at(first, rows[ok], dates[ok])
        np.maximum.at(last, rows[ok], dates[ok])
    death = days(patients["death_date"]).astype(np.int64)
    last = np.maximum(last, np.where(death == np.iinfo(np.int64).min, -_NO_DATE, death))
    first = np.where(first == _NO_DATE, days(patients["birth_date"]).astype(np.int64), first)
    contact = days(patients["last_contact_date"]).astype(np.int64)
    end = np.where(contact != np.iinfo(np.int64).min, contact,
                   np.where(last == -_NO_DATE, first, last))
    return frame({
        "observation_period_id": i64(np.arange(1, n + 1)),
        "person_id": i64(np.arange(1, n + 1)),
        "observation_period_start_date": as_date(np.minimum(first, end).astype("datetime64[D]")),
        "observation_period_end_date": as_date(end.astype("datetime64[D]")),
        "period_type_concept_id": i64(np.full(n, EHR)),
    })


def _conditions(tables, person, vocab: Vocabulary) -> pd.DataFrame:
    dx = tables["diagnoses"]
    obs = tables["observations"]
    sites = obs.loc[(obs["name"] == SITE_NAME).to_numpy()]
    concept = np.concatenate([
        lookup(dx["diagnosis"], vocab.value_map("conditions"), "diagnoses.diagnosis"),
        lookup(sites["value"], vocab.value_map("metastatic_sites"),
               "observations.value (metastatic_site)"),
    ])
    n = concept.size
    stage = pd.Series(pd.Categorical.from_codes(np.full(len(sites), -1), categories=[]))
    return frame({
        "condition_occurrence_id": i64(np.arange(1, n + 1)),
        "person_id": i64(np.concatenate([person(dx["patient_id"], "diagnoses"),
                                         person(sites["patient_id"], "observations")])),
        "condition_concept_id": i64(concept),
        "condition_start_date": as_date(np.concatenate([days(dx["date"]),
                                                        days(sites["date"])])),
        "condition_type_concept_id": i64(np.full(n, EHR)),
        "condition_source_value": concat_text([dx["diagnosis"], sites["value"]]),
        "condition_status_source_value": concat_text([dx["stage"], stage]),
    })


def _measurements(tables, person, vocab: Vocabulary) -> pd.DataFrame:
    """Biomarkers, then ECOG, then tumour assessments, ids 1..n in that order."""
    bio, ta, obs = tables["biomarkers"], tables["tumor_assessments"], tables["observations"]
    ecog = obs.loc[(obs["name"] == ECOG_NAME).to_numpy()]
    other = obs.loc[~obs["name"].isin([ECOG_NAME, SITE_NAME]).to_numpy()]
    if len(other):
        names = sorted({str(u) for u in _distinct(other["name"])[1]})
        raise ValueError(f"observations: no OMOP mapping for name(s) {names[:8]}")
    ecog_value = np.asarray(lookup(ecog["value"], {str(i): i for i in range(6)},
                                   "observations.value (ecog)"), dtype=np.float64)
    responses = vocab.value_map("responses")
    parts = [
        (bio, pair_lookup(bio["marker"], bio["method"], vocab.receptor_map(),
                          "biomarkers.marker/method", "IHC"),
         lookup(bio["result"], vocab.value_map("receptor_results"), "biomarkers.result"),
         np.full(len(bio), np.nan), bio["value"]),
        (ecog, np.full(len(ecog), vocab.concept_id("ecog", ECOG_NAME), np.int64),
         np.zeros(len(ecog), np.int64), ecog_value, ecog["value"]),
        (ta, lookup(ta["method"], responses, "tumor_assessments.method",
                    missing=responses["none"]),
         lookup(ta["response"], vocab.value_map("response_values"),
                "tumor_assessments.response"),
         np.full(len(ta), np.nan), ta["response"]),
    ]
    names = ("biomarkers", "observations", "tumor_assessments")
    n = sum(len(p[0]) for p in parts)
    return frame({
        "measurement_id": i64(np.arange(1, n + 1)),
        "person_id": i64(np.concatenate([person(p[0]["patient_id"], t)
                                         for p, t in zip(parts, names, strict=True)])),
        "measurement_concept_id": i64(np.concatenate([p[1] for p in parts])),
        "measurement_date": as_date(np.concatenate([days(p[0]["date"]) for p in parts])),
        "measurement_type_concept_id": i64(np.full(n, EHR)),
        "value_as_number": f64(np.concatenate([p[3] for p in parts])),
        "value_as_concept_id": i64(np.concatenate([p[2] for p in parts])),
        "value_source_value": concat_text([p[4] for p in parts]),
    })


def _drug_exposure(adm: pd.DataFrame, person, vocab: Vocabulary) -> pd.DataFrame:
    n = len(adm)
    drugs = {**vocab.value_map("drugs"), **vocab.value_map("products")}
    concept = lookup(adm["drug"], drugs, "drug_administrations.drug")
    clinical = lookup(adm["drug"], {d: vocab.clinical.get(d, 0) for d in drugs}, "drug")
    ids = np.arange(1, n + 1, dtype=np.int64)
    use = (clinical > 0) & (ids % CLINICAL_EVERY == 0)
    start, end = days(adm["date"]), days(adm["end_date"])
    return frame({
        "drug_exposure_id": i64(ids),
        "person_id": i64(person(adm["patient_id"], "drug_administrations")),
        "drug_concept_id": i64(np.where(use, clinical, concept)),
        "drug_exposure_start_date": as_date(start),
        "drug_exposure_end_date": as_date(np.where(np.isnat(end), start, end)),
        "verbatim_end_date": as_date(end),
        "drug_type_concept_id": i64(np.full(n, EHR_ADMINISTRATION)),
        "stop_reason": text(adm["discontinuation_reason"]),
        "drug_source_value": text(adm["drug_source"]),
        "drug_source_concept_id": i64(np.zeros(n)),
    })


def _observation_empty() -> pd.DataFrame:
    """No canonical record lands in ``observation`` (ECOG is an OMOP measurement)."""
    return frame({
        "observation_id": i64([]),
        "person_id": i64([]),
        "observation_concept_id": i64([]),
        "observation_date": as_date(np.zeros(0, "datetime64[D]")),
        "observation_type_concept_id": i64([]),
    })
