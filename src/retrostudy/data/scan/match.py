"""Propose a canonical table for a source and a header for each canonical column.

Each (canonical column, header) pair gets a header score (:mod:`.synonyms`) and a content
score (:mod:`.profile`), combined as a noisy-or, ``1 - (1 - 0.9 h)(1 - 0.8 c)``: either
kind of evidence alone can carry a match (a known header 0.9, a recognised vocabulary up
to 0.8), both together more. Content can also veto: a date column must read as dates, a
categorical column must not. Headers are then assigned greedily, best pair first, one
header per column (the Usagi idea of ranked candidates with a score, per column).

A table fits a source by the mean score of its required columns; its *signature* column
(drug, response, marker, diagnosis, observation name, birth date) must match at 0.5 or
more, so a file of patient-level facts is not taken for a drug table because it has a
patient id and a date.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.data.scan.model import ColumnProfile, ColumnProposal
from retrostudy.data.scan.synonyms import header_score
from retrostudy.data.schema import TABLES

SIGNATURE = {
    "patients": "birth_date",
    "diagnoses": "diagnosis",
    "biomarkers": "marker",
    "drug_administrations": "drug",
    "tumor_assessments": "response",
    "observations": "name",
}
REQUIRED_MIN, OPTIONAL_MIN = 0.35, 0.5

# canonical (table, column) -> profile kind whose share is the content evidence
_KIND = {
    ("patients", "sex"): "sex",
    ("diagnoses", "diagnosis"): "diagnosis",
    ("diagnoses", "stage"): "stage",
    ("diagnoses", "de_novo_metastatic"): "boolean",
    ("biomarkers", "marker"): "marker",
    ("biomarkers", "method"): "biomarker_method",
    ("biomarkers", "result"): "result",
    ("biomarkers", "specimen"): "specimen",
    ("biomarkers", "value"): "biomarker_value",
    ("drug_administrations", "drug"): "drug",
    ("drug_administrations", "setting"): "setting",
    ("drug_administrations", "discontinuation_reason"): "discontinuation_reason",
    ("tumor_assessments", "response"): "response",
    ("tumor_assessments", "method"): "assessment_method",
    ("observations", "name"): "observation_name",
}


@dataclass(frozen=True, slots=True)
class Fit:
    table: str
    score: float
    mapping: tuple[ColumnProposal, ...]


def content_score(table: str, column: str, profile: ColumnProfile,
                  id_overlap: float) -> tuple[float, str] | None:
    """Evidence from the values (0 to 1, with the reason); None vetoes the pair."""
    kind = TABLES[table].column(column).type
    empty = profile.distinct == 0
    if kind == "date":
        if empty:
            return 0.0, "column is empty"
        if profile.date is None:
            return None
        return 0.5, f"values read as dates ({', '.join(profile.date.formats) or 'serials'})"
    if profile.date is not None and not empty and profile.date.share > 0.9:
        return None  # dates are never an id, a drug or a category
    if column == "patient_id":
        score = 0.4 * profile.id_like + 0.5 * id_overlap
        return score, f"values look like patient ids ({id_overlap:.0%} seen in other files)"
    wanted = _KIND.get((table, column))
    if wanted is not None:
        share = profile.kinds.get(wanted, 0.0)
        return share, f"{share:.0%} of the distinct values are known {wanted} spellings"
    if (table, column) == ("observations", "value"):
        return 0.2, "free values"
    return 0.0, ""


def _pairs(table, profiles, overlaps):
    out = []
    for column in TABLES[table].columns:
        for profile in profiles:
            content = content_score(table, column.name, profile, overlaps.get(profile.header, 0))
            if content is None:
                continue
            h, h_why = header_score(profile.header, table, column.name)
            c, c_why = content
            score = 1 - (1 - 0.9 * h) * (1 - 0.8 * c)
            why = "; ".join(w for w in (h_why, c_why if c else "") if w)
            out.append((round(score, 3), column.name, profile.header, why))
    return out


def fit_table(table: str, profiles: tuple[ColumnProfile, ...],
              overlaps: dict[str, float]) -> Fit:
    """The best header for each column of ``table`` and how well the table fits."""
    pairs = sorted(_pairs(table, profiles, overlaps), key=lambda p: (-p[0], p[1], p[2]))
    pairs = _break_date_ties(table, pairs, profiles)
    required = set(TABLES[table].required)
    taken_columns, taken_headers, mapping = set(), set(), []
    for score, column, header, why in pairs:
        floor = REQUIRED_MIN if column in required else OPTIONAL_MIN
        if column in taken_columns or header in taken_headers or score < floor:
            continue
        taken_columns.add(column)
        taken_headers.add(header)
        mapping.append(ColumnProposal(column=column, header=header, confidence=score,
                                      reason=why or "best remaining column"))
    scores = {p.column: p.confidence for p in mapping}
    fit = sum(scores.get(c, 0.0) for c in required) / len(required)
    if scores.get(SIGNATURE[table], 0.0) < 0.5:
        fit *= 0.5
    order = {c: i for i, c in enumerate(TABLES[table].column_names)}
    mapping.sort(key=lambda p: order[p.column])
    return Fit(table=table, score=round(fit, 3), mapping=tuple(mapping))


def _break_date_ties(table, pairs, profiles):
    """Among date columns the values alone cannot tell which is which; when headers do not
    either, prefer: birth = the earliest dates, death = the most often empty, the record
    date = the most often filled. A small bonus, never above a header match."""
    dates = [p for p in profiles if p.date is not None and p.distinct]
    if len(dates) < 2:
        return pairs
    rank = {
        "birth_date": sorted(dates, key=lambda p: _median(p))[0].header,
        "death_date": max(dates, key=lambda p: p.missing).header,
        "date": min(dates, key=lambda p: p.missing).header,
        "end_date": max(dates, key=lambda p: p.missing).header,
    }
    out = []
    for score, column, header, why in pairs:
        if rank.get(column) == header and score < 0.9:
            score, why = round(score + 0.05, 3), why + "; by its dates"
        out.append((score, column, header, why))
    return sorted(out, key=lambda p: (-p[0], p[1], p[2]))


def _median(profile: ColumnProfile) -> str:
    return (profile.date.median if profile.date is not None else None) or "9999"
