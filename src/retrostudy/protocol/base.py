"""Shared base for protocol blocks: frozen, strict (unknown keys are errors), JSON round-trip.

Also the small value types several blocks share: a :data:`Window` of days relative to the
index date and a list-or-single :data:`Names` value.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError


class Block(BaseModel):
    """A strict protocol block: frozen, unknown keys rejected, aliases used when dumping.

    A key's documented meaning is the string literal under it (an attribute docstring):
    pydantic makes it the field's ``description``, so ``retrostudy schema`` and the app
    show it beside the key (docs/protocol.md has the same meanings, with examples).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True,
        use_attribute_docstrings=True,
    )


_WINDOW_HELP = (
    "a window is [start, end]: whole days relative to the index date (index day = 0, ends "
    'inclusive), "-inf" for an open start and "inf" for an open end, start <= end; '
    'e.g. ["-inf", -1] = strictly before the index day'
)


def _bound(value: Any, *, open_text: str) -> float:
    """A window end: a whole number of days, or the open end ``open_text`` ("-inf"/"inf")."""
    infinite = -math.inf if open_text == "-inf" else math.inf
    if isinstance(value, str) and value.strip().lower() == open_text:
        return infinite
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PydanticCustomError("window", _WINDOW_HELP)
    if value == infinite or (math.isfinite(value) and float(value).is_integer()):
        return float(value)
    raise PydanticCustomError("window", _WINDOW_HELP)


def _parse_window(value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise PydanticCustomError("window", _WINDOW_HELP)
    start = _bound(value[0], open_text="-inf")
    end = _bound(value[1], open_text="inf")
    if start > end:
        raise PydanticCustomError("window", _WINDOW_HELP)
    return (start, end)


def _dump_bound(value: float) -> int | str:
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return int(value)


Window = Annotated[
    tuple[float, float],
    BeforeValidator(_parse_window),
    PlainSerializer(lambda w: [_dump_bound(w[0]), _dump_bound(w[1])], return_type=list),
    # what a protocol file holds (whole days or an open end), for `retrostudy schema`
    WithJsonSchema({
        "type": "array", "minItems": 2, "maxItems": 2, "description": _WINDOW_HELP,
        "prefixItems": [{"anyOf": [{"type": "integer"}, {"const": "-inf"}]},
                        {"anyOf": [{"type": "integer"}, {"const": "inf"}]}],
    }),
]
"""Days relative to the index date, ``(start, end)``, both ends inclusive.

Open ends are ``-inf``/``inf`` (written ``"-inf"``/``"inf"`` in TOML and JSON). Finite
bounds are whole days; ``[-inf, -1]`` means strictly before the index day and ``[0, 0]`` the
index day itself.
"""


def _parse_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise PydanticCustomError("names", "expected a name or a non-empty list of names (strings)")
    return tuple(v.strip() for v in value)


def _dump_names(value: tuple[str, ...]) -> str | list[str]:
    return value[0] if len(value) == 1 else list(value)


Names = Annotated[
    tuple[str, ...],
    BeforeValidator(_parse_names),
    PlainSerializer(_dump_names),
    WithJsonSchema({"anyOf": [{"type": "string"},
                              {"type": "array", "items": {"type": "string"}, "minItems": 1}]}),
]
"""One name or a list of names; stored as a tuple, written back as given (str when one)."""


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(
        "date", "expected a calendar date written YYYY-MM-DD (e.g. 2014-04-01), without a time"
    )


Date = Annotated[dt.date, BeforeValidator(_parse_date)]
"""A calendar date: a TOML date (``2014-04-01``) or an ISO string (``"2014-04-01"``)."""


def window_label(window: tuple[float, float]) -> str:
    """Readable ``[start, end]`` for messages and reports."""
    return f"[{_dump_bound(window[0])}, {_dump_bound(window[1])}]"
