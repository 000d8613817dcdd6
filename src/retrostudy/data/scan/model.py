"""Frozen results of a scan: what each file and column looks like, and what it may be.

A :class:`ScanReport` is what ``retrostudy init`` (and a future local app) shows and
writes from; it never holds printed text, only typed findings with confidences in [0, 1]
and the reason behind each one, so any front end can present them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True, kw_only=True)
class DateProfile:
    """How a column's text reads as dates.

    ``formats`` are strftime formats that together parse ``parsed`` of the ``distinct``
    non-empty values checked; ``ambiguous`` counts values that read as two different dates
    day-first and month-first while nothing in the column decided (then the day-first
    reading is in ``formats`` and ``day_first_guessed`` is true); ``serial`` marks whole
    numbers in the range of Excel date serials (1954-2064), which the loader does not read
    as dates.
    """

    formats: tuple[str, ...]
    parsed: int
    distinct: int
    ambiguous: int = 0
    day_first_guessed: bool = False
    serial: bool = False
    median: str | None = None  # the median date read, ISO

    @property
    def share(self) -> float:
        return self.parsed / self.distinct if self.distinct else 0.0

    @property
    def iso(self) -> bool:
        """Only ISO 8601 text (the loader reads it with no declared format)."""
        return bool(self.formats) and all(f in ISO_FORMATS for f in self.formats)


ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnProfile:
    """What one column of a file holds (WhiteRabbit's scan report, per column)."""

    header: str
    rows: int
    missing: int
    distinct: int
    examples: tuple[str, ...]  # most frequent values, at most five
    date: DateProfile | None  # None when the column does not read as dates
    kinds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    """Share of the distinct values each value vocabulary recognises, e.g.
    ``{"drug": 0.96, "response": 0.0}`` (only non-zero shares are kept)."""
    id_like: float = 0.0  # share of values shaped like identifiers (letters + digits)


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnProposal:
    """One canonical column and the header proposed for it."""

    column: str
    header: str
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TableScore:
    table: str
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceScan:
    """One file (or one sheet of a workbook) of the extract and the table proposed for it."""

    file: str  # relative to the extract folder ("" for a workbook given as the extract)
    sheet: str | None
    rows: int
    encoding: str | None  # CSV only: "utf-8" or "cp932"
    columns: tuple[ColumnProfile, ...]
    table: str | None  # proposed canonical table, None when the file is not used
    confidence: float
    reason: str
    mapping: tuple[ColumnProposal, ...] = ()
    scores: tuple[TableScore, ...] = ()  # every table's fit, best first
    unread: str | None = None  # why the file could not be read

    @property
    def label(self) -> str:
        name = self.file or "(workbook)"
        return f"{name}[{self.sheet}]" if self.sheet is not None else name

    def profile(self, header: str) -> ColumnProfile:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spelling:
    """A value the vocabularies do not know, with the nearest known spellings."""

    domain: str  # "drug", "response", "marker", "result", "specimen", ...
    value: str
    count: int  # records holding it
    source: str  # file[sheet] and header
    suggestions: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DrugUse:
    """How often a (recognised) ingredient occurs in the proposed drug table."""

    ingredient: str
    drug_class: str
    patients: int
    records: int


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupGuess:
    """Two comparison groups by prior exposure to one drug before the index drug."""

    drug: str
    exposed: int
    unexposed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanReport:
    """Everything a scan found: per source, per column, per value."""

    root: str  # the extract as given (folder or workbook), absolute
    sources: tuple[SourceScan, ...]
    unknown: tuple[Spelling, ...]  # unknown drug, response and biomarker spellings
    drugs: tuple[DrugUse, ...]  # recognised ingredients, most patients first
    diagnoses: tuple[str, ...]  # distinct diagnosis texts of the proposed diagnoses table
    index_drug: str | None  # as asked, else the antineoplastic most patients received
    groups: GroupGuess | None  # the best-balanced prior-exposure split, when one exists
    index_guessed: bool = False  # index_drug is the scan's guess, not an answer
    notes: tuple[str, ...] = ()  # things left to decide, in plain words

    def table(self, name: str) -> SourceScan | None:
        """The source proposed for canonical table ``name``."""
        for source in self.sources:
            if source.table == name:
                return source
        return None


def as_plain(item):
    """A report (or any part of it) as JSON types: dataclasses as dicts, tuples as lists."""
    if hasattr(item, "__dataclass_fields__"):
        return {name: as_plain(getattr(item, name)) for name in item.__dataclass_fields__}
    if isinstance(item, Mapping):
        return {str(k): as_plain(v) for k, v in item.items()}
    if isinstance(item, (list, tuple)):
        return [as_plain(v) for v in item]
    return item
