"""Receptor scores in a loaded extract: scores in ``result`` read by the guideline, and the
conflicts between results counted (the rules themselves: :mod:`retrostudy.data.receptors`).

:func:`prepare` runs on the raw ``biomarkers`` table before typing: a ``result`` holding a
score ("3+", "90%", "Allred 6", "FISH: amplified") or an empty ``result`` beside a score in
``value`` becomes the guideline's ``positive``/``negative``/``equivocal`` for that row; the
score text moves to ``value`` and an empty ``method`` is taken from the text ("IHC 2+" ->
IHC, "HER2/CEP17 ratio 2.3" -> ISH). A word result is kept as written.

:func:`discordances` runs on the typed table and reports, as warnings, specimens whose IHC
and ISH disagree and patients whose primary and metastasis results differ; the cohort's
specimen rule (``[covariates] her2_specimen``, ``hr_specimen``) decides which one is used.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd

from retrostudy.data.csv_files import scratch_table
from retrostudy.data.readers import RawTable, quote, run
from retrostudy.data.receptors import Her2Rule, her2_specimen, hormone_status, parse, row_result
from retrostudy.data.result import Finding
from retrostudy.data.values import spellings, value_key
from retrostudy.errors import Problem

_TEXT = ("marker", "method", "result", "value")
_MARKERS = spellings("biomarkers", "marker")


def prepare(con, raw: RawTable, rule: Her2Rule) -> RawTable:
    """Rewrite ``_raw_biomarkers`` so scores become results; returns the new column list."""
    if raw.table != "biomarkers" or "result" not in raw.columns or not raw.ok:
        return raw
    present = [c for c in _TEXT if c in raw.columns]
    cols = ", ".join(f"NULLIF(trim(CAST({quote(c)} AS VARCHAR)), '') AS {quote(c)}"
                     for c in present)
    create, copy = scratch_table(con, "_bio_in")  # a copy of the text: in the scratch file
    run(con, f"{create} {copy} AS SELECT * FROM {quote('_raw_biomarkers')}")
    combos = con.execute(f"SELECT DISTINCT {cols} FROM {copy}").fetchall()
    rows = []
    for combo in combos:
        texts = dict(zip(present, combo, strict=True))
        derived = _derive(texts, rule)
        if derived is not None:
            rows.append({**{f"k_{c}": texts[c] for c in present}, **derived})
    if not rows:
        return raw
    frame = pd.DataFrame(rows, dtype="string")
    con.register("_bio_frame", frame)
    run(con, "CREATE OR REPLACE TEMP TABLE _bio_map AS SELECT * FROM _bio_frame")
    con.unregister("_bio_frame")
    on = " AND ".join(f"NULLIF(trim(CAST(r.{quote(c)} AS VARCHAR)), '') IS NOT DISTINCT FROM "
                      f"m.k_{c}" for c in present)
    keep = [c for c in raw.columns if c not in ("method", "result", "value")]
    select = [f"r.{quote(c)}" for c in keep] + [
        f"CASE WHEN m.n_result IS NOT NULL THEN m.n_{c} "
        f"ELSE CAST(r.{quote(c)} AS VARCHAR) END AS {quote(c)}"
        if c in raw.columns else f"m.n_{c} AS {quote(c)}"
        for c in ("method", "result", "value")
    ]
    run(con, f"CREATE OR REPLACE TEMP VIEW {quote('_raw_biomarkers')} AS SELECT r._row, "
             f"{', '.join(select)} FROM {copy} r LEFT JOIN _bio_map m ON {on}")
    return dataclasses.replace(raw, columns=tuple(dict.fromkeys(
        (*raw.columns, "method", "value"))))


def _derive(texts: dict, rule: Her2Rule) -> dict | None:
    """New method/result/value of one distinct row, or None when nothing changes."""
    marker = _MARKERS.get(value_key(texts.get("marker") or ""))
    result, value = texts.get("result"), texts.get("value")
    if marker is None:
        return None
    in_result = parse(result, marker=marker)
    if in_result.word is not None or (result is not None and not in_result.is_score):
        return None  # a word (kept), or unreadable text (reported as an invalid value)
    reading = parse(result, value, marker=marker)
    if not reading.is_score and (result is not None or reading.word is None):
        return None
    method = texts.get("method") or reading.method
    if marker != "HER2":
        method = method or "IHC"
    status = row_result(marker, reading, rule)
    if status is None:
        return None
    shown = "; ".join(t for t in (result, value) if t)
    return {"n_method": method, "n_result": status, "n_value": shown}


def discordances(con, raw: RawTable, rule: Her2Rule) -> list:
    """Warnings: HER2 IHC vs ISH disagreeing on one specimen; a marker whose primary and
    metastasis results differ (the cohort's specimen rule picks one). None for a table
    other than biomarkers.

    The rows are grouped per specimen (patient, date, specimen, marker) in DuckDB, each
    group's readings (method, result, value in row order) encoded as one JSON text; the
    guideline rules run once per distinct (marker, readings) and the counts are SQL."""

    if raw.table != "biomarkers":
        return []
    run(con, "CREATE OR REPLACE TEMP TABLE _bio_spec AS SELECT patient_id AS pid, date, "
             "specimen, marker, min(_row) AS row, "
             "to_json(list([method, result, value] ORDER BY _row)) AS readings "
             "FROM biomarkers WHERE patient_id IS NOT NULL AND date IS NOT NULL AND "
             "specimen IS NOT NULL AND marker IS NOT NULL GROUP BY ALL")
    kinds = con.execute("SELECT DISTINCT marker, readings FROM _bio_spec").fetchall()
    if not kinds:
        return []
    verdicts = pd.DataFrame(
        [(marker, text, *_specimen_status(marker, json.loads(text), rule))
         for marker, text in kinds],
        columns=["marker", "readings", "status", "ihc_ish"],
    ).astype({"marker": "string", "readings": "string", "status": "string",
              "ihc_ish": "bool"})
    con.register("_bio_verdicts", verdicts)
    try:
        run(con, "CREATE OR REPLACE TEMP TABLE _bio_found AS SELECT s.pid, s.date, "
                 "s.specimen, s.marker, s.row, v.status, v.ihc_ish FROM _bio_spec s "
                 "JOIN _bio_verdicts v ON s.marker = v.marker AND s.readings = v.readings")
    finally:
        con.unregister("_bio_verdicts")
    order = "ORDER BY pid, date, specimen, marker LIMIT 1"
    out = []
    n = con.execute("SELECT count(*) FROM _bio_found WHERE ihc_ish").fetchall()[0][0]
    if n:
        first = con.execute(f"SELECT pid, marker, row, status FROM _bio_found WHERE ihc_ish "
                            f"{order}").fetchall()[0]
        out.append(_warning(
            n, first, raw.file, code="her2_ihc_ish_discordance",
            message="HER2 IHC and ISH disagree on one specimen (IHC 3+ with negative ISH, or "
                    "IHC 0/1+ with positive ISH); counted positive",
            hint="check the pathology report; the specimen is HER2-positive by either test"))
    # more than one specimen and more than one status (neither is null here): min <> max,
    # without the hash tables of two count(DISTINCT)s
    run(con, "CREATE OR REPLACE TEMP TABLE _bio_mixed AS SELECT pid, marker FROM _bio_found "
             "WHERE status IS NOT NULL GROUP BY pid, marker "
             "HAVING min(specimen) <> max(specimen) AND min(status) <> max(status)")
    n = con.execute("SELECT count(*) FROM _bio_mixed").fetchall()[0][0]
    if n:
        first = con.execute(
            f"SELECT f.pid, f.marker, f.row, f.status FROM _bio_found f SEMI JOIN _bio_mixed "
            f"m ON f.pid = m.pid AND f.marker = m.marker WHERE f.status IS NOT NULL "
            f"{order}").fetchall()[0]
        out.append(_warning(
            n, first, raw.file, code="receptor_discordance",
            message="{marker} result differs between primary and metastasis specimens (ER, "
                    "PgR or HER2; counted per patient and marker)",
            hint="the specimen rule ([covariates] her2_specimen / hr_specimen) decides which "
                 "result the cohort uses"))
    for table in ("_bio_spec", "_bio_found", "_bio_mixed"):
        run(con, f"DROP TABLE {table}")
    return out


def _specimen_status(marker: str, readings: list, rule: Her2Rule) -> tuple:
    """(status, IHC-ISH discordant) of one specimen from its rows' [method, result, value]."""
    rows = [(m if isinstance(m, str) else None,
             _with_word(parse(v if isinstance(v, str) else None, marker=marker), r))
            for m, r, v in readings]
    if marker == "HER2":
        her2 = her2_specimen(rows, rule)
        return her2.status, bool(her2.discordant)
    found = [hormone_status(r) for _, r in rows]
    found = ["positive" if s == "low_positive" else s for s in found if s]
    return ("positive" if "positive" in found else (found[0] if found else None)), False


def _warning(count: int, first: tuple, file, *, code: str, message: str,
             hint: str) -> Finding:
    """One counted warning (one per specimen or patient); ``first`` = (patient, marker,
    row, status) of its first specimen is the example; ``message`` may name ``{marker}``."""
    pid, marker, row, status = first
    return Finding(severity="warning", table="biomarkers", count=count, problem=Problem(
        message=f"patient {pid}: " + message.format(marker=marker),
        file=file, row=int(row), column="result", value=str(status),
        hint=hint, code=code))


def _with_word(reading, result):
    """The row's typed ``result`` as the word when its value holds no score."""
    if reading.is_score or not isinstance(result, str):
        return reading
    return dataclasses.replace(reading, word=result)
