"""Form fields for protocol keys, built from the protocol model itself.

A key's widget follows its type in the model: a fixed set of choices (``Literal``) is a
select, a yes/no key a select of true/false, a list of choices a set of checkboxes, a
number or a name a text input; a key whose value is a table or a list of tables is shown,
not edited (the study file holds it). Each field carries the key's documented meaning (its
``description`` in the model, or its translation: :mod:`retrostudy.app.meanings`) and its
default. :func:`apply` writes the posted values into
a tomlkit table in place: a key left at its default and absent from the file stays absent,
an emptied key is removed (its default applies again), anything else is written as typed
and left to the protocol model to accept or refuse.
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticUndefined

from retrostudy.app import meanings

BOOL = ("true", "false")


@dataclass(frozen=True, slots=True)
class Setting:
    """One key of a block as a form field (``name`` is the form field's name)."""

    key: str
    name: str
    widget: str  # "select", "checks", "text" or "shown" (not editable here)
    choices: tuple[str, ...]
    value: Any  # text for select/text, a tuple of checked choices for checks
    default: str
    doc: str
    optional: bool  # the key may be absent with no value (None): offered as a choice


def _args(annotation) -> tuple:
    return typing.get_args(annotation)


def _is_union(annotation) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _strip_none(annotation) -> tuple[Any, bool]:
    if _is_union(annotation):
        rest = [a for a in _args(annotation) if a is not type(None)]
        if len(rest) < len(_args(annotation)):
            return (rest[0] if len(rest) == 1 else functools.reduce(operator.or_, rest)), True
    return annotation, False


def _base(annotation):
    """``Annotated[X, ...]`` -> ``X``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = _args(annotation)[0]
    return annotation


def widget_of(annotation) -> tuple[str, tuple[str, ...], bool]:
    """(widget, choices, optional) for a model field's annotation."""
    inner, optional = _strip_none(_base(annotation))
    inner = _base(inner)
    origin = typing.get_origin(inner)
    if origin is Literal:
        return "select", tuple(str(a) for a in _args(inner)), optional
    if inner is bool:
        return "select", BOOL, optional
    if origin in (tuple, list) and _args(inner):
        item = _base(_args(inner)[0])
        if typing.get_origin(item) is Literal:
            return "checks", tuple(str(a) for a in _args(item)), optional
    if inner in (int, float, str):
        return "text", (), optional
    if _is_union(inner) and all(_base(a) in (int, float, str, bool) for a in _args(inner)):
        return "text", (), optional
    return "shown", (), optional


def default_of(field) -> Any:
    """The field's default as the study file would hold it (None when required/absent)."""
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return None
    else:
        value = field.default
    return TypeAdapter(field.annotation).dump_python(value, mode="json")


def text_of(value: Any) -> str:
    """A value as a form field shows it: names comma-separated, tables as TOML."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(inline(v) if isinstance(v, dict) else text_of(v) for v in value)
    if isinstance(value, dict):
        return inline(value)
    return str(value)


def inline(value) -> str:
    """``value`` (tables, lists, names, numbers, booleans) as a TOML inline value; a key
    whose value is None is left out, as the study file would leave it."""
    if isinstance(value, dict):
        body = ", ".join(f"{k} = {inline(v)}" for k, v in value.items() if v is not None)
        return f"{{ {body} }}" if body else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return tomlkit.string(str(value)).as_string()


def plain(item) -> Any:
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if unwrap else item


def settings(model: type[BaseModel], table, prefix: str, *, skip=("kind",),
             lang: str = "en") -> list[Setting]:
    """The keys of ``model`` as form fields, with the values ``table`` (the block in the
    study file, or an empty dict) holds, else the model's defaults; each key's meaning in
    the interface language ``lang``."""
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in skip:
            continue
        widget, choices, optional = widget_of(field.annotation)
        default = default_of(field)
        value = plain(table[key]) if key in table else default
        if widget == "checks":
            value = tuple(str(v) for v in ([value] if isinstance(value, str) else value or ()))
        else:
            value = text_of(value)
        out.append(Setting(key=key, name=f"{prefix}.{key}", widget=widget, choices=choices,
                           value=value, default=text_of(default),
                           doc=meanings.meaning(lang, model, name),
                           optional=optional))
    return out


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text  # the protocol model refuses it with its own message


def parse(setting: Setting, model: type[BaseModel], form) -> Any:
    """The posted value of ``setting`` as a TOML value (None: leave the key out)."""
    if setting.widget == "checks":
        return list(form.getlist(setting.name))
    text = str(form.get(setting.name, "")).strip()
    if text == "":
        return None
    if setting.widget == "select":
        return {"true": True, "false": False}[text] if setting.choices == BOOL else text
    inner, _ = _strip_none(_base(model.model_fields[_field_name(model, setting.key)].annotation))
    return text if _base(inner) is str else _number(text)


def _field_name(model: type[BaseModel], key: str) -> str:
    return next(n for n, f in model.model_fields.items() if (f.alias or n) == key)


def apply(model: type[BaseModel], table, prefix: str, form, *, skip=("kind",)) -> None:
    """The posted values of ``model``'s editable keys written into ``table`` in place.

    Only keys whose field the form showed (``shown`` lists them) are touched, so a
    checkbox group with nothing ticked is told apart from a key the page did not show."""
    shown = set(form.getlist("shown"))
    for setting in settings(model, table, prefix, skip=skip):
        if setting.widget == "shown" or setting.name not in shown:
            continue
        value = parse(setting, model, form)
        field = model.model_fields[_field_name(model, setting.key)]
        if setting.key not in table:
            if value is None or value == default_of(field):
                continue  # left at the default: the file stays as it was
        elif value is None:
            del table[setting.key]
            continue
        elif plain(table[setting.key]) == value:
            continue  # unchanged: the key keeps its formatting and comment
        table[setting.key] = value


def ensure_table(parent, key: str):
    """``parent[key]``, added as an empty table when missing."""
    if key not in parent:
        parent[key] = tomlkit.table()
    return parent[key]
