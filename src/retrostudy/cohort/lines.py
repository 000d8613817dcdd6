"""Lines of therapy from drug administrations (docs/sources.md, "Lines of therapy").

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
5. A day is indivisible: the drugs given on one day go to one line, decided for the day as a
   whole (rules 2-4 on every drug of the day against the line as it stood the day before),
   so the outcome never depends on drug names. A drug started on the same day as an
   ``always_new_line`` drug is its companion, in its line (and, by rule 1, so is one started
   within the regimen window after it); two ``always_new_line`` drugs started on one day
   start one line. A drug started on an earlier day, even the day before, is judged on its
   own day: when it advances the line there (a new drug after the regimen window), it is a
   line of its own and the ``always_new_line`` drug starts the next one.
6. Setting: the first ``setting`` recorded on the line's first day, in input order
   (``setting_from_records``), otherwise
   ``metastatic`` when the line starts on or after the metastatic diagnosis date,
   ``neoadjuvant`` when it starts before the first surgery observation, else ``adjuvant``;
   missing when there is no metastatic diagnosis date. An early-setting line whose last
   dose is at most ``early_relapse_days`` (183) before the metastatic diagnosis (or after
   it) is flagged ``early_relapse``.

Combination products (``pertuzumab+trastuzumab``) count as their components; drugs of an
``exclude_classes`` class (supportive care) never form lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrostudy.cohort.drugs import DrugLookup
from retrostudy.cohort.records import Records, as_dates, prepare, prepare_records
from retrostudy.cohort.walk import chunks, walk, walk_ranks
from retrostudy.protocol.cohort import LinesBlock

__all__ = ["LINE_COLUMNS", "MAX_KEYS", "derive_lines", "prepare_records"]

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


def _line_starts(r: Records, block: LinesBlock, drugs: DrugLookup, index_drugs) -> np.ndarray:
    """Positions of the records that start a line (rules 1-5), in one pass over the days.

    Each patient-day is summed up as key sets (bit sets of substitution keys): all its keys,
    those of ``always_new_line``/index drugs, those of ``maintenance_add_classes`` drugs and
    the others. Per line the walk keeps its start and end day, the keys it holds and each
    key's last dose day; a day starts a new line when (in this order) it is the patient's
    first; it holds an always-new-line key the line lacks; it comes more than ``gap_days``
    after the line's end; or, after the regimen window, it holds a key the line lacks that
    is not a maintenance addition to a line holding a maintenance drug. A new line started
    by an added drug carries the keys last given within the regimen window before it. All
    the day's records join the line (the old one or the new one), so a line starts at the
    first record of a day and the order of the drugs within a day never matters.

    Patients are independent, so the walk advances all of them together, one day rank at a
    time (:func:`~retrostudy.cohort.walk.walk_ranks`, numpy on 64-bit key sets); with more
    than ``MAX_KEYS`` keys it falls back to :func:`~retrostudy.cohort.walk.walk`, the same
    rules one day at a time.
    """
    substitute = {d: group[0] for group in block.substitutions for d in group}
    key_names = [substitute.get(d, d) for d in r.drugs]
    kcode, keys = pd.factorize(np.asarray(key_names, dtype=object))
    maint_keys = [i for i, k in enumerate(keys) if k in block.maintenance_drugs]
    always = set(block.always_new_line) | set(index_drugs)
    add_classes = set(block.maintenance_add_classes)
    is_always = np.array([d in always for d in r.drugs], dtype=bool)
    is_add = np.array([drugs.drug_class(d) in add_classes for d in r.drugs], dtype=bool)
    rules = (maint_keys, len(keys), block.regimen_window_days, block.gap_days)
    arrays = (r.pcode, kcode.astype(r.dcode.dtype)[r.dcode], is_always[r.dcode], is_add[r.dcode],
              r.day, r.end)
    if len(keys) <= MAX_KEYS:
        return walk_ranks(*arrays, rules)
    starts = [lo + walk(*(a[lo:hi] for a in arrays), rules) for lo, hi in chunks(r.pcode)]
    return np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)


MAX_KEYS = 62  # key sets are int64 bit masks in walk_ranks


def _drug_lists(r: Records, first: np.ndarray) -> np.ndarray:
    """Each line's ingredients joined by ``" + "`` in alphabetical order."""
    if r.drugs.size <= 62:
        mask = np.bitwise_or.reduceat(np.left_shift(np.int64(1), r.dcode), first)
        uniq, inverse = np.unique(mask, return_inverse=True)
        text = [" + ".join(r.drugs[j] for j in range(r.drugs.size) if m >> j & 1) for m in uniq]
        return np.asarray(text, dtype=object)[inverse]
    line_of = np.repeat(np.arange(first.size), np.diff(np.append(first, r.dcode.size)))
    pairs = pd.DataFrame({"line": line_of, "drug": r.dcode}).drop_duplicates()
    pairs = pairs.sort_values(["line", "drug"])
    joined = pairs.groupby("line")["drug"].agg(lambda c: " + ".join(r.drugs[c.to_numpy()]))
    return joined.to_numpy(dtype=object)


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
    r = prepare(adm, block, drugs)
    first = _line_starts(r, block, drugs, index_drugs)
    pcode = r.pcode[first]
    new_patient = np.ones(first.size, dtype=bool)
    new_patient[1:] = pcode[1:] != pcode[:-1]
    at = np.arange(first.size, dtype=np.int64)
    number = at - np.maximum.accumulate(np.where(new_patient, at, 0)) + 1
    has_index = np.isin(r.drugs, list(index_drugs))[r.dcode].astype(np.int8)
    lines = pd.DataFrame(
        {
            "patient_id": r.patients[pcode],
            "line": number,
            "drugs": _drug_lists(r, first),
            "start": as_dates(r.day[first]),
            "end": as_dates(np.maximum.reduceat(r.end, first) if first.size else r.end),
            "setting": r.settings[r.day_setting[first]] if block.setting_from_records
            else [None] * first.size,
        }
    )
    contains = (np.maximum.reduceat(has_index, first) if first.size else has_index) > 0
    return _finish(lines, contains, dates, block, index_drugs)


def _finish(lines, contains, dates, block, index_drugs) -> pd.DataFrame:
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
    lines["index_line"] = _index_lines(lines, contains, merged, index_drugs)
    return lines[list(LINE_COLUMNS)].reset_index(drop=True)


def _index_lines(lines, contains, merged, index_drugs) -> np.ndarray:
    """True for the line containing an index-drug record on the index date."""
    if not index_drugs or merged["index_date"].isna().all():
        return np.zeros(len(lines), dtype=bool)
    within = (lines["start"] <= merged["index_date"]) & (merged["index_date"] <= lines["end"])
    return (contains & within.fillna(False)).to_numpy(dtype=bool)
