"""Profile a column: does it read as dates (in which formats), as identifiers, as drugs,
responses, biomarker terms, sexes ...?

Date detection follows the loader's rule (:mod:`retrostudy.data.dates`): year-first
formats are unambiguous; for a day-first/month-first pair the column decides (a day above
12 in some value and none the other way). When nothing decides, the day-first reading is
proposed and the column is flagged, never silently taken as certain.

Value vocabularies are the loader's own: drug spellings through
:class:`~retrostudy.data.vocabulary.Vocabulary`, categorical spellings through
:func:`retrostudy.data.values.spellings`. A column's share for a vocabulary is the share of
its distinct non-empty values that vocabulary recognises.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from types import MappingProxyType

import pandas as pd

from retrostudy.data.dates import MAX_YEAR, MIN_YEAR, PAIRS, YEAR_FIRST
from retrostudy.data.scan.model import ColumnProfile, DateProfile
from retrostudy.data.values import spellings, value_key
from retrostudy.data.vocabulary import Vocabulary

MAX_DISTINCT = 2000  # distinct values checked per column (the most frequent ones)
_PROBE = 200  # values tried against every format before the full check
_ID = re.compile(r"^[A-Za-z]{0,6}[-_]?\d{2,}[A-Za-z0-9\-_]*$")
_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
_CANCER = re.compile(r"cancer|carcinoma|tumou?r|lymphoma|leuka?emia|sarcoma|neoplasm|"
                     r"melanoma|myeloma|癌|がん|腫")
_STAGE = re.compile(r"^(stage\s*)?(0|i{1,3}|iv)[abc]?\d?$", re.IGNORECASE)
_BIOMARKER_VALUE = re.compile(r"^(\d+(\.\d+)?\s*%|[0-3]\s*\+|[0-3]\+?/3\+?|\d+(\.\d+)?)$")
OBSERVATION_NAMES = ("ecog", "metastaticsite", "surgery", "ps", "karnofsky", "weight",
                     "height", "bmi")

# vocabulary name -> (table, column) of the loader's spelling sets
DOMAINS = {
    "sex": ("patients", "sex"),
    "response": ("tumor_assessments", "response"),
    "assessment_method": ("tumor_assessments", "method"),
    "setting": ("drug_administrations", "setting"),
    "discontinuation_reason": ("drug_administrations", "discontinuation_reason"),
    "marker": ("biomarkers", "marker"),
    "biomarker_method": ("biomarkers", "method"),
    "result": ("biomarkers", "result"),
    "specimen": ("biomarkers", "specimen"),
    "boolean": ("diagnoses", "de_novo_metastatic"),
}


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def profile_column(header: str, series: pd.Series, vocabulary: Vocabulary,
                   responses=()) -> ColumnProfile:
    values = series[series != ""]
    counts = values.value_counts()
    distinct = [normal(v) for v in counts.index[:MAX_DISTINCT]]
    kinds = _kinds(distinct, vocabulary, responses) if distinct else {}
    date = detect_dates(distinct)
    id_like = sum(bool(_ID.match(v)) for v in distinct) / len(distinct) if distinct else 0.0
    if date is not None and date.share > 0.9:
        id_like = 0.0  # dates are not identifiers
    return ColumnProfile(
        header=header, rows=len(series), missing=int((series == "").sum()),
        distinct=int(len(counts)), examples=tuple(str(v) for v in counts.index[:5]),
        date=date, kinds=MappingProxyType(kinds), id_like=round(id_like, 3),
    )


def _kinds(distinct: list[str], vocabulary: Vocabulary, responses) -> dict[str, float]:
    n = len(distinct)
    keys = [value_key(v) for v in distinct]
    out: dict[str, float] = {}
    words = [v for v in distinct if not re.fullmatch(r"[\d.,\s%+\-/:]*", v)]
    if words:
        out["drug"] = sum(vocabulary.normalise(v) is not None for v in words) / n
    for kind, (table, column) in DOMAINS.items():
        known = spellings(table, column, responses if kind == "response" else ())
        out[kind] = sum(k in known for k in keys) / n
    out["diagnosis"] = sum(bool(_CANCER.search(v.casefold())) for v in distinct) / n
    out["stage"] = sum(bool(_STAGE.match(v)) for v in distinct) / n
    out["biomarker_value"] = sum(bool(_BIOMARKER_VALUE.match(v)) for v in distinct) / n
    out["observation_name"] = sum(k in OBSERVATION_NAMES for k in keys) / n
    return {k: round(v, 3) for k, v in out.items() if v > 0}


def _parses(value: str, fmt: str) -> datetime | None:
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


def detect_dates(distinct: list[str]) -> DateProfile | None:
    """The formats reading ``distinct`` as dates, or None when under half of them read."""
    if not distinct or not any(ch.isdigit() for v in distinct[:50] for ch in v):
        return None
    if all(_SERIAL.match(v) for v in distinct) and all(
            20000 <= float(v) <= 60000 for v in distinct):
        return DateProfile(formats=(), parsed=len(distinct), distinct=len(distinct), serial=True)
    probe = distinct[:_PROBE]
    single = [f for f in YEAR_FIRST if any(_parses(v, f) for v in probe)]
    pairs = [(d, m) for d, m in PAIRS if any(_parses(v, d) or _parses(v, m) for v in probe)]
    formats: list[str] = []
    parsed: dict[str, datetime] = {}
    for fmt in single:
        hit = {v: d for v in distinct if (d := _parses(v, fmt))}
        if set(hit) - set(parsed):
            formats.append(fmt)
            parsed = hit | parsed
    ambiguous, guessed = 0, False
    for day, month in pairs:
        as_day = {v: _parses(v, day) for v in distinct}
        as_month = {v: _parses(v, month) for v in distinct}
        only_day = any(as_day[v] and not as_month[v] for v in distinct)
        only_month = any(as_month[v] and not as_day[v] for v in distinct)
        chosen = month if only_month and not only_day else day
        if not only_day and not only_month:
            ambiguous += sum(1 for v in distinct if as_day[v] and as_month[v]
                             and as_day[v] != as_month[v])
            guessed = ambiguous > 0
        reading = as_month if chosen == month else as_day
        hit = {v: d for v in distinct if (d := reading[v])}
        if set(hit) - set(parsed):
            formats.append(chosen)
            parsed = hit | parsed
    if len(parsed) * 2 < len(distinct):
        return None
    ordered = sorted(parsed.values())
    return DateProfile(formats=tuple(formats), parsed=len(parsed), distinct=len(distinct),
                       ambiguous=ambiguous, day_first_guessed=guessed,
                       median=ordered[len(ordered) // 2].strftime("%Y-%m-%d"))
