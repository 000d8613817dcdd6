"""The condition language of criteria and groups: a parsed structure, never evaluated text.

A condition is a TOML table with exactly one of these keys:

- ``drug``: ``{drug = "x" | ["x", "y"], window = [start, end], min_count = 1}``
- ``diagnosis``: ``{diagnosis = ..., window, min_count}``
- ``biomarker``: ``{biomarker = "ER", result = "positive", window, specimen = "primary"}``
- ``observation``: ``{observation = "ecog", value = "0" | [...], window, min_count}``
- ``age``: ``{age = {min = 18, max = 75}}`` (years at index, both ends inclusive)
- ``all`` / ``any``: ``{all = [cond, ...]}``
- ``not``: ``{not = cond}``

Windows are days relative to the index date (see :data:`retrostudy.protocol.base.Window`).
``min_count`` counts distinct (name, date) records in the window, so duplicated extract rows
count once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, NonNegativeInt, PositiveInt, Tag, model_validator
from pydantic_core import PydanticCustomError

from retrostudy.protocol.base import Block, Names, Window

CONDITION_KEYS = ("drug", "diagnosis", "biomarker", "observation", "age", "all", "any", "not")


class DrugCondition(Block):
    """At least ``min_count`` administrations of any of ``drug`` in ``window``."""

    drug: Names
    """Drug name(s): an administration of any of them counts."""
    window: Window
    """Days relative to the index date, [start, end], both ends inclusive ("-inf"/"inf" for an
    open end)."""
    min_count: PositiveInt = 1
    """At least this many administrations (distinct name and date) in the window."""


class DiagnosisCondition(Block):
    """At least ``min_count`` records of any of ``diagnosis`` in ``window``."""

    diagnosis: Names
    """Diagnosis name(s), case-insensitive: a record of any of them counts."""
    window: Window
    """Days relative to the index date, [start, end], both ends inclusive ("-inf"/"inf" for an
    open end)."""
    min_count: PositiveInt = 1
    """At least this many records (distinct name and date) in the window."""


class BiomarkerCondition(Block):
    """A ``biomarker`` result (optionally on one ``specimen`` type) recorded in ``window``."""

    biomarker: Literal["ER", "PgR", "HER2"]
    """The biomarker tested: ER, PgR or HER2."""
    result: Literal["positive", "negative", "equivocal"]
    """The result that matches: positive, negative or equivocal."""
    window: Window
    """Days relative to the index date, [start, end], both ends inclusive ("-inf"/"inf" for an
    open end)."""
    specimen: Literal["primary", "metastasis"] | None = None
    """Only results on this specimen type (primary or metastasis); absent: any specimen."""


class ObservationCondition(Block):
    """At least ``min_count`` observations called ``observation`` (with ``value``) in ``window``."""

    observation: str
    """Name of the observation (e.g. ecog)."""
    value: Names | None = None
    """Value(s) that match; absent: any value."""
    window: Window
    """Days relative to the index date, [start, end], both ends inclusive ("-inf"/"inf" for an
    open end)."""
    min_count: PositiveInt = 1
    """At least this many observations (distinct name and date) in the window."""


class AgeRange(Block):
    min: NonNegativeInt | None = None
    """Youngest age that matches, in completed years at index (inclusive); absent: no lower
    limit."""
    max: NonNegativeInt | None = None
    """Oldest age that matches, in completed years at index (inclusive); absent: no upper limit."""

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise PydanticCustomError("age_range", "age: min must be <= max")
        return self


class AgeCondition(Block):
    """Age at index in whole years, within ``[min, max]`` (inclusive; either may be absent)."""

    age: AgeRange
    """Age at index in completed years, { min, max } (inclusive); an unknown birth date never
    matches."""


class AllCondition(Block):
    all: list[Condition] = Field(min_length=1)
    """Every condition of the list holds."""


class AnyCondition(Block):
    any: list[Condition] = Field(min_length=1)
    """At least one condition of the list holds."""


class NotCondition(Block):
    not_: Condition = Field(alias="not")
    """The condition does not hold (so patients with no records of that kind match)."""


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, Block):
        return _TAG_OF_CLASS.get(type(value))
    if not isinstance(value, dict):
        return None
    keys = [k for k in CONDITION_KEYS if k in value or (k == "not" and "not_" in value)]
    return keys[0] if len(keys) == 1 else None


Condition = Annotated[
    Union[  # noqa: UP007 - Tag needs the explicit Union form
        Annotated[DrugCondition, Tag("drug")],
        Annotated[DiagnosisCondition, Tag("diagnosis")],
        Annotated[BiomarkerCondition, Tag("biomarker")],
        Annotated[ObservationCondition, Tag("observation")],
        Annotated[AgeCondition, Tag("age")],
        Annotated[AllCondition, Tag("all")],
        Annotated[AnyCondition, Tag("any")],
        Annotated[NotCondition, Tag("not")],
    ],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a table with exactly one of the keys "
            + ", ".join(CONDITION_KEYS)
            + ' (e.g. { drug = "trastuzumab", window = ["-inf", -1] })'
        ),
    ),
]

_TAG_OF_CLASS = {
    DrugCondition: "drug",
    DiagnosisCondition: "diagnosis",
    BiomarkerCondition: "biomarker",
    ObservationCondition: "observation",
    AgeCondition: "age",
    AllCondition: "all",
    AnyCondition: "any",
    NotCondition: "not",
}

for _cls in (AllCondition, AnyCondition, NotCondition):
    _cls.model_rebuild()
