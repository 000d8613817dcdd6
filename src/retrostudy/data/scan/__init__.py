"""Scan an unknown extract and propose how it maps to the canonical tables.

The engine of ``retrostudy init`` (and of any other front end): :func:`scan_extract`
returns a frozen :class:`ScanReport` with, for every file and sheet, its column profiles,
the proposed canonical table and the proposed header of each canonical column, each with a
confidence and its reason; unknown drug, response and biomarker spellings with the nearest
known ones; the guessed index drug and comparison groups; and what is left to decide.
:func:`write_study` turns a report (and optional answers) into study.toml text.

Anchors: OHDSI WhiteRabbit (a scan report per table and column) and Usagi (ranked
vocabulary candidates with a score); written from their documented ideas, not their code.
"""

from retrostudy.data.scan.engine import scan_extract
from retrostudy.data.scan.model import (
    ColumnProfile,
    ColumnProposal,
    DateProfile,
    DrugUse,
    GroupGuess,
    ScanReport,
    SourceScan,
    Spelling,
    TableScore,
)

__all__ = [
    "ColumnProfile",
    "ColumnProposal",
    "DateProfile",
    "DrugUse",
    "GroupGuess",
    "ScanReport",
    "SourceScan",
    "Spelling",
    "TableScore",
    "scan_extract",
]
