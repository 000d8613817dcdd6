"""Reading and writing study.toml from the app: comment-preserving edits, validated by the
protocol model before anything is written, and last-writer detection.

Edits go through :mod:`tomlkit`, which keeps every comment, blank line and key order the
file had, so the file stays the diff-friendly, commented document ``retrostudy init`` wrote
(or the user typed). A page that edits the file carries the SHA-256 of the bytes it was
built from; a save whose file changed on disk since (another tab, an editor) is refused
with :class:`Conflict`, which holds the diff between the file now and the edit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Table

from retrostudy.errors import Problem, ProtocolError
from retrostudy.protocol.load import parse_protocol
from retrostudy.protocol.model import Protocol


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(path: Path) -> tuple[str, str]:
    """The file's text and its SHA-256."""
    text = path.read_text(encoding="utf-8")
    return text, digest(text)


@dataclass(frozen=True, slots=True)
class Conflict(Exception):
    """The file changed on disk after the page was built: nothing was written."""

    path: Path
    diff: str


def parse(text: str, path: Path) -> Protocol:
    """``text`` as the protocol ``retrostudy run`` would read from ``path`` (a
    :class:`~retrostudy.errors.ProtocolError` listing every problem otherwise)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(Problem(message=f"not valid TOML: {exc}", file=str(path))) from None
    return parse_protocol(raw, base_dir=path.parent.resolve(), source=str(path))


def save(path: Path, text: str, based_on: str) -> None:
    """Write ``text`` to ``path`` if the file is still the one the edit started from
    (``based_on``: its SHA-256) and ``text`` is a valid protocol; atomically (a temporary
    file beside it, then a rename)."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if digest(current) != based_on:
        diff = "".join(difflib.unified_diff(
            current.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"{path.name} (on disk now)", tofile=f"{path.name} (your edit)"))
        raise Conflict(path, diff)
    parse(text, path)
    tmp = path.with_name(f".{path.name}.app-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def inline(text: str, key: str):
    """A TOML value typed in a form (``{ drug = "x", window = ["-inf", -1] }``)."""
    try:
        return tomlkit.parse(f"value = {text.strip()}\n")["value"]
    except Exception as exc:  # tomlkit raises several parse error types
        raise ProtocolError(Problem(message=f"not a TOML value: {exc}", key=key,
                                    value=text.strip())) from None


def _date(text: str, key: str):
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ProtocolError(Problem(message="not a date (YYYY-MM-DD)", key=key,
                                    value=text)) from None


def _set(table, key: str, value) -> None:
    """Set ``key`` unless it already holds ``value`` (an unchanged key keeps its format)."""
    if value is None or value == "":
        if key in table:
            del table[key]
        return
    old = table.get(key)
    if old is not None and _plain(old) == _plain(value):
        return
    table[key] = value


def _plain(item):
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if unwrap else item


def _edit_list(doc, path: tuple[str, ...], rows: list[dict]) -> None:
    """Make the array of tables at ``path`` hold ``rows`` (in order), editing existing
    tables in place so their comments stay."""
    parent = doc
    for part in path[:-1]:
        if part not in parent:
            parent[part] = tomlkit.table()
        parent = parent[part]
    name = path[-1]
    if name not in parent or not isinstance(parent[name], AoT):
        if not rows:
            return
        parent[name] = tomlkit.aot()
    aot = parent[name]
    while len(aot) > len(rows):
        del aot[len(aot) - 1]
    for i, row in enumerate(rows):
        if i >= len(aot):
            aot.append(tomlkit.table())
        table: Table = aot[i]
        for key, value in row.items():
            _set(table, key, value)


def edit_cohort(text: str, form: dict) -> str:
    """``text`` with the index, criteria and groups of the cohort form applied.

    ``form`` holds ``index`` (label, drug, start, end, occurrence), ``criteria`` and
    ``groups`` (lists of dicts: label, action / name, and ``when`` as typed TOML), and
    ``reference``; several index drugs are typed comma-separated. Rows with neither label
    nor condition are left out."""
    doc = tomlkit.parse(text)
    index = form["index"]
    if "index" not in doc:
        doc["index"] = tomlkit.table()
    for key in ("label", "occurrence"):
        _set(doc["index"], key, index.get(key, "").strip())
    drugs = [d.strip() for d in index.get("drug", "").split(",") if d.strip()]
    _set(doc["index"], "drug", drugs[0] if len(drugs) == 1 else drugs or None)
    for key in ("start", "end"):
        value = index.get(key, "").strip()
        _set(doc["index"], key, _date(value, f"index.{key}") if value else None)
    criteria = [{"label": c["label"].strip(), "action": c["action"],
                 "when": inline(c["when"], f"criteria[{i}].when")}
                for i, c in enumerate(form["criteria"]) if c["label"].strip() or c["when"].strip()]
    _edit_list(doc, ("criteria",), criteria)
    groups = [{"name": g["name"].strip(), "label": g["label"].strip(),
               "when": inline(g["when"], f"groups.group[{i}].when")}
              for i, g in enumerate(form["groups"]) if g["name"].strip() or g["when"].strip()]
    _edit_list(doc, ("groups", "group"), groups)
    if form.get("reference", "").strip():
        if "groups" not in doc:
            doc["groups"] = tomlkit.table()
        _set(doc["groups"], "reference", form["reference"].strip())
    return tomlkit.dumps(doc)


def edit_profile(text: str, profile: str) -> str:
    """``text`` with ``[analyses] profile`` set (the block is added when missing)."""
    doc = tomlkit.parse(text)
    if "analyses" not in doc:
        doc["analyses"] = tomlkit.table()
    _set(doc["analyses"], "profile", profile)
    return tomlkit.dumps(doc)


def cohort_form(text: str) -> dict:
    """The cohort blocks of ``text`` as the form shows them (conditions as typed TOML)."""
    doc = tomlkit.parse(text)
    index = doc.get("index", {})

    def shown(item) -> str:
        return item.as_string().strip() if hasattr(item, "as_string") else str(item)

    def when(table) -> str:
        return shown(table["when"]) if "when" in table else ""

    groups = doc.get("groups", {})
    fields = {k: _plain(index[k]) if k in index else "" for k in
              ("label", "drug", "start", "end", "occurrence")}
    if isinstance(fields["drug"], list):  # several index drugs: typed comma-separated
        fields["drug"] = ", ".join(fields["drug"])
    return {
        "index": {k: str(v) for k, v in fields.items()},
        "criteria": [{"label": str(c.get("label", "")), "action": str(c.get("action", "")),
                      "when": when(c)} for c in doc.get("criteria", [])],
        "groups": [{"name": str(g.get("name", "")), "label": str(g.get("label", "")),
                    "when": when(g)} for g in groups.get("group", [])],
        "reference": str(groups.get("reference", "")),
    }
