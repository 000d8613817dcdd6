"""A small TOML writer for protocol blocks (plain dicts, lists, strings, numbers, bools).

Tables become ``[a.b]`` sections, lists of tables ``[[a.b]]``; inside a list item every
table is written inline (``when = { drug = "x", window = ["-inf", -1] }``), as the
protocol documentation writes conditions. Dates are written as ISO strings, which the
protocol accepts. Strings use JSON escapes, which are valid TOML basic strings.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(name: str) -> str:
    return name if _BARE.match(name) else json.dumps(name, ensure_ascii=False)


def value(item) -> str:
    """``item`` as an inline TOML value."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, dt.date):
        return json.dumps(item.isoformat())
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)
    if isinstance(item, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }" \
            if item else "{}"
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(v) for v in item) + "]"
    raise TypeError(f"cannot write {type(item).__name__} as TOML")


def _is_tables(item) -> bool:
    """A list of tables written as [[...]] sections (small flat ones stay inline)."""
    if not (isinstance(item, (list, tuple)) and item and all(isinstance(v, dict) for v in item)):
        return False
    return not all(len(v) <= 2 and not any(isinstance(x, (dict, list)) for x in v.values())
                   for v in item)


def table(path: str, body: dict) -> list[str]:
    """``body`` as the section ``[path]`` with its sub-sections."""
    lines = [f"[{path}]"]
    subs = []
    for name, item in body.items():
        if isinstance(item, dict) and item:
            subs += ["", *table(f"{path}.{key(name)}", item)]
        elif _is_tables(item):
            for entry in item:
                subs += ["", *array_item(f"{path}.{key(name)}", entry)]
        else:
            lines.append(f"{key(name)} = {value(item)}")
    return lines + subs


def array_item(path: str, body: dict) -> list[str]:
    return [f"[[{path}]]", *(f"{key(k)} = {value(v)}" for k, v in body.items())]


def blocks(document: dict) -> list[str]:
    """Top-level blocks: a dict is a section, a list of dicts an array of tables."""
    lines: list[str] = []
    for name, item in document.items():
        if _is_tables(item):
            for entry in item:
                lines += [*array_item(key(name), entry), ""]
        elif isinstance(item, dict):
            lines += [*table(key(name), item), ""]
        else:
            raise TypeError(f"top-level key {name!r} must be a table or a list of tables")
    return lines
