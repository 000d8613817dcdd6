"""Reference for the property test: the first, object-per-line implementation of the
lines-of-therapy walk (retrostudy.cohort.lines before it was vectorised). One _Line object
per line, a set per line, a Python loop over every record; slow but direct. Only tests
import it.

Changed since (issue 16): a day is indivisible. Each record of a day is judged against the
line as it stood before the day, the day starts a new line when any record would, and all
the day's records join that line; a line's setting is the first recorded on its first day
in input order. Before, records of one day were walked in drug-name order, so a companion
drug started with an always-new-line drug could form a line of its own by its name alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrostudy.cohort.drugs import DrugLookup, map_unique
from retrostudy.protocol.cohort import LinesBlock

LINE_COLUMNS = (
    "patient_id",
    "line",
    "drugs",
    "start",
    "end",
    "setting",
    "metastatic_line",
    "early_relapse",
    "index_line",
)


@dataclass(slots=True)
class _Line:
    patient_id: str
    number: int
    start: int  # days since 1970-01-01
    end: int
    setting: str | None
    keys: set[str] = field(default_factory=set)
    drugs: set[str] = field(default_factory=set)
    last: dict[str, int] = field(default_factory=dict)  # key -> day of its last dose


@dataclass(frozen=True, slots=True)
class _Rules:
    window: int
    gap: int
    maintenance: frozenset[str]

    def advance(self, line: _Line, key: str, always_new: bool, adds: bool, day: int) -> str | None:
        """Why a record (substitution ``key``, on ``day``) starts a new line after ``line``
        (rules 1-4): ``"always_new"``, ``"gap"``, ``"added_drug"``, or None to continue.
        ``adds``: the drug's class may be added during maintenance."""
        if always_new and key not in line.keys:
            return "always_new"
        if day - line.end > self.gap:
            return "gap"
        if day - line.start <= self.window or key in line.keys:
            return None
        if adds and not line.keys.isdisjoint(self.maintenance):
            return None
        return "added_drug"


def prepare_records(adm: pd.DataFrame, block: LinesBlock, drugs: DrugLookup) -> pd.DataFrame:
    """Line-eligible records, combinations split, one row per (patient, drug, date)."""
    frame = adm[["patient_id", "drug", "date", "end_date", "setting"]].copy()
    frame["drug"] = map_unique(frame["drug"], drugs.components)
    frame = frame.explode("drug")
    excluded = map_unique(frame["drug"], drugs.drug_class).isin(block.exclude_classes)
    frame = frame.loc[~excluded]
    day = frame["date"].dt.floor("D")
    first_setting = frame.groupby([frame["patient_id"], day], sort=False)["setting"].transform(
        "first"
    )
    frame["day_setting"] = first_setting
    frame["end"] = frame["end_date"].fillna(frame["date"])
    frame["end"] = frame[["end", "date"]].max(axis=1)
    frame = frame.sort_values(["patient_id", "date", "drug"], kind="stable")
    frame = frame.groupby(["patient_id", "drug", "date"], as_index=False, sort=False).agg(
        end=("end", "max"), setting=("setting", "first"), day_setting=("day_setting", "first")
    )
    return frame.sort_values(["patient_id", "date", "drug"], kind="stable").reset_index(drop=True)


def _record_arrays(records: pd.DataFrame, block: LinesBlock, drugs: DrugLookup, index_drugs):
    """Per-record inputs of the walk, as plain lists (one pass of Python over them)."""
    substitute = {d: group[0] for group in block.substitutions for d in group}
    names = records["drug"].astype(object)
    unique = pd.unique(names)
    always = set(block.always_new_line) | set(index_drugs)
    adds = {d for d in unique if drugs.drug_class(d) in set(block.maintenance_add_classes)}
    days = records["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    ends = records["end"].to_numpy().astype("datetime64[D]").astype(np.int64)
    day_setting = records["day_setting"]
    settings = day_setting.astype(object).where(day_setting.notna(), None)
    return (
        records["patient_id"].astype(object).tolist(),
        names.tolist(),
        [substitute.get(d, d) for d in names],
        names.isin(always).tolist(),
        names.isin(adds).tolist(),
        days.tolist(),
        ends.tolist(),
        settings.tolist() if block.setting_from_records else [None] * len(records),
    )


def _walk(arrays, rules: _Rules) -> list[_Line]:
    """Assign records (sorted by patient, date) to lines, patient after patient, one day
    (all records of a patient on one date) at a time."""
    lines: list[_Line] = []
    line = None
    rows = list(zip(*arrays, strict=True))
    days: dict[tuple, list] = {}
    for row in rows:
        days.setdefault((row[0], row[5]), []).append(row)
    for (pid, day), records in days.items():
        if line is not None and line.patient_id != pid:
            line = None
        if line is None:
            reason = "first"
        else:
            reasons = {rules.advance(line, r[2], r[3], r[4], day) for r in records}
            reason = next((w for w in ("always_new", "gap", "added_drug") if w in reasons), None)
        if reason is not None:
            number = 1 if line is None else line.number + 1
            setting = records[0][7]
            new = _Line(patient_id=pid, number=number, start=day, end=day, setting=setting)
            if reason == "added_drug":  # drugs still given when the new drug came continue
                new.keys = {k for k, t in line.last.items() if day - t <= rules.window}
            line = new
            lines.append(line)
        for _, drug, key, _, _, _, end, _ in records:
            line.keys.add(key)
            line.drugs.add(drug)
            line.last[key] = day
            line.end = max(line.end, end)
    return lines


def derive_lines(
    adm: pd.DataFrame,
    dates: pd.DataFrame,
    block: LinesBlock,
    drugs: DrugLookup,
    index_drugs: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Lines of therapy of every patient in ``adm``.

    Parameters
    ----------
    adm : pandas.DataFrame
        Drug administrations (canonical columns ``patient_id, drug, date, end_date, setting``).
    dates : pandas.DataFrame
        One row per patient: ``patient_id, metastatic_date, surgery_date`` and, when the
        index line is wanted, ``index_date`` (any may be missing).
    block : LinesBlock
        The rules.
    drugs : DrugLookup
        Drug classes and combination products.
    index_drugs : tuple of str
        The index drug(s): always start a line; ``index_line`` marks the line holding the
        index drug on the index date.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, line, drugs, start, end, setting, metastatic_line, early_relapse,
        index_line``; ``drugs`` is the line's ingredients joined by ``" + "`` in
        alphabetical order; ``line`` counts all lines, ``metastatic_line`` only metastatic ones.
    """
    records = prepare_records(adm, block, drugs)
    rules = _Rules(
        window=block.regimen_window_days,
        gap=block.gap_days,
        maintenance=frozenset(block.maintenance_drugs),
    )
    walked = _walk(_record_arrays(records, block, drugs, index_drugs), rules)
    lines = pd.DataFrame(
        {
            "patient_id": [w.patient_id for w in walked],
            "line": [w.number for w in walked],
            "drugs": [" + ".join(sorted(w.drugs)) for w in walked],
            "start": np.array([w.start for w in walked], dtype="datetime64[D]"),
            "end": np.array([w.end for w in walked], dtype="datetime64[D]"),
            "setting": [w.setting for w in walked],
        }
    )
    return _finish(lines, records, dates, block, index_drugs)


def _finish(lines, records, dates, block, index_drugs) -> pd.DataFrame:
    lines = lines.astype({"patient_id": "string", "drugs": "string", "setting": "string"})
    lines = lines.astype({"line": "int64", "start": "datetime64[s]", "end": "datetime64[s]"})
    cols = ["patient_id", "metastatic_date", "surgery_date", "index_date"]
    info = dates.reindex(columns=cols).astype({"patient_id": "string"})
    merged = lines.merge(info, on="patient_id", how="left")
    derived = pd.Series(pd.NA, index=merged.index, dtype="string")
    known = merged["metastatic_date"].notna()
    metastatic = known & (merged["start"] >= merged["metastatic_date"])
    neo = known & ~metastatic & (merged["start"] < merged["surgery_date"])
    derived = (
        derived.mask(known, "adjuvant").mask(neo, "neoadjuvant").mask(metastatic, "metastatic")
    )
    setting = merged["setting"].fillna(derived)
    lines["setting"] = setting.to_numpy()
    is_met = (setting == "metastatic").fillna(False).to_numpy(dtype=bool)
    counts = pd.Series(is_met.astype(int)).groupby(lines["patient_id"].to_numpy()).cumsum()
    lines["metastatic_line"] = counts.where(is_met).astype("Int64").to_numpy()
    relapse_days = (merged["metastatic_date"] - merged["end"]).dt.days
    early = setting.isin(["neoadjuvant", "adjuvant"]) & (relapse_days <= block.early_relapse_days)
    lines["early_relapse"] = early.astype("boolean").mask(~known, pd.NA).to_numpy()
    lines["index_line"] = _index_lines(lines, records, merged, index_drugs)
    return lines[list(LINE_COLUMNS)].reset_index(drop=True)


def _index_lines(lines, records, merged, index_drugs) -> np.ndarray:
    """True for the line containing an index-drug record on the index date."""
    if not index_drugs or merged["index_date"].isna().all():
        return np.zeros(len(lines), dtype=bool)
    contains = (
        lines["drugs"]
        .str.split(" + ", regex=False)
        .map(lambda ds: bool(set(ds) & set(index_drugs)))
    )
    within = (lines["start"] <= merged["index_date"]) & (merged["index_date"] <= lines["end"])
    return (contains & within.fillna(False)).to_numpy(dtype=bool)
