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

import pandas as pd

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
    run(con, f"CREATE OR REPLACE TEMP TABLE _bio_in AS SELECT * FROM {quote('_raw_biomarkers')}")
    combos = con.execute(f"SELECT DISTINCT {cols} FROM _bio_in").fetchall()
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
             f"{', '.join(select)} FROM _bio_in r LEFT JOIN _bio_map m ON {on}")
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
    other than biomarkers."""

    if raw.table != "biomarkers":
        return []
    file = raw.file
    frame = con.execute(
        "SELECT _row, patient_id, date, marker, method, result, value, specimen FROM biomarkers "
        "ORDER BY patient_id, date, _row").df()
    if frame.empty:
        return []
    specimens = []
    for (pid, _, specimen, marker), rows in frame.groupby(
            ["patient_id", "date", "specimen", "marker"], sort=True):
        readings = [(m if isinstance(m, str) else None,
                     _with_word(parse(v if isinstance(v, str) else None, marker=marker), r))
                    for m, r, v in zip(rows["method"], rows["result"], rows["value"],
                                       strict=True)]
        if marker == "HER2":
            her2 = her2_specimen(readings, rule)
            status, discordant = her2.status, her2.discordant
        else:
            found = [hormone_status(r) for _, r in readings]
            found = ["positive" if s == "low_positive" else s for s in found if s]
            status = "positive" if "positive" in found else (found[0] if found else None)
            discordant = False
        specimens.append((pid, marker, specimen, status, discordant, int(rows["_row"].min())))
    found = pd.DataFrame(specimens, columns=["pid", "marker", "specimen", "status",
                                             "ihc_ish", "row"])
    out = []
    ihc_ish = found[found["ihc_ish"]]
    if len(ihc_ish):
        out.append(_warning(
            ihc_ish, file, code="her2_ihc_ish_discordance",
            message="HER2 IHC and ISH disagree on one specimen (IHC 3+ with negative ISH, or "
                    "IHC 0/1+ with positive ISH); counted positive",
            hint="check the pathology report; the specimen is HER2-positive by either test"))
    known = found.dropna(subset=["status"])
    per = known.groupby(["pid", "marker"])
    mixed = per.filter(lambda g: g["specimen"].nunique() > 1 and g["status"].nunique() > 1)
    patients = mixed.drop_duplicates(["pid", "marker"])
    if len(patients):
        out.append(_warning(
            patients, file, code="receptor_discordance",
            message="{marker} result differs between primary and metastasis specimens (ER, "
                    "PgR or HER2; counted per patient and marker)",
            hint="the specimen rule ([covariates] her2_specimen / hr_specimen) decides which "
                 "result the cohort uses"))
    return out


def _warning(rows: pd.DataFrame, file, *, code: str, message: str, hint: str) -> Finding:
    """One counted warning for ``rows`` (one per specimen or patient), its first row as the
    example; ``message`` may name ``{marker}``."""
    first = rows.iloc[0]
    return Finding(severity="warning", table="biomarkers", count=len(rows), problem=Problem(
        message=f"patient {first['pid']}: " + message.format(marker=first["marker"]),
        file=file, row=int(first["row"]), column="result", value=str(first["status"]),
        hint=hint, code=code))


def _with_word(reading, result):
    """The row's typed ``result`` as the word when its value holds no score."""
    if reading.is_score or not isinstance(result, str):
        return reading
    return dataclasses.replace(reading, word=result)
