"""Published-vs-reproduced and literature-comparator tables, from what the check returns.

The comparison itself (:func:`retrostudy.synth.compare_published`) belongs to the
published-check layer; this module only turns its records into display tables, and the
comparators' medians into rows for the forest-style figure.
"""

from __future__ import annotations

from retrostudy.analysis import fmt
from retrostudy.analysis.table import Row, Table, text_cells


def _records(obj) -> list[dict]:
    if obj is None:
        return []
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # a DataFrame
        return obj.to_dict(orient="records")
    rows = getattr(obj, "rows", obj)
    rows = rows() if callable(rows) else rows
    return [r if isinstance(r, dict) else dict(getattr(r, "__dict__", {}) or _slots(r)) for r in rows]


def _slots(obj) -> dict:
    return {k: getattr(obj, k) for k in getattr(obj, "__slots__", ())}


def _text(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt.num(v, 4 if abs(v) < 1 else 2, missing="")
    return "" if v is None else str(v)


def records_table(key: str, title: str, records: list[dict], footnotes: tuple[str, ...] = ()) -> Table | None:
    """A display table with one row per record; the first key is the row label."""
    if not records:
        return None
    keys = list(dict.fromkeys(k for r in records for k in r))
    rows = tuple(Row(label=_text(r.get(keys[0])), cells=text_cells(*(_text(r.get(k)) for k in keys[1:])))
                 for r in records)
    return Table(key=key, title=title, stub=keys[0].replace("_", " "),
                 columns=tuple(k.replace("_", " ") for k in keys[1:]), rows=rows, footnotes=footnotes)


def published_parts(protocol, analyses) -> tuple[object, dict[str, Table], list]:
    """(JSON-ready comparison, tables, comparator figure rows); empty without the blocks."""
    if protocol.published is None and protocol.comparators is None:
        return None, {}, []
    try:
        from retrostudy.synth import compare_published
    except ImportError:
        return None, {}, []
    comparison = compare_published(protocol, analyses)
    tables: dict[str, Table] = {}
    pub = _records(getattr(comparison, "published", None))
    comp = _records(getattr(comparison, "comparators", None))
    t = records_table("published", "Published vs reproduced", pub)
    if t:
        tables["published"] = t
    t = records_table("comparators", "Literature comparators", comp)
    if t:
        tables["comparators"] = t
    rows = [(str(r.get("label") or r.get("study")), r.get("median"), r.get("conf_low"), r.get("conf_high"),
             bool(r.get("own", False))) for r in comp if r.get("median") is not None]
    return {"published": pub, "comparators": comp}, tables, rows
