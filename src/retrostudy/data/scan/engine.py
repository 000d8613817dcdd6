"""Scan an extract: profile every source, propose tables and columns, check the values.

:func:`scan_extract` is the engine behind ``retrostudy init``. It reads every file and
sheet (:mod:`.sources`), profiles each column (:mod:`.profile`), proposes the canonical
table of each source and the header of each canonical column (:mod:`.match`), then looks
at the values of the proposed columns: drug spellings the vocabulary does not know,
response and biomarker spellings the loader would reject (each with the nearest known
spellings), which antineoplastic most patients received (the guessed index drug) and the
most balanced split of those patients by a drug received before it (the guessed groups).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from retrostudy.data.scan.match import fit_table
from retrostudy.data.scan.model import (
    DrugUse,
    GroupGuess,
    ScanReport,
    SourceScan,
    Spelling,
    TableScore,
)
from retrostudy.data.scan.notes import notes_for
from retrostudy.data.scan.profile import normal, profile_column
from retrostudy.data.scan.sources import RawSource, sources
from retrostudy.data.schema import TABLES
from retrostudy.data.values import categorical_columns, spellings, value_key
from retrostudy.data.vocabulary import DrugEntry, Vocabulary, load_vocabulary

MAX_ROWS = 200_000
TABLE_MIN = 0.5  # a source is proposed for a table only at this fit or above
NOT_ANTINEOPLASTIC = ("supportive", "other")


def scan_extract(root: str | Path, *, drugs: Iterable[DrugEntry] = (),
                 responses: Mapping[str, str] | None = None, index_drug: str | None = None,
                 max_rows: int = MAX_ROWS) -> ScanReport:
    """Scan the folder or workbook ``root``; ``drugs`` and ``responses`` extend the
    vocabularies as ``[[data.drugs]]`` and ``[data.responses]`` would; ``index_drug``
    replaces the guessed one (the groups are then guessed around it)."""
    root = Path(root).resolve()
    responses = dict(responses or {})
    vocabulary = load_vocabulary(drugs)
    raws = list(sources(root, max_rows))
    profiles = [_profiles(raw, vocabulary, responses) for raw in raws]
    overlaps = _id_overlaps(raws, profiles)
    fits = [{t: fit_table(t, p, o) for t in TABLES} if p else {}
            for p, o in zip(profiles, overlaps, strict=True)]
    chosen = _assign(fits)
    scans = tuple(_source_scan(raw, prof, fit, chosen.get(i))
                  for i, (raw, prof, fit) in enumerate(zip(raws, profiles, fits, strict=True)))
    frames = {s.table: _mapped(raw, s) for raw, s in zip(raws, scans, strict=True) if s.table}
    uses = _drug_uses(frames.get("drug_administrations"), vocabulary)
    guessed = next((u.ingredient for u in uses if u.drug_class not in NOT_ANTINEOPLASTIC), None)
    index = vocabulary.normalise(index_drug) or index_drug if index_drug else guessed
    report = ScanReport(
        root=str(root), sources=scans,
        unknown=_unknown(scans, frames, vocabulary, responses),
        drugs=uses, diagnoses=_diagnoses(frames.get("diagnoses")), index_drug=index,
        index_guessed=index_drug is None and index is not None,
        groups=guess_groups(frames.get("drug_administrations"), scans, vocabulary, index),
    )
    return _with_notes(report)


def _with_notes(report: ScanReport) -> ScanReport:
    return replace(report, notes=notes_for(report))


def _profiles(raw: RawSource, vocabulary: Vocabulary, responses) -> tuple:
    if raw.frame is None:
        return ()
    return tuple(profile_column(h, raw.frame[h], vocabulary, responses)
                 for h in raw.frame.columns)


def _id_overlaps(raws, profiles) -> list[dict[str, float]]:
    """Per source and column: the share of its values found in an id-like column of
    another source (patient ids recur across the tables of one extract)."""
    sets = []
    for raw, prof in zip(raws, profiles, strict=True):
        sets.append({p.header: set(raw.frame[p.header]) - {""} for p in prof
                     if p.id_like >= 0.8})
    out = []
    for i, columns in enumerate(sets):
        others = set().union(*(v for j, s in enumerate(sets) if j != i for v in s.values()))
        out.append({h: (len(v & others) / len(v) if v else 0.0) for h, v in columns.items()})
    return out


def _assign(fits: list[dict]) -> dict[int, str]:
    """Each table to at most one source and each source to at most one table, best fit
    first (the loader reads one source per table)."""
    pairs = sorted(((f.score, i, t) for i, by_table in enumerate(fits)
                    for t, f in by_table.items() if f.score >= TABLE_MIN),
                   key=lambda p: (-p[0], p[1], list(TABLES).index(p[2])))
    chosen: dict[int, str] = {}
    for _, i, table in pairs:
        if i not in chosen and table not in chosen.values():
            chosen[i] = table
    return chosen


def _source_scan(raw: RawSource, profiles, fits, table: str | None) -> SourceScan:
    scores = tuple(sorted((TableScore(table=t, score=f.score) for t, f in fits.items()),
                          key=lambda s: -s.score))
    if table is None:
        best = scores[0] if scores else None
        why = raw.unread or ("no table fits" if best is None or best.score < TABLE_MIN else
                             f"fits {best.table} ({best.score:.2f}), but another source fits "
                             "it better")
        return SourceScan(file=raw.file, sheet=raw.sheet, rows=raw.rows, encoding=raw.encoding,
                          columns=profiles, table=None, confidence=0.0, reason=why,
                          scores=scores, unread=raw.unread)
    fit = fits[table]
    runner = next((s for s in scores if s.table != table), None)
    margin = f"; next best {runner.table} {runner.score:.2f}" if runner else ""
    reason = (f"its columns fit {table} best ({fit.score:.2f}{margin}): "
              + ", ".join(f"{p.column} = {p.header!r}" for p in fit.mapping))
    return SourceScan(file=raw.file, sheet=raw.sheet, rows=raw.rows, encoding=raw.encoding,
                      columns=profiles, table=table, confidence=fit.score, reason=reason,
                      mapping=fit.mapping, scores=scores)


def _mapped(raw: RawSource, scan: SourceScan) -> pd.DataFrame:
    """The source's proposed columns under their canonical names, plus the date columns
    read with their detected formats."""
    frame = pd.DataFrame({p.column: raw.frame[p.header] for p in scan.mapping})
    for p in scan.mapping:
        date = scan.profile(p.header).date
        if TABLES[scan.table].column(p.column).type == "date" and date and date.formats:
            frame["_" + p.column] = _parse(frame[p.column], date.formats)
    return frame


def _parse(values: pd.Series, formats) -> pd.Series:
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    text = values.map(normal)
    for fmt in formats:
        out = out.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    return out


def _drug_uses(frame: pd.DataFrame | None, vocabulary: Vocabulary) -> tuple[DrugUse, ...]:
    if frame is None or "drug" not in frame or "patient_id" not in frame:
        return ()
    ingredient = frame["drug"].map(vocabulary.normalise)
    known = frame.assign(_ingredient=ingredient).dropna(subset=["_ingredient"])
    uses = [DrugUse(ingredient=name, drug_class=vocabulary.classes.get(name, "other"),
                    patients=int(g["patient_id"].nunique()), records=len(g))
            for name, g in known.groupby("_ingredient")]
    return tuple(sorted(uses, key=lambda u: (-u.patients, -u.records, u.ingredient)))


def guess_groups(frame, scans, vocabulary: Vocabulary, index: str | None) -> GroupGuess | None:
    """The drug received before the index drug that splits its patients most evenly
    (at least two patients on each side), or None."""
    if frame is None or index is None or "_date" not in frame:
        return None
    data = frame.assign(_ingredient=frame["drug"].map(vocabulary.normalise)).dropna(
        subset=["_ingredient", "_date"])
    first = data[data["_ingredient"] == index].groupby("patient_id")["_date"].min()
    prior = data.join(first.rename("_index"), on="patient_id", how="inner")
    prior = prior[prior["_date"] < prior["_index"]]
    n = len(first)
    best = None
    for drug, patients in prior.groupby("_ingredient")["patient_id"].nunique().items():
        if drug == index or vocabulary.classes.get(drug, "other") in NOT_ANTINEOPLASTIC:
            continue
        if min(patients, n - patients) >= 2 and (best is None or
                                                 abs(n - 2 * patients) < abs(n - 2 * best[1])):
            best = (drug, patients)
    return GroupGuess(drug=best[0], exposed=best[1], unexposed=n - best[1]) if best else None


def _diagnoses(frame: pd.DataFrame | None) -> tuple[str, ...]:
    if frame is None or "diagnosis" not in frame:
        return ()
    return tuple(sorted(set(frame["diagnosis"].map(normal)) - {""}))


def _unknown(scans, frames, vocabulary: Vocabulary, responses) -> tuple[Spelling, ...]:
    out: list[Spelling] = []
    for scan in scans:
        if scan.table is None:
            continue
        frame, headers = frames[scan.table], {p.column: p.header for p in scan.mapping}
        for column in ("drug", *categorical_columns(scan.table)):
            if column in frame and column in headers:
                where = f"{scan.label}, column {headers[column]!r}"
                out += _column_unknown(scan.table, column, frame[column], where, vocabulary,
                                       responses)
    return tuple(out)


def _column_unknown(table, column, values: pd.Series, where, vocabulary, responses):
    counts = values[values != ""].value_counts()
    if column == "drug":
        unknown = [v for v in counts.index if vocabulary.normalise(v) is None]
        return [Spelling(domain="drug", value=v, count=int(counts[v]), source=where,
                         suggestions=vocabulary.suggest(v)) for v in unknown]
    known = spellings(table, column, responses if column == "response" else ())
    domain = "response" if column == "response" else f"{table}.{column}"
    out = []
    for value in counts.index:
        if value_key(value) in known:
            continue
        near = difflib.get_close_matches(value_key(value), list(known), n=3, cutoff=0.6)
        out.append(Spelling(domain=domain, value=value, count=int(counts[value]), source=where,
                            suggestions=tuple(dict.fromkeys(known[k] for k in near))))
    return out
