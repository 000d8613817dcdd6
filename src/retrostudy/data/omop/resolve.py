"""Concept sets → one small concept map on the backend, expanded through ``concept_ancestor``.

Every set of ``[data.omop]`` becomes rows ``(kind, concept_id, value, extra, priority)``:
``kind`` names the set, ``value`` the canonical value (ingredient, diagnosis, site, marker,
response, ...), ``extra`` a second value (the receptor method) and ``priority`` 1 for drug
products (which win over ingredient matches of the same row), else 0. ``"VOCAB:code"``
references are looked up in ``concept`` (vocabulary_id compared case-insensitively). For the
kinds in :data:`ANCESTOR_KINDS` the map also holds every descendant of a concept
(``concept_ancestor``), so a clinical drug matches its ingredient.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from retrostudy.data.omop.concepts import concept_set
from retrostudy.data.omop.source import OmopTable
from retrostudy.errors import DataError, Problem
from retrostudy.protocol.omop import OmopBlock

ANCESTOR_KINDS = ("drug", "condition", "site", "surgery")
# kind -> the [data.omop] key of its set
SETS = {
    "drug": "drugs",
    "product": "products",
    "condition": "conditions",
    "site": "metastatic_sites",
    "surgery": "surgery",
    "receptor": "receptors",
    "receptor_result": "receptor_results",
    "ecog": "ecog",
    "response": "responses",
    "response_value": "response_values",
    "episode": "episode_concepts",
}
# kind -> (the OMOP table(s) its concepts are read from, the canonical table(s) they feed),
# as the mapping in .concepts documents it; for showing the mapping (retrostudy app)
FEEDS = {
    "drug": ("drug_exposure", "drug_administrations"),
    "product": ("drug_exposure", "drug_administrations"),
    "condition": ("condition_occurrence", "diagnoses"),
    "site": ("condition_occurrence", "observations"),
    "surgery": ("procedure_occurrence", "observations"),
    "receptor": ("measurement", "biomarkers"),
    "receptor_result": ("measurement", "biomarkers"),
    "ecog": ("measurement, observation", "observations"),
    "response": ("measurement", "tumor_assessments"),
    "response_value": ("measurement", "tumor_assessments"),
    "episode": ("episode", "tumor_assessments, episode_lines"),
}
SINGLE_VALUED = ("receptor", "receptor_result", "ecog", "response", "response_value", "episode")
SCHEMA = ibis.schema({"kind": "string", "concept_id": "int64", "value": "string",
                      "extra": "string", "priority": "int64"})


@dataclass(frozen=True, slots=True)
class ConceptSetSummary:
    """One concept set of ``[data.omop]`` as the loader uses it (defaults merged)."""

    key: str  # the [data.omop] key
    omop_table: str
    canonical_table: str
    concepts: int  # references in the set (before descendants are added)
    values: tuple[str, ...]  # the canonical values they map to, sorted


def summary(opt: OmopBlock) -> list[ConceptSetSummary]:
    """Every concept set the loader resolves, with what it maps to, by canonical table."""
    out = []
    for kind, key in SETS.items():
        found = concept_set(opt, key)
        values = {" ".join(v.values()) if isinstance(v, dict) else str(v)
                  for v in found.values()}
        out.append(ConceptSetSummary(key=key, omop_table=FEEDS[kind][0],
                                     canonical_table=FEEDS[kind][1], concepts=len(found),
                                     values=tuple(sorted(values))))
    return sorted(out, key=lambda s: (s.canonical_table, s.key))


@dataclass(frozen=True, slots=True)
class ConceptMap:
    direct: ibis.Table  # the sets' own concepts
    expanded: ibis.Table  # plus descendants for ANCESTOR_KINDS
    unresolved: tuple[Problem, ...]
    rows: pd.DataFrame  # the direct map, as resolved (for tests and reports)


def _rows(opt: OmopBlock) -> list[tuple]:
    rows = []
    for kind, key in SETS.items():
        for ref, value in concept_set(opt, key).items():
            if kind == "receptor":
                rows.append((kind, ref, value["marker"], value["method"], 0))
            else:
                rows.append(("drug" if kind == "product" else kind, ref, value, None,
                             1 if kind == "product" else 0))
    return rows


def resolve(opt: OmopBlock, cdm: dict[str, OmopTable], backend) -> ConceptMap:
    """Resolve every reference. A ``"VOCAB:code"`` the concept table lacks is reported
    when no other reference of the same value (e.g. the ingredient's concept_id) resolved."""
    rows = _rows(opt)
    strings = {r[1] for r in rows if isinstance(r[1], str)}
    found, unresolved = _lookup(strings, cdm, backend)
    out = []
    for kind, ref, value, extra, priority in rows:
        ids = [ref] if isinstance(ref, int) else found.get(_key(ref), [])
        out += [(kind, cid, value, extra, priority) for cid in ids]
    frame = pd.DataFrame(out, columns=list(SCHEMA.names)).drop_duplicates()
    frame = frame.astype({"concept_id": "int64", "priority": "int64"})
    _check_single_valued(frame)
    direct = ibis.memtable(frame, schema=SCHEMA)
    expanded = direct
    if opt.ancestors and "concept_ancestor" in cdm:
        ca = cdm["concept_ancestor"].table
        up = direct.filter(direct.kind.isin(ANCESTOR_KINDS))
        down = up.join(ca, up.concept_id == ca.ancestor_concept_id).select(
            kind=up.kind, concept_id=ca.descendant_concept_id.cast("int64"), value=up.value,
            extra=up.extra, priority=up.priority)
        expanded = direct.union(down, distinct=True)
    where = cdm["concept"].shown if "concept" in cdm else "concept"
    covered = {(k, v) for k, _, v, *_ in out}
    problems = tuple(
        Problem(message=f"no reference for {value!r} found in the concept table"
                if "concept" in cdm else "no concept table to resolve this reference",
                file=where, key=f"data.omop.{SETS[kind]}", value=ref, code="unresolved_concept",
                hint="check vocabulary_id and concept_code, or give the concept_id as a number")
        for kind, ref, value, *_ in rows
        if isinstance(ref, str) and _key(ref) in unresolved
        and (("drug" if kind == "product" else kind), value) not in covered)
    return ConceptMap(direct=direct, expanded=expanded, unresolved=problems, rows=frame)


def _key(ref: str) -> tuple[str, str]:
    vocab, _, code = ref.partition(":")
    return vocab.casefold(), code


def _lookup(strings: set[str], cdm: dict[str, OmopTable], backend):
    keys = {_key(s) for s in strings}
    if not keys or "concept" not in cdm:
        return {}, keys
    concept = cdm["concept"].table
    codes = sorted({code for _, code in keys})
    hits = backend.execute(
        concept.filter(concept.concept_code.cast("string").isin(codes)).select(
            concept_id=concept.concept_id.cast("int64"),
            vocabulary_id=concept.vocabulary_id.cast("string"),
            concept_code=concept.concept_code.cast("string"))
    )
    found: dict[tuple[str, str], list[int]] = {}
    for cid, vocab, code in hits.itertuples(index=False):
        key = (str(vocab).casefold(), str(code))
        if key in keys:
            found.setdefault(key, []).append(int(cid))
    return found, keys - set(found)


def _check_single_valued(frame: pd.DataFrame) -> None:
    """A receptor, ECOG, response or value concept must mean one thing."""
    sub = frame[frame["kind"].isin(SINGLE_VALUED)]
    values = sub.groupby(["kind", "concept_id"])[["value", "extra"]].nunique(dropna=False)
    bad = values[(values["value"] > 1) | (values["extra"] > 1)]
    if len(bad):
        raise DataError([
            Problem(message=f"concept {cid} maps to more than one value in this set",
                    key=f"data.omop.{SETS[kind]}", value=str(cid), code="ambiguous_concept",
                    hint="a concept_id and its 'VOCAB:code' reference must map to the same value")
            for kind, cid in bad.index
        ])
