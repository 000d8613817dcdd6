"""Lines of therapy from drug administrations (DOMAIN.md section 4.1).

Rules (all parameters in the protocol's ``[lines]`` block):

1. The drugs started within ``regimen_window_days`` (28) of a line's first drug form its
   regimen.
2. After the window, a drug not yet in the line advances to a new line (the drugs of the
   old line given within the regimen window before it carry on into the new line), except
   a listed substitution of a drug in the line (paclitaxel <-> docetaxel <-> nab-paclitaxel,
   capecitabine <-> fluorouracil) and a drug of a ``maintenance_add_classes`` class
   (endocrine) added while a ``maintenance_drugs`` drug (trastuzumab, pertuzumab) is part of
   the line. Dropping drugs never advances, so continuation maintenance (HP after the taxane
   stops) stays in its line; a HER2 drug *added* to a line that did not hold it (lapatinib +
   capecitabine -> trastuzumab + capecitabine) is a new line.
3. A treatment-free gap longer than ``gap_days`` (120) starts a new line even when the same
   drugs restart.
4. ``always_new_line`` drugs (T-DM1, T-DXd) and the index drug start a new line whenever they
   first appear, even inside the regimen window.
5. Setting: the record's own ``setting`` when recorded (``setting_from_records``), otherwise
   ``metastatic`` when the line starts on or after the metastatic diagnosis date,
   ``neoadjuvant`` when it starts before the first surgery observation, else ``adjuvant``;
   missing when there is no metastatic diagnosis date. An early-setting line whose last
   dose is at most ``early_relapse_days`` (183) before the metastatic diagnosis (or after
   it) is flagged ``early_relapse``.

Combination products (``pertuzumab+trastuzumab``) count as their components; drugs of an
``exclude_classes`` class (supportive care) never form lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrostudy.cohort.drugs import DrugLookup
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
    start: np.datetime64
    end: np.datetime64
    setting: str | None
    keys: set[str] = field(default_factory=set)
    drugs: set[str] = field(default_factory=set)
    last: dict[str, np.datetime64] = field(default_factory=dict)  # key -> last dose


@dataclass(frozen=True, slots=True)
class _Rules:
    window: np.timedelta64
    gap: np.timedelta64
    substitute: dict[str, str]
    maintenance: frozenset[str]
    maintenance_add: frozenset[str]
    always_new: frozenset[str]
    drugs: DrugLookup

    def key(self, drug: str) -> str:
        return self.substitute.get(drug, drug)

    def advance(self, line: _Line, drug: str, date: np.datetime64) -> str | None:
        """Why a record of ``drug`` on ``date`` starts a new line after ``line`` (rules 1-4):
        ``"always_new"``, ``"gap"``, ``"added_drug"``, or None when it continues the line."""
        key = self.key(drug)
        if drug in self.always_new and key not in line.keys:
            return "always_new"
        if date - line.end > self.gap:
            return "gap"
        if date - line.start <= self.window or key in line.keys:
            return None
        in_maintenance = bool(line.keys & self.maintenance)
        if in_maintenance and self.drugs.drug_class(drug) in self.maintenance_add:
            return None
        return "added_drug"


def _rules(block: LinesBlock, drugs: DrugLookup, index_drugs: tuple[str, ...]) -> _Rules:
    substitute = {d: group[0] for group in block.substitutions for d in group}
    return _Rules(
        window=np.timedelta64(block.regimen_window_days, "D"),
        gap=np.timedelta64(block.gap_days, "D"),
        substitute=substitute,
        maintenance=frozenset(block.maintenance_drugs),
        maintenance_add=frozenset(block.maintenance_add_classes),
        always_new=frozenset(block.always_new_line) | frozenset(index_drugs),
        drugs=drugs,
    )


def prepare_records(adm: pd.DataFrame, block: LinesBlock, drugs: DrugLookup) -> pd.DataFrame:
    """Line-eligible records, combinations split, one row per (patient, drug, date)."""
    frame = adm[["patient_id", "drug", "date", "end_date", "setting"]].copy()
    frame["drug"] = frame["drug"].map(drugs.components)
    frame = frame.explode("drug")
    excluded = frame["drug"].map(drugs.drug_class).isin(block.exclude_classes)
    frame = frame.loc[~excluded]
    frame["end"] = frame["end_date"].fillna(frame["date"])
    frame["end"] = frame[["end", "date"]].max(axis=1)
    frame = frame.sort_values(["patient_id", "date", "drug"], kind="stable")
    frame = frame.groupby(["patient_id", "drug", "date"], as_index=False, sort=False).agg(
        end=("end", "max"), setting=("setting", "first")
    )
    return frame.sort_values(["patient_id", "date", "drug"], kind="stable").reset_index(drop=True)


def _patient_lines(records: pd.DataFrame, rules: _Rules, from_records: bool) -> list[_Line]:
    lines: list[_Line] = []
    dates = records["date"].to_numpy()
    ends = records["end"].to_numpy()
    for drug, date, end, setting in zip(
        records["drug"], dates, ends, records["setting"], strict=True
    ):
        reason = rules.advance(lines[-1], drug, date) if lines else "first"
        if reason is not None:
            recorded = setting if from_records and isinstance(setting, str) else None
            line = _Line(start=date, end=end, setting=recorded)
            if reason == "added_drug":  # drugs still given when the new drug came continue
                line.keys = {k for k, t in lines[-1].last.items() if date - t <= rules.window}
            lines.append(line)
        line = lines[-1]
        key = rules.key(drug)
        line.keys.add(key)
        line.drugs.add(drug)
        line.last[key] = date
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
    rules = _rules(block, drugs, index_drugs)
    records = prepare_records(adm, block, drugs)
    rows = []
    for patient_id, group in records.groupby("patient_id", sort=True):
        for number, line in enumerate(_patient_lines(group, rules, block.setting_from_records), 1):
            rows.append(
                (
                    patient_id,
                    number,
                    " + ".join(sorted(line.drugs)),
                    line.start,
                    line.end,
                    line.setting,
                )
            )
    lines = pd.DataFrame(rows, columns=["patient_id", "line", "drugs", "start", "end", "setting"])
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
