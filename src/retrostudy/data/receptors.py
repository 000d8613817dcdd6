"""Breast-cancer receptor status from the scores pathologists record, by a named guideline.

A pathology export gives HER2 as an IHC score ("IHC 2+", "3+") and an ISH result (a
HER2/CEP17 ratio, an average HER2 copy number, or "amplified"/"not amplified"), and ER/PgR
as a percentage of stained nuclei or an Allred score. This module reads those texts
(:func:`parse`) and applies the rules (docs/data-model.md, "Receptor status"):

HER2, IHC (both guidelines): 3+ positive; 2+ equivocal until ISH decides; 0 and 1+ negative.

HER2, dual-probe ISH (ratio = HER2/CEP17, CN = average HER2 copies per cell):

=========================  ===================  ==================================
group                      ASCO/CAP 2013        ASCO/CAP 2018
=========================  ===================  ==================================
1: ratio >= 2, CN >= 4     positive             positive
2: ratio >= 2, CN < 4      positive             positive only with IHC 3+
3: ratio < 2, CN >= 6      positive             positive with IHC 2+/3+, else neg.
4: ratio < 2, 4 <= CN < 6  equivocal            positive only with IHC 3+
5: ratio < 2, CN < 4       negative             negative
=========================  ===================  ==================================

(Wolff AC et al., J Clin Oncol 2013;31:3997-4013; Wolff AC et al., J Clin Oncol
2018;36:2105-2122.) Under 2018 groups 2-4 need the concomitant IHC of the same specimen;
without it they stay equivocal. Single-probe ISH (CN only): >= 6 positive, < 4 negative,
4 to < 6 equivocal (2013) or decided by IHC 3+ (2018). A ratio without copy number is read
as group 1 (>= 2) or group 5 (< 2). A specimen is HER2-positive when IHC is 3+ or ISH is
positive; IHC 3+ with a negative ISH, or IHC 0/1+ with a positive ISH, is an IHC-ISH
discordance (counted, still positive). HER2-low: negative with IHC 1+ or 2+ (ISH negative);
HER2-0: negative with IHC 0.

ER/PgR (Allison KH et al., J Clin Oncol 2020;38:1346-1366): >= 1% of nuclei positive,
1-10% "low positive", < 1% negative. Allred score 0-8 (proportion 0-5 + intensity 0-3):
>= 3 positive, 0 and 2 negative (Harvey JM, Clark GM, Osborne CK, Allred DC, J Clin Oncol
1999;17:1474-1481); an Allred score of 1 cannot occur and is not read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from retrostudy.data.values import spellings, value_key

Her2Rule = Literal["asco_cap_2018", "asco_cap_2013"]
RULES: dict[str, str] = {
    "asco_cap_2018": "ASCO/CAP 2018 (Wolff AC et al., J Clin Oncol 2018;36:2105)",
    "asco_cap_2013": "ASCO/CAP 2013 (Wolff AC et al., J Clin Oncol 2013;31:3997)",
}
HR_REFERENCE = ("ASCO/CAP 2020 (Allison KH et al., J Clin Oncol 2020;38:1346); Allred score "
                "(Harvey JM et al., J Clin Oncol 1999;17:1474)")

_IHC = re.compile(r"(?<![\d.])([0-3])\s*\+")
_IHC_ZERO = re.compile(r"^(?:(?:her2\s*)?(?:ihc|score|スコア)\s*[:=]?\s*)?0(?:\s*\(.*\))?$")
_NUMBER = r"(\d+(?:\.\d+)?)"
_RATIO = re.compile(r"(?:ratio|比|cep\s*17)\s*(?:ratio)?\s*[:=]?\s*" + _NUMBER)
_COPIES = re.compile(r"(?:copy\s*number|copies|signals?\s*/\s*(?:cell|nucleus)|コピー数)"
                     r"\D{0,20}?" + _NUMBER)
_PERCENT = re.compile(r"(<|less than|未満)?\s*" + _NUMBER + r"\s*%")
_ALLRED = re.compile(r"(?:allred|\bts|total score)\s*(?:score)?\s*[:=]?\s*(\d)(?!\d)")
_NOT_AMPLIFIED = re.compile(r"not\s+amplified|non-?amplified|no\s+amplification|増幅なし|"
                            r"増幅\s*[(（]?\s*[-−ー]\s*[)）]?|増幅を認めない")
_AMPLIFIED = re.compile(r"amplified|amplification|増幅あり|増幅\s*[(（]?\s*\+|増幅")
_ISH_WORDS = re.compile(r"\b(?:ish|fish|dish|sish|cish)\b|ratio|copy|cep\s*17|amplif|増幅")
_IHC_WORDS = re.compile(r"\bihc\b|免疫|allred|%")


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """What one biomarker text says (every field None when it says nothing of that kind)."""

    method: str | None = None  # "IHC" / "ISH" when the text names or implies it
    ihc: int | None = None  # HER2 IHC score 0..3
    ratio: float | None = None  # HER2/CEP17
    copy_number: float | None = None  # average HER2 signals per cell
    amplified: bool | None = None
    percent: float | None = None  # stained nuclei; "<1%" reads as 0
    allred: int | None = None  # 0, 2..8
    word: str | None = None  # positive / negative / equivocal written as a word

    @property
    def is_score(self) -> bool:
        return any(v is not None for v in (self.ihc, self.ratio, self.copy_number,
                                            self.amplified, self.percent, self.allred))


_WORDS = spellings("biomarkers", "result")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def parse(*texts: str | None, marker: str | None = None) -> Reading:
    """Read the scores in ``texts`` (e.g. the ``result`` and ``value`` cells of one row)."""
    fields: dict = {}
    for raw in texts:
        if raw is None or not str(raw).strip():
            continue
        text = _norm(str(raw))
        word = _WORDS.get(value_key(text))
        if word is not None:
            fields.setdefault("word", word)
            continue
        _read_scores(text, marker, fields)
    return Reading(**fields)


def _read_scores(text: str, marker: str | None, fields: dict) -> None:
    if marker in (None, "HER2"):
        _her2_scores(text, marker, fields)
    if marker in (None, "ER", "PgR"):
        _hormone_scores(text, fields)
    if _ISH_WORDS.search(text) or any(k in fields for k in ("ratio", "copy_number", "amplified")):
        fields.setdefault("method", "ISH")
    elif _IHC_WORDS.search(text) or any(k in fields for k in ("ihc", "percent", "allred")):
        fields.setdefault("method", "IHC")


def _her2_scores(text: str, marker: str | None, fields: dict) -> None:
    if (m := _IHC.search(text)) is not None:
        fields.setdefault("ihc", int(m.group(1)))
    elif _IHC_ZERO.match(text) and marker == "HER2":
        fields.setdefault("ihc", 0)
    if (m := _RATIO.search(text)) is not None:
        fields.setdefault("ratio", float(m.group(1)))
    if (m := _COPIES.search(text)) is not None:
        fields.setdefault("copy_number", float(m.group(1)))
    if _NOT_AMPLIFIED.search(text):
        fields.setdefault("amplified", False)
    elif _AMPLIFIED.search(text):
        fields.setdefault("amplified", True)


def _hormone_scores(text: str, fields: dict) -> None:
    if (m := _ALLRED.search(text)) is not None and m.group(1) != "1":
        fields.setdefault("allred", int(m.group(1)))
    elif (m := _PERCENT.search(text)) is not None:
        value = float(m.group(2))
        if not m.group(1):
            fields.setdefault("percent", value)
        elif value <= 1:  # "<1%": negative; "<10%" could be 0% or 9%, so is not read
            fields.setdefault("percent", 0.0)


def ihc_status(score: int | None) -> str | None:
    """HER2 IHC: 3+ positive, 2+ equivocal, 0/1+ negative (2013 and 2018 alike)."""
    if score is None:
        return None
    return "positive" if score == 3 else "equivocal" if score == 2 else "negative"


def ish_group(ratio: float | None, copy_number: float | None) -> int | None:
    """The ASCO/CAP 2018 dual-probe ISH group (1-5), None without both numbers."""
    if ratio is None or copy_number is None:
        return None
    if ratio >= 2.0:
        return 1 if copy_number >= 4.0 else 2
    return 3 if copy_number >= 6.0 else 4 if copy_number >= 4.0 else 5


def ish_status(reading: Reading, ihc: int | None, rule: Her2Rule) -> str | None:
    """HER2 ISH status under ``rule``, using the concomitant IHC score where 2018 asks."""
    ratio, cn = reading.ratio, reading.copy_number
    if ratio is None and cn is None:
        if reading.amplified is None:
            return None
        return "positive" if reading.amplified else "negative"
    if ratio is None:  # single-probe
        if cn >= 6.0:
            return "positive"
        if cn < 4.0:
            return "negative"
        return "equivocal" if rule == "asco_cap_2013" else _by_ihc(ihc, positive_from=3)
    if cn is None:  # ratio only: read as group 1 or group 5
        return "positive" if ratio >= 2.0 else "negative"
    group = ish_group(ratio, cn)
    if rule == "asco_cap_2013":
        return {1: "positive", 2: "positive", 3: "positive", 4: "equivocal"}.get(group,
                                                                                 "negative")
    if group == 1:
        return "positive"
    if group == 5:
        return "negative"
    return _by_ihc(ihc, positive_from=2 if group == 3 else 3)


def _by_ihc(ihc: int | None, positive_from: int) -> str:
    if ihc is None:
        return "equivocal"  # concomitant IHC needed and not recorded
    return "positive" if ihc >= positive_from else "negative"


def hormone_status(reading: Reading) -> str | None:
    """ER/PgR: ``positive``, ``low_positive`` (1-10%) or ``negative``; the word otherwise."""
    if reading.percent is not None:
        p = reading.percent
        return "negative" if p < 1 else "low_positive" if p <= 10 else "positive"
    if reading.allred is not None:
        return "positive" if reading.allred >= 3 else "negative"
    return reading.word


def row_result(marker: str, reading: Reading, rule: Her2Rule) -> str | None:
    """The ``result`` of one biomarker row from its own scores (no other row consulted)."""
    if marker == "HER2":
        if reading.ihc is not None:
            return ihc_status(reading.ihc)
        return ish_status(reading, None, rule) or reading.word
    status = hormone_status(reading)
    return "positive" if status == "low_positive" else status


@dataclass(frozen=True, slots=True, kw_only=True)
class Her2:
    """HER2 of one specimen: the status, its category and the inputs it came from."""

    status: str | None  # positive / equivocal / negative
    category: str | None  # positive / equivocal / low / zero / negative (IHC score unknown)
    ihc: int | None
    ratio: float | None
    copy_number: float | None
    discordant: bool  # IHC 3+ with negative ISH, or IHC 0/1+ with positive ISH


def her2_specimen(rows: list[tuple[str | None, Reading]], rule: Her2Rule) -> Her2:
    """Combine the IHC and ISH rows ``(method, reading)`` of one specimen."""
    ihc_scores = [r.ihc for _, r in rows if r.ihc is not None]
    ihc = max(ihc_scores) if ihc_scores else None
    ish = [r for m, r in rows if (m or r.method) == "ISH"]
    ratio = next((r.ratio for r in ish if r.ratio is not None), None)
    cn = next((r.copy_number for r in ish if r.copy_number is not None), None)
    amplified = next((r.amplified for r in ish if r.amplified is not None), None)
    measured = Reading(ratio=ratio, copy_number=cn, amplified=amplified)
    ish_st = ish_status(measured, ihc, rule) or _word(r for r in ish)
    ihc_st = ihc_status(ihc) or _word(r for m, r in rows if (m or r.method) == "IHC")
    other = _word(r for m, r in rows if (m or r.method) is None)
    if "positive" in (ihc_st, ish_st):
        status = "positive"
    else:
        status = ish_st or ihc_st or other
    discordant = (ihc_st == "positive" and ish_st == "negative") or (
        ihc_st == "negative" and ish_st == "positive")
    category = status
    if status == "negative" and ihc is not None:
        category = "zero" if ihc == 0 else "low"
    return Her2(status=status, category=category, ihc=ihc, ratio=ratio, copy_number=cn,
                discordant=discordant)


def _word(readings) -> str | None:
    words = {r.word for r in readings if r.word is not None}
    for word in ("positive", "equivocal", "negative"):
        if word in words:
            return word
    return None


def methods_sentence(rule: Her2Rule, her2_specimen: str, hr_specimen: str) -> str:
    """The Methods sentence stating the receptor rules (from the protocol's settings)."""
    return (
        f"HER2 status followed {RULES[rule]}: IHC 3+ or a positive ISH result was positive, "
        "IHC 2+ was decided by ISH, IHC 0/1+ was negative; HER2-low denotes a negative result "
        "with IHC 1+ or 2+. ER and PgR were positive with at least 1% of stained nuclei "
        f"(1-10% low positive) or an Allred score of at least 3 ({HR_REFERENCE}). Specimen "
        f"rule: HER2 {her2_specimen.replace('_', ' ')}, hormone receptors "
        f"{hr_specimen.replace('_', ' ')}."
    )
