"""Prior therapy at index: exposures (ever, duration) and regimen counts from the lines.

Columns:

- ``ever_<drug>`` (bool) and ``duration_<drug>_days`` (int, 0 when unexposed) for each of
  ``exposure_drugs``, and ``duration_<class>_days`` for each of ``exposure_classes``,
  from records in ``exposure_window`` (default: strictly before the index day), as drug eras
  capped at the day before index (:mod:`retrostudy.cohort.eras`). ``<drug>`` is the
  ingredient with spaces and punctuation as underscores (``trastuzumab_emtansine``).
- ``prior_regimens``: metastatic lines starting before the index day whose drugs include a
  class in ``prior_regimen_classes``; missing when a prior line's setting is unknown.
- ``prior_lines_neoadjuvant``, ``prior_lines_adjuvant``, ``prior_lines_metastatic``: all
  prior lines by setting; ``prior_settings``: the settings of the prior lines in order,
  joined by ``", "``; ``early_relapse``: an early-setting line flagged by the lines rules;
  ``index_line``: the metastatic line number of the index treatment.
- one boolean column per ``combinations`` entry (e.g. ``docetaxel_trastuzumab_pertuzumab``):
  some line before index held all of its drugs.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from retrostudy.cohort.drugs import DrugLookup, component_rows, map_unique
from retrostudy.cohort.eras import era_totals
from retrostudy.cohort.records import days as record_days
from retrostudy.data.arrays import factor
from retrostudy.protocol.cohort import CovariatesBlock


def column_name(name: str) -> str:
    """A plain column name for a drug or class (``"nab-paclitaxel"`` -> ``"nab_paclitaxel"``)."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def prior_exposure(
    adm: pd.DataFrame, index: pd.DataFrame, block: CovariatesBlock, drugs: DrugLookup
) -> pd.DataFrame:
    """``ever_*`` and ``duration_*_days`` per patient of ``index`` (patient_id, index_date).

    Vectorised on integer codes (one row per record and ingredient, combinations split);
    the era rules are :func:`~retrostudy.cohort.eras.drug_eras`'.
    """
    out = index[["patient_id"]].set_index("patient_id")
    inside = _in_window(adm, index, block.exposure_window)
    row, comp, names = component_rows(adm["drug"], drugs)
    keep = inside[row] & (comp >= 0)
    del inside
    row, comp = row[keep], comp[keep]
    del keep
    pid = _positions(adm["patient_id"], index)[row]
    # int32 days (every kept record has a date and its patient an index date)
    index_day = np.where(pd.isna(index["index_date"]), 0, _days(index["index_date"].to_numpy()))
    date = record_days(adm["date"].to_numpy())[0][row]
    end_date, no_end = record_days(adm["end_date"].to_numpy())
    end_date, no_end = end_date[row], no_end[row]
    del row
    covered = date + np.int32(max(block.exposure_days - 1, 0))
    end = np.where(no_end, covered, np.maximum(covered, end_date))
    del end_date, no_end
    np.minimum(end, (index_day - 1).astype(np.int32)[pid], out=end)  # cap: the day before index
    gap = block.persistence_gap_days
    drug_days = _totals(pid, comp, date, end, gap, names, block.exposure_drugs, len(out))
    for name in block.exposure_drugs:
        out[f"ever_{column_name(name)}"] = drug_days[name] > 0
        out[f"duration_{column_name(name)}_days"] = drug_days[name]
    classes = np.array([drugs.drug_class(n) for n in names], dtype=object)
    ccode, cnames = pd.factorize(classes)
    class_days = _totals(
        pid, ccode[comp], date, end, gap, np.asarray(cnames, dtype=object),
        block.exposure_classes, len(out),
    )
    for name in block.exposure_classes:
        out[f"duration_{column_name(name)}_days"] = class_days[name]
    return out.reset_index()


_NAT = np.iinfo(np.int64).min


def _days(values: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (int64; NaT stays ``_NAT``)."""
    days = values.astype("datetime64[D]").astype(np.int64)
    return np.where(np.isnat(values), _NAT, days)


def _positions(ids: pd.Series, index: pd.DataFrame) -> np.ndarray:
    """Each record's patient's position in ``index`` (int32, -1 when not there)."""
    codes, distinct = factor(ids)
    pos = np.append(pd.Index(index["patient_id"]).get_indexer(distinct), -1).astype(np.int32)
    return pos[codes]


def _in_window(adm: pd.DataFrame, index: pd.DataFrame, window, rows: int = 1 << 21) -> np.ndarray:
    """Which records are dated (days from their patient's index date) in ``window``: a
    patient of ``index``, a date, and ``start <= date - index date <= stop``. Decided per
    record (not per ingredient of a combination), in blocks of ``rows`` records so the
    int64 day differences never exist for all records at once."""
    start, stop = window
    pid = _positions(adm["patient_id"], index)
    date, missing = record_days(adm["date"].to_numpy())
    index_day = np.append(_days(index["index_date"].to_numpy()), _NAT)  # last: no patient
    inside = np.zeros(len(adm), dtype=bool)
    for lo in range(0, len(adm), rows):
        part = slice(lo, lo + rows)
        day = date[part].astype(np.int64) - index_day[pid[part]]
        inside[part] = (pid[part] >= 0) & ~missing[part] & (day >= start) & (day <= stop)
    return inside


def _totals(pid, key, day, end, gap, names, wanted, n) -> dict[str, np.ndarray]:
    """Per wanted name: total era days of each of the ``n`` patients (0 when unexposed)."""
    codes = {name: i for i, name in enumerate(names)}
    want = np.array([codes.get(w, -1) for w in wanted], dtype=np.int64)
    rows = np.isin(key, want[want >= 0])
    p, k, days = era_totals(pid[rows], key[rows], day[rows], end[rows], gap)
    out = {}
    for name, code in zip(wanted, want, strict=True):
        col = np.zeros(n, dtype=np.int64)
        hit = k == code
        np.add.at(col, p[hit], days[hit])
        out[name] = col
    return out


def prior_regimens(
    lines: pd.DataFrame, index: pd.DataFrame, block: CovariatesBlock, drugs: DrugLookup
) -> pd.DataFrame:
    """Regimen counts and settings before index, from the lines-of-therapy table.

    Per patient counts are ``bincount``s over the lines' positions in ``index`` (one hash
    lookup of the patient ids, not one group-by per column).
    """
    ids = index["patient_id"]
    n = len(ids)
    pos = pd.Index(ids).get_indexer(lines["patient_id"])
    start = lines["start"].to_numpy()
    before = np.zeros(len(lines), dtype=bool)
    known = pos >= 0
    before[known] = start[known] < index["index_date"].to_numpy()[pos[known]]
    prior = lines.loc[before]
    p = pos[before]
    setting = prior["setting"]
    classes = set(block.prior_regimen_classes)
    counts = map_unique(
        prior["drugs"], lambda s: any(drugs.drug_class(d) in classes for d in s.split(" + "))
    ).fillna(False).to_numpy(dtype=bool)

    def per_patient(flags) -> np.ndarray:
        return np.bincount(p[np.asarray(flags, dtype=bool)], minlength=n)

    out = pd.DataFrame({"patient_id": ids.reset_index(drop=True)})
    regimens = pd.array(per_patient((setting == "metastatic").fillna(False) & counts),
                        dtype="Int64")
    regimens[per_patient(setting.isna()) > 0] = pd.NA
    out["prior_regimens"] = regimens
    for name in ("neoadjuvant", "adjuvant", "metastatic"):
        out[f"prior_lines_{name}"] = per_patient((setting == name).fillna(False)).astype("int64")
    out["prior_settings"] = _joined(setting, p, n)
    early = prior["early_relapse"].astype("boolean").fillna(False)
    out["early_relapse"] = pd.array(per_patient(early) > 0, dtype="boolean")
    for name, combo in block.combinations.items():
        held = map_unique(prior["drugs"], lambda s, c=combo: set(c) <= set(s.split(" + ")))
        out[column_name(name)] = pd.array(per_patient(held.fillna(False)) > 0, dtype="boolean")
    at = lines["index_line"].to_numpy(dtype=bool) & known
    first_pos, first_row = np.unique(pos[at], return_index=True)  # each patient's first
    index_line = pd.array(np.full(n, pd.NA), dtype="Int64")
    index_line[first_pos] = lines["metastatic_line"].to_numpy()[np.flatnonzero(at)[first_row]]
    out["index_line"] = index_line
    return out


def _joined(setting: pd.Series, pos: np.ndarray, n: int) -> pd.Series:
    """Per patient position ``0..n-1``: the settings in line order joined by ``", "`` ("" if
    none)."""
    order = np.argsort(pos, kind="stable")
    values = pa.array(setting.astype(object).fillna("unknown").to_numpy()[order], pa.string())
    offsets = np.concatenate([[0], np.cumsum(np.bincount(pos, minlength=n))])
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)
    return pd.Series(pc.binary_join(lists, ", ").to_numpy(zero_copy_only=False)).astype("string")
