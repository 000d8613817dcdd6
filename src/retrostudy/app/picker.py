"""The condition picker of the cohort page, built from the protocol's condition model.

A criterion's or group's condition is picked as a kind (``drug``, ``diagnosis``,
``biomarker``, ``observation``, ``age``: the one-key conditions of
:mod:`retrostudy.protocol.conditions`), optionally negated (``not``), with one input per
field of that kind's model: a select for a fixed set of choices, text for names (several
separated by commas) and numbers, two inputs for a window. The picked values are written
as the TOML inline table the protocol reads (``{ drug = "x", window = ["-inf", -1] }``),
so the protocol model validates them as it validates a typed condition. Conditions the
picker cannot show (``all``, ``any``, a ``not`` of a combination) stay typed TOML (the
"advanced" entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.app import meanings
from retrostudy.app.settings import inline, plain, widget_of
from retrostudy.protocol.conditions import (
    AgeCondition,
    AgeRange,
    BiomarkerCondition,
    DiagnosisCondition,
    DrugCondition,
    ObservationCondition,
)

KINDS = {"drug": DrugCondition, "diagnosis": DiagnosisCondition,
         "biomarker": BiomarkerCondition, "observation": ObservationCondition,
         "age": AgeCondition}
ADVANCED = "toml"  # the kind select's value for a condition typed as TOML
NAMES = ("drug", "diagnosis", "value")  # one name or several, comma-separated
NEW_WINDOW = ("-inf", "-1")  # a new condition's window: before the index day


@dataclass(frozen=True, slots=True)
class Input:
    """One input of the picker: ``name`` is the form field (``<row>.<part>``)."""

    key: str  # the condition's key (window and age have two inputs each)
    part: str  # "window_start", "age_min", ... or the key itself
    name: str
    choices: tuple[str, ...]  # a select when not empty
    value: str
    doc: str
    required: bool


def inputs(kind: str, row: str, values: dict[str, str] | None = None,
           lang: str = "en") -> list[Input]:
    """The picker's inputs for a condition ``kind`` in form row ``row`` (``c0``, ``g1``),
    filled from ``values`` (part -> text; a new condition has an open-start window), each
    with its key's meaning in the interface language ``lang``."""
    values = values if values is not None else {"window_start": NEW_WINDOW[0],
                                                "window_end": NEW_WINDOW[1]}
    model = KINDS[kind]
    out = []
    for key, field in model.model_fields.items():
        if key == "age":
            out += [Input("age", f"age_{end}", f"{row}.age_{end}", (),
                          values.get(f"age_{end}", ""), meanings.meaning(lang, AgeRange, end),
                          False)
                    for end in ("min", "max")]
            continue
        parts = ("window_start", "window_end") if key == "window" else (key,)
        _, choices, _ = widget_of(field.annotation)
        for part in parts:
            out.append(Input(key, part, f"{row}.{part}", choices if key != "window" else (),
                             values.get(part, ""), meanings.meaning(lang, model, key),
                             field.is_required()))
    return out


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def picked(when) -> dict | None:
    """``{kind, negate, values}`` for a condition the picker can show, else None."""
    when = plain(when)
    if not isinstance(when, dict):
        return None
    negate = set(when) == {"not"}
    inner = plain(when["not"]) if negate else when
    if not isinstance(inner, dict):
        return None
    kinds = [k for k in KINDS if k in inner]
    if len(kinds) != 1 or not set(inner) <= set(KINDS[kinds[0]].model_fields):
        return None
    values = {}
    for key, value in inner.items():
        if key == "window" and isinstance(value, list) and len(value) == 2:
            values["window_start"], values["window_end"] = (_text(v) for v in value)
        elif key == "age" and isinstance(value, dict):
            values.update({f"age_{k}": _text(v) for k, v in value.items()})
        elif key != "window":
            values[key] = _text(value)
        else:
            return None
    return {"kind": kinds[0], "negate": negate, "values": values}


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        return text  # the protocol model refuses it with its own message


def _bound(text: str):
    return text if text.lower() in ("-inf", "inf") else _number(text)


def condition(kind: str, row: str, form) -> str:
    """The TOML inline table of the condition picked in ``row`` ('' for an empty row)."""
    got = {i.part: str(form.get(i.name, "")).strip() for i in inputs(kind, row)}
    if not (got.get(kind) if kind != "age" else got["age_min"] or got["age_max"]):
        return ""  # an empty row (the blank one at the end, or one emptied to remove it)
    table: dict = {}
    for key, field in KINDS[kind].model_fields.items():
        if key == "age":
            table["age"] = {end: _number(got[f"age_{end}"]) for end in ("min", "max")
                            if got[f"age_{end}"]}
        elif key == "window":
            if got["window_start"] or got["window_end"]:
                table["window"] = [_bound(got["window_start"]), _bound(got["window_end"])]
        elif got[key] and key in NAMES:
            names = [n.strip() for n in got[key].split(",") if n.strip()]
            table[key] = names[0] if len(names) == 1 else names
        elif got[key]:
            table[key] = _number(got[key]) if field.annotation is int else got[key]
    if form.get(f"{row}.not") == "on":
        table = {"not": table}
    return inline(table)
