"""Published numbers and literature comparators: the ``[published]`` and ``[comparators]`` blocks.

``[published]`` lists what a paper printed, each number under a *key path* naming the
reproduced result it is compared with; :func:`compare_published` pairs them with the
study's results and flags each by the precision the paper printed (a value printed with
d decimals matches when the reproduced value rounds to it at d decimals).

Key paths (agreed with the report layer; ``<group>`` is a group name from ``[groups]``,
``<level>`` a category, ``overall`` the whole cohort). Results must be in the unit the
paper printed (months for times, percent for rates):

- ``flow.identified``, ``flow.analysed``, ``flow.excluded.<k>`` (k-th step, even n = 0) or
  ``flow.excluded.<slug>`` (the step's protocol label lower-cased, others as ``_``);
  ``groups.<group>.n``
- ``table1.<variable>.median.<group>``, ``.min.<group>``, ``.max.<group>`` (continuous,
  ``among`` rows too); ``table1.<variable>.<level>.<group>`` (count of a category) and
  ``...<group>.percent``; ``table1.<variable>.p_value``
- ``response.<rate>.<group>.n``, ``response.<rate>.<group>.percent``,
  ``response.<rate>.p_value`` with ``<rate>`` in ``trr`` (CR+PR) or ``dcr``;
  ``response.bor.<CR|PR|SD|PD|NE>.<group>.n`` and ``.percent``
- ``pfs.median.<group>``, ``pfs.conf_low.<group>``, ``pfs.conf_high.<group>``,
  ``pfs.logrank.p_value`` (and the same under ``os.`` or any other endpoint name)
- ``cox.unadjusted.hazard_ratio``, ``cox.unadjusted.conf_low``, ``cox.unadjusted.conf_high``,
  ``cox.unadjusted.p_value``; the same under ``cox.adjusted.``
- ``followup.median.<group>``, ``followup.min.<group>``, ``followup.max.<group>``
- ``discontinuation.<reason>.n`` and ``.percent`` (of the discontinued)

A value may carry a ``label`` (what it is, in the paper's words) and ``where`` it was printed;
a number the study cannot reproduce keeps a key no result has and a ``note`` saying why.

``[comparators]`` lists published results of other studies for a side-by-side table and a
forest-style figure: study, design, population and line, n, the endpoint *type and label*
(trial PFS, real-world PFS and time on treatment are never interchangeable), median with
CI, HR with CI, the source, a DOI and a registry id, and an evidence tag (docs/sources.md:
V verified, S stated by the seed only, M background knowledge, X unverified or conflicting).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, field_validator, model_validator

from retrostudy.protocol.base import Block

Evidence = Literal["V", "S", "M", "X"]
EndpointType = Literal["pfs", "rwpfs", "ttp", "ttd", "ttf", "duration_of_therapy", "os"]
# Headings of the comparator groups: one group per endpoint type, never one axis for two.
ENDPOINT_TYPE_TITLES: dict[str, str] = {
    "pfs": "Progression-free survival in clinical trials",
    "rwpfs": "Real-world progression-free survival",
    "ttp": "Time to progression",
    "ttd": "Time on treatment (time to treatment discontinuation)",
    "ttf": "Time to treatment failure",
    "duration_of_therapy": "Duration of therapy",
    "os": "Overall survival",
}
_DOI = r"^10\.\d{4,9}/\S+$"
Status = Literal["match", "differs", "not_computed"]


class PublishedValue(Block):
    """One printed number. ``value`` may be a string to keep trailing zeros ("0.4740")."""

    what: str = Field(pattern=r"^[A-Za-z0-9_]+(\.[^.\s]+)+$")
    value: int | float | str
    decimals: int | None = Field(default=None, ge=0, le=10)
    unit: str | None = None
    note: str | None = None
    where: str | None = None  # e.g. "Table 1", "Results", "Abstract"
    # What the number is, in the paper's words ("excluded, received T-DM1 as prior
    # treatment"); without it the report builds a label from the key and the study's labels.
    label: str | None = None

    @field_validator("value")
    @classmethod
    def _number(cls, value):
        if isinstance(value, str):
            try:
                Decimal(value.strip())
            except InvalidOperation:
                raise ValueError(f"value must be a number, not {value!r}") from None
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError("value must be finite")
        return value

    @property
    def number(self) -> float:
        return float(self.value)

    @property
    def printed_decimals(self) -> int:
        """Decimals printed: ``decimals`` if given, else those of the written value."""
        if self.decimals is not None:
            return self.decimals
        text = self.value.strip() if isinstance(self.value, str) else repr(self.value)
        return max(0, -int(Decimal(text).as_tuple().exponent))


class PublishedBlock(Block):
    """``[published]``: the source and the numbers it printed."""

    source: str | None = None
    values: tuple[PublishedValue, ...] = ()

    @model_validator(mode="after")
    def _unique(self):
        keys = [v.what for v in self.values]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"each key may be listed once; repeated: {repeated}")
        return self


class Comparator(Block):
    """One published result of another study (or arm) for side-by-side display."""

    study: str
    design: str
    population: str
    line: str | None = None
    n: int | None = Field(default=None, ge=1)
    endpoint_type: EndpointType
    endpoint: str  # the label as the study defines it, e.g. "PFS (independent review)"
    median: float | None = Field(default=None, ge=0)
    conf_low: float | None = Field(default=None, ge=0)
    conf_high: float | None = Field(default=None, ge=0)
    unit: Literal["months"] = "months"
    hazard_ratio: float | None = Field(default=None, gt=0)
    hr_conf_low: float | None = Field(default=None, gt=0)
    hr_conf_high: float | None = Field(default=None, gt=0)
    hr_comparison: str | None = (
        None  # what the HR compares, e.g. "T-DM1 vs lapatinib + capecitabine"
    )
    other: str | None = None  # other printed results (ORR, OS, ...)
    source: str
    # The paper's DOI ("10.1056/NEJMoa1209124", no "https://doi.org/") and the trial's
    # registry id ("NCT00829166"); each becomes a link in the report. Leave out what you
    # could not verify rather than guess.
    doi: str | None = Field(default=None, pattern=_DOI)
    registry: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9-]*\d[A-Za-z0-9-]*$")
    evidence: Evidence
    note: str | None = None

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        """(text, URL) for the DOI and, for a ClinicalTrials.gov id, the registry entry."""
        out = []
        if self.doi:
            out.append((f"doi:{self.doi}", f"https://doi.org/{self.doi}"))
        if self.registry and re.fullmatch(r"NCT\d{8}", self.registry):
            out.append((self.registry, f"https://clinicaltrials.gov/study/{self.registry}"))
        elif self.registry:
            out.append((self.registry, ""))
        return tuple(out)

    @model_validator(mode="after")
    def _ordered(self):
        for low, mid, high, name in (
            (self.conf_low, self.median, self.conf_high, "median"),
            (self.hr_conf_low, self.hazard_ratio, self.hr_conf_high, "hazard_ratio"),
        ):
            if (low is not None or high is not None) and mid is None:
                raise ValueError(f"a confidence interval needs its {name}")
            given = [x for x in (low, mid, high) if x is not None]
            if given != sorted(given):
                raise ValueError(f"{name}: need conf_low <= {name} <= conf_high")
        if self.hazard_ratio is not None and not self.hr_comparison:
            raise ValueError("hazard_ratio needs hr_comparison (what is compared with what)")
        return self


class ComparatorsBlock(Block):
    """``[comparators]``: published results to show beside the cohort's.

    ``this_study`` names the comparator group (endpoint type) of each of this study's
    endpoints, e.g. ``{ pfs = "rwpfs" }``; without it a PFS endpoint counts as real-world
    PFS (the cohort comes from routine records), OS as ``os`` and time to discontinuation
    as ``ttd``. The cohort's median is drawn only beside studies of the same type."""

    this_study: dict[str, EndpointType] | None = None
    studies: tuple[Comparator, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """A published number beside the reproduced one, matched at the printed precision."""

    what: str
    published: float
    reproduced: float | None
    difference: float | None  # reproduced - published
    decimals: int
    match: bool
    status: Status
    unit: str | None = None
    note: str | None = None
    label: str | None = None  # the protocol's label; None = build one from ``what``
    where: str | None = None


def compare_published(
    published_block: PublishedBlock, results: Mapping[str, float]
) -> tuple[Comparison, ...]:
    """Pair each published value with ``results[what]``, in the block's order.

    ``match`` is true when the reproduced value, rounded half-away-from-zero to the
    decimals the paper printed, equals the printed value. A key absent from ``results``
    (or NaN) is ``not_computed`` and does not match.
    """
    out = []
    for item in published_block.values:
        published, decimals = item.number, item.printed_decimals
        value = results.get(item.what)
        if value is None or not math.isfinite(float(value)):
            reproduced = difference = None
            match = False
        else:
            reproduced = float(value)
            difference = reproduced - published
            match = _round(reproduced, decimals) == _round(published, decimals)
        out.append(
            Comparison(
                what=item.what,
                published=published,
                reproduced=reproduced,
                difference=difference,
                decimals=decimals,
                match=match,
                status="not_computed" if reproduced is None else ("match" if match else "differs"),
                unit=item.unit,
                note=item.note,
                label=item.label,
                where=item.where,
            )
        )
    return tuple(out)


def printed(value: float, decimals: int) -> str:
    """``value`` as a paper prints it at ``decimals``, rounded half away from zero: the
    same rounding that decides a match, so "7.25" shows as 7.3 beside a printed 7.3."""
    return str(_round(value, decimals))


def _round(value: float, decimals: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
