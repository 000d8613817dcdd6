"""The vocabulary rows a synthetic OMOP CDM needs: ``concept`` and ``concept_ancestor``.

The concept sets come from :mod:`retrostudy.data.omop.concepts` (the loader's defaults), so
what the writer emits is exactly what the loader reads back. A reference is an ``int``
concept_id or ``"VOCAB:code"``; the writer gives every ``"VOCAB:code"`` reference a
site-local concept_id (``>= 2,100,000,000``, in OMOP's range reserved for local concepts
and clear of the loader's own local ids) and writes its ``concept`` row with that
vocabulary and code, which is how the loader resolves it.

Ancestor expansion is exercised on purpose: every ingredient with an ``int`` concept gets
one synthetic *Clinical Drug* concept (``>= 2,100,100,000``) that descends from it in
``concept_ancestor``; the writer uses it on half of that drug's ``drug_exposure`` rows, so
a reader that matches only the ingredient concept itself loses those rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.data.omop import concepts as omop_concepts
from retrostudy.data.omop.concepts import Concept, Ref
from retrostudy.synth.omop_columns import as_date

LOCAL_REF_BASE = 2_100_000_000
"""concept_id of the first ``"VOCAB:code"`` reference the writer had to number."""
CLINICAL_DRUG_BASE = 2_100_100_000
"""concept_id of the first synthetic clinical drug (one per ingredient concept)."""
LOCAL_VOCABULARY = "retrostudy"
EHR = 32817  # Type Concept "EHR" (M)
EHR_ADMINISTRATION = 32818  # Type Concept "EHR administration record" (M)
TYPE_CONCEPTS = {EHR: "EHR", EHR_ADMINISTRATION: "EHR administration record"}

_DOMAINS = {
    "drugs": ("Drug", "Ingredient"),
    "products": ("Drug", "Clinical Drug Form"),
    "conditions": ("Condition", "Clinical Finding"),
    "metastatic_sites": ("Condition", "Clinical Finding"),
    "surgery": ("Procedure", "Procedure"),
    "receptor_results": ("Meas Value", "Qualifier Value"),
    "ecog": ("Measurement", "Clinical Observation"),
    "responses": ("Measurement", "Clinical Observation"),
    "response_values": ("Meas Value", "Qualifier Value"),
    "receptors": ("Measurement", "Lab Test"),
}

_VOCABULARIES = {"drugs": "RxNorm", "products": "RxNorm Extension",
                 "receptor_results": "Meas Value"}
"""Vocabulary of an int reference with no known code (the code is then the concept_id)."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Concept sets with every reference numbered, and the canonical value → concept_id maps.

    ``ids`` maps each reference (int or ``"VOCAB:code"``) to its concept_id; ``rows`` is
    the ``concept`` table, ``ancestors`` the ``concept_ancestor`` table.
    """

    sets: Mapping[str, tuple[Concept, ...]]
    ids: Mapping[Ref, int]
    clinical: Mapping[str, int]  # ingredient name -> synthetic clinical drug concept_id
    rows: pd.DataFrame
    ancestors: pd.DataFrame

    def concept_id(self, set_name: str, value: str) -> int:
        """The concept_id the writer emits for canonical ``value`` of concept set ``set_name``."""
        return self.ids[omop_concepts.preferred(self.sets[set_name], value)]

    def value_map(self, set_name: str) -> dict[str, int]:
        """Canonical value → concept_id for every value of a concept set (first reference)."""
        values = dict.fromkeys(c.value for c in self.sets[set_name])
        return {v: self.concept_id(set_name, v) for v in values}

    def receptor_map(self) -> dict[tuple[str, str], int]:
        """(marker, method) → measurement concept_id (:data:`~concepts.RECEPTORS`)."""
        return {(m, meth): self.ids[omop_concepts.parse_ref(ref)]
                for ref, m, meth, _ in omop_concepts.RECEPTORS}


def build_vocabulary(sets: Mapping[str, tuple[Concept, ...]] | None = None) -> Vocabulary:
    """Number every reference of ``sets`` (default: the loader's defaults) and build rows."""
    sets = dict(omop_concepts.DEFAULTS if sets is None else sets)
    receptors = tuple(Concept(omop_concepts.parse_ref(r), f"{m} {meth}", e)
                      for r, m, meth, e in omop_concepts.RECEPTORS)
    every = {**sets, "receptors": receptors}
    same = _same_concepts(every)
    strings = sorted({c.ref for group in every.values() for c in group
                      if isinstance(c.ref, str) and c.ref not in same})
    ids: dict[Ref, int] = {ref: LOCAL_REF_BASE + i for i, ref in enumerate(strings)}
    ids.update({c.ref: c.ref for group in every.values() for c in group
                if isinstance(c.ref, int)})
    ids.update(same)
    rows = _concept_rows(every, ids)
    ingredients = [v for v in dict.fromkeys(c.value for c in sets.get("drugs", ()))]
    clinical = {v: CLINICAL_DRUG_BASE + i for i, v in enumerate(ingredients)}
    drug_rows, ancestors = _clinical_drugs(sets.get("drugs", ()), ids, clinical)
    rows = pd.concat([rows, drug_rows], ignore_index=True)
    rows = rows.drop_duplicates("concept_id", keep="first").sort_values(
        "concept_id", kind="stable").reset_index(drop=True)
    return Vocabulary(sets=sets, ids=ids, clinical=clinical, rows=rows, ancestors=ancestors)


def _same_concepts(every) -> dict[str, int]:
    """``"RxNorm:code"`` → concept_id when a drug lists exactly one of each: the same concept
    (e.g. trastuzumab: RxNorm 224905 is concept 1387104), so it gets no second row."""
    out = {}
    for name in ("drugs", "products"):
        by_value: dict[str, list[Ref]] = {}
        for c in every.get(name, ()):
            by_value.setdefault(c.value, []).append(c.ref)
        for refs in by_value.values():
            ints = [r for r in refs if isinstance(r, int)]
            codes = [r for r in refs if isinstance(r, str) and r.startswith("RxNorm:")]
            if len(ints) == 1 and len(codes) == 1 and ints[0] < omop_concepts.SITE_LOCAL_MIN:
                out[codes[0]] = ints[0]
    return out


def _concept_rows(every: Mapping[str, tuple[Concept, ...]], ids: Mapping[Ref, int]) -> pd.DataFrame:
    records = []
    merged = {cid: ref.split(":", 1)[1] for ref, cid in _same_concepts(every).items()}
    for set_name, group in every.items():
        domain, klass = _DOMAINS.get(set_name, ("Observation", "Clinical Observation"))
        for c in group:
            if isinstance(c.ref, str):
                if ids[c.ref] < LOCAL_REF_BASE:
                    continue  # the same concept as an int reference (its row carries the code)
                vocabulary, code = c.ref.split(":", 1)
            elif c.ref >= omop_concepts.SITE_LOCAL_MIN:
                vocabulary, code = LOCAL_VOCABULARY, str(c.ref)
            elif c.ref in merged:
                vocabulary, code = "RxNorm", merged[c.ref]
            else:
                vocabulary, code = _VOCABULARIES.get(set_name, LOCAL_VOCABULARY), str(c.ref)
            name = c.note if c.note and not c.note.startswith("drugs.csv") else c.value or c.note
            records.append((ids[c.ref], name, domain, vocabulary, klass, "S", code))
    records += [(cid, name, "Gender", "Gender", "Gender", "S", name[0])
                for cid, name in ((8532, "FEMALE"), (8507, "MALE"), (8521, "OTHER"),
                                  (8551, "UNKNOWN"))]
    records += [(cid, name, "Type Concept", "Type Concept", "Type Concept", "S", str(cid))
                for cid, name in TYPE_CONCEPTS.items()]
    return _frame(records)


def _clinical_drugs(drugs, ids, clinical) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One synthetic clinical drug per ingredient; ancestors: self links + ingredient → drug."""
    by_value: dict[str, list[int]] = {}
    for c in drugs:
        by_value.setdefault(c.value, []).append(ids[c.ref])
    records, anc = [], []
    for value, cid in clinical.items():
        records.append((cid, f"{value} (SYNTHETIC clinical drug)", "Drug", LOCAL_VOCABULARY,
                        "Clinical Drug", "S", f"CD{cid - CLINICAL_DRUG_BASE}"))
        anc.append((cid, cid, 0, 0))
        for ingredient in dict.fromkeys(by_value[value]):
            anc += [(ingredient, ingredient, 0, 0), (ingredient, cid, 1, 1)]
    ancestors = pd.DataFrame(
        np.array(anc, dtype=np.int64).reshape(-1, 4),
        columns=["ancestor_concept_id", "descendant_concept_id", "min_levels_of_separation",
                 "max_levels_of_separation"],
    ).drop_duplicates().sort_values(["ancestor_concept_id", "descendant_concept_id"])
    return _frame(records), ancestors.reset_index(drop=True)


def _frame(records) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["concept_id", "concept_name", "domain_id",
                                           "vocabulary_id", "concept_class_id",
                                           "standard_concept", "concept_code"])
    frame["concept_id"] = frame["concept_id"].astype(np.int64)
    frame["valid_start_date"] = as_date(np.full(len(frame), np.datetime64("1970-01-01", "D")))
    frame["valid_end_date"] = as_date(np.full(len(frame), np.datetime64("2099-12-31", "D")))
    return frame
