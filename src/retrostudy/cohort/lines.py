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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.cohort.drugs import DrugLookup, component_rows
from retrostudy.data.arrays import sort_order
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


@dataclass(frozen=True, slots=True)
class _Rules:
    window: int
    gap: int
    maintenance: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Records:
    """Line-eligible records as arrays, sorted by (patient, date, drug), one per
    (patient, drug, date): codes into ``patients``/``drugs`` (both in sorted order)."""

    patients: np.ndarray  # distinct patient ids, sorted
    drugs: np.ndarray  # distinct ingredient names, sorted
    pcode: np.ndarray  # int64 index into patients
    dcode: np.ndarray  # int64 index into drugs
    date: np.ndarray  # datetime64 (the input's unit)
    end: np.ndarray  # datetime64: latest of date and end_date over the merged records
    setting: np.ndarray  # object: first recorded setting of the merged records, or None
    day_setting: np.ndarray  # object: first recorded setting of the patient's day, or None


def _prepare(adm: pd.DataFrame, block: LinesBlock, drugs: DrugLookup) -> _Records:
    """Split combinations, drop excluded classes, merge records of one (patient, drug, date)
    (end = the latest end, setting = the first recorded one, in input order)."""
    row, dcode, names = component_rows(adm["drug"], drugs)
    excluded = [drugs.drug_class(n) in set(block.exclude_classes) for n in names]
    pcode, patients = pd.factorize(adm["patient_id"], sort=True)
    date = adm["date"].to_numpy()
    keep = (dcode >= 0) & (pcode[row] >= 0) & ~np.isnat(date[row])
    keep[keep] = ~np.asarray(excluded + [True], dtype=bool)[dcode[keep]]
    row, dcode = row[keep], dcode[keep]
    order = np.argsort(names, kind="stable") if names.size else np.zeros(0, np.int64)
    rank = np.empty(names.size, dtype=np.int64)
    rank[order] = np.arange(names.size)  # code -> alphabetical code
    dcode, names = rank[dcode], names[order]
    pcode, date = pcode[row], date[row]
    end_date = adm["end_date"].to_numpy()[row]
    end = np.where(np.isnat(end_date), date, np.maximum(end_date, date))
    setting, settings = pd.factorize(adm["setting"])
    settings = np.asarray(settings, dtype=object)
    setting = setting[row]
    order = sort_order(pcode, date.view(np.int64), dcode)  # stable: ``row`` ascends
    pcode, dcode, date, end, setting, row = (
        a[order] for a in (pcode, dcode, date, end, setting, row)
    )
    first = _run_starts(pcode, date, dcode)
    days = _run_starts(pcode, date.astype("datetime64[D]"))
    by_row = np.full(len(adm) + 1, -1, dtype=np.int64)  # row -> setting code; last: none
    by_row[row] = setting
    earliest = np.where(setting >= 0, row, len(adm))
    day_code = by_row[np.minimum.reduceat(earliest, days)] if days.size else earliest
    day_of = np.repeat(np.arange(days.size), np.diff(np.append(days, pcode.size)))
    return _Records(
        patients=np.asarray(patients, dtype=object),
        drugs=names,
        pcode=pcode[first].astype(np.int64),
        dcode=dcode[first],
        date=date[first],
        end=np.maximum.reduceat(end, first) if first.size else end,
        setting=_first_recorded(setting, first, settings),
        day_setting=np.append(settings, None)[day_code[day_of[first]]],
    )


def _run_starts(*keys: np.ndarray) -> np.ndarray:
    """Positions where any of the (sorted) ``keys`` differs from the previous row."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for k in keys:
        change[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(change)


def _first_recorded(codes: np.ndarray, first: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per run (runs start at ``first``): the first recorded value (code >= 0), else None."""
    out = np.full(first.size, None, dtype=object)
    known = np.flatnonzero(codes >= 0)
    if known.size:
        run = np.searchsorted(first, known, side="right") - 1  # ascending with ``known``
        pos = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])  # each run's first known
        out[run[pos]] = values[codes[known[pos]]]
    return out


def prepare_records(adm: pd.DataFrame, block: LinesBlock, drugs: DrugLookup) -> pd.DataFrame:
    """Line-eligible records, combinations split, one row per (patient, drug, date)."""
    r = _prepare(adm, block, drugs)
    return pd.DataFrame(
        {
            "patient_id": r.patients[r.pcode],
            "drug": r.drugs[r.dcode],
            "date": r.date,
            "end": r.end,
            "setting": r.setting,
        }
    )


def _line_starts(r: _Records, block: LinesBlock, drugs: DrugLookup, index_drugs) -> np.ndarray:
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
    time (:func:`_walk_ranks`, numpy on 64-bit key sets); with more than ``MAX_KEYS`` keys
    it falls back to :func:`_walk`, the same rules one day at a time.
    """
    substitute = {d: group[0] for group in block.substitutions for d in group}
    key_names = [substitute.get(d, d) for d in r.drugs]
    kcode, keys = pd.factorize(np.asarray(key_names, dtype=object))
    maint_keys = [i for i, k in enumerate(keys) if k in block.maintenance_drugs]
    always = set(block.always_new_line) | set(index_drugs)
    add_classes = set(block.maintenance_add_classes)
    is_always = np.array([d in always for d in r.drugs], dtype=bool)
    is_add = np.array([drugs.drug_class(d) in add_classes for d in r.drugs], dtype=bool)
    day = r.date.astype("datetime64[D]").astype(np.int64)
    end = r.end.astype("datetime64[D]").astype(np.int64)
    rules = (maint_keys, len(keys), block.regimen_window_days, block.gap_days)
    arrays = (r.pcode, kcode.astype(np.int64)[r.dcode], is_always[r.dcode], is_add[r.dcode],
              day, end)
    if len(keys) <= MAX_KEYS:
        return _walk_ranks(*arrays, rules)
    starts = [lo + _walk(*(a[lo:hi] for a in arrays), rules) for lo, hi in _chunks(r.pcode)]
    return np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)


MAX_KEYS = 62  # key sets are int64 bit masks in _walk_ranks


def _walk_ranks(pcode, key, always, add, day, end, rules) -> np.ndarray:
    """:func:`_walk` for all patients at once: step ``k`` takes every patient's ``k``-th
    day (patients ordered by day count, so the ones still walking are a prefix and the
    state arrays are sliced, not gathered). State per patient: line start and end day, the
    key set (bit mask) and each key's last day (a patients x keys array)."""
    maint_keys, n_keys, window, gap = rules
    if pcode.size == 0:
        return np.zeros(0, dtype=np.int64)
    days = _run_starts(pcode, day)  # each patient-day's first record
    size = np.diff(np.append(days, pcode.size))
    bit = np.left_shift(np.int64(1), key)
    zero = np.int64(0)
    keys_of, always_of, add_of, other_of = (
        np.bitwise_or.reduceat(np.where(m, bit, zero), days) for m in (True, always, add, ~add)
    )
    dday, dend = day[days], np.maximum.reduceat(end, days)
    first = _run_starts(pcode[days])
    count = np.diff(np.append(first, days.size))
    order = np.argsort(-count, kind="stable")
    offset, count = first[order], count[order]
    maint = np.int64(sum(1 << k for k in maint_keys))
    never = np.iinfo(np.int64).min // 2
    start = np.zeros(order.size, dtype=np.int64)
    line_end = np.zeros(order.size, dtype=np.int64)
    held = np.zeros(order.size, dtype=np.int64)
    last = np.full((order.size, n_keys), never, dtype=np.int64)
    found = []
    active = order.size
    for k in range(int(count[0])):
        while count[active - 1] <= k:
            active -= 1
        i = offset[:active] + k
        d, e = dday[i], dend[i]
        carried = np.zeros(active, dtype=np.int64)
        if k == 0:
            new = np.ones(active, dtype=bool)
        else:
            h = held[:active]
            forced = ((always_of[i] & ~h) != 0) | (d - line_end[:active] > gap)
            adds = ((other_of[i] & ~h) != 0) | (((add_of[i] & ~h) != 0) & ((h & maint) == 0))
            carry = ~forced & adds & (d - start[:active] > window)
            new = forced | carry
            rows = np.flatnonzero(carry)
            if rows.size:  # keys given within the window before the new line's first day
                recent = last[rows] >= (d[rows] - window)[:, None]
                carried[rows] = recent.astype(np.int64) @ np.left_shift(
                    np.int64(1), np.arange(n_keys, dtype=np.int64))
        rows = np.flatnonzero(new)
        found.append(days[i[rows]])
        start[rows], line_end[rows], held[rows] = d[rows], e[rows], carried[rows]
        last[rows] = never
        held[:active] |= keys_of[i]
        owner = np.repeat(np.arange(active), size[i])
        record = np.arange(owner.size) - np.repeat(np.cumsum(size[i]) - size[i], size[i])
        last[owner, key[record + days[i][owner]]] = d[owner]
        np.maximum(line_end[:active], e, out=line_end[:active])
    return np.sort(np.concatenate(found))


def _chunks(pcode: np.ndarray, size: int = 1 << 20):
    """(lo, hi) slices of about ``size`` records that never split a patient."""
    lo, n = 0, len(pcode)
    while lo < n:
        hi = min(lo + size, n)
        while hi < n and pcode[hi] == pcode[hi - 1]:
            hi += 1
        yield lo, hi
        lo = hi


def _walk(pcode, key, always, add, day, end, rules) -> np.ndarray:  # noqa: C901
    """The rules of :func:`_line_starts` one day at a time on plain ints (key sets of any
    size): the positions of the records that start a line."""
    maint_keys, _, window, gap = rules
    maint = sum(1 << k for k in maint_keys)
    bounds = np.append(_run_starts(pcode, day), pcode.size).tolist()
    pcodes, keys, always, add, days, ends = (
        a.tolist() for a in (pcode, key, always, add, day, end)
    )
    found: list[int] = []
    patient = -1
    start = end_ = held = 0
    last: dict[int, int] = {}  # key bit -> day of its last dose in the line
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        d, e = days[lo], max(ends[lo:hi])
        bits = [1 << k for k in keys[lo:hi]]
        day_keys = sum(set(bits))
        always_keys = sum({b for b, a in zip(bits, always[lo:hi], strict=True) if a})
        add_keys = sum({b for b, a in zip(bits, add[lo:hi], strict=True) if a})
        other_keys = sum({b for b, a in zip(bits, add[lo:hi], strict=True) if not a})
        fresh_add = add_keys & ~held and not held & maint
        carried = 0
        if pcodes[lo] != patient:
            new, patient = True, pcodes[lo]
        elif always_keys & ~held or d - end_ > gap:
            new = True
        elif d - start <= window or not (other_keys & ~held or fresh_add):
            new = False
        else:
            new = True
            carried = sum(b for b, t in last.items() if d - t <= window)
        if new:
            found.append(lo)
            start, end_, held, last = d, e, carried, {}
        held |= day_keys
        last.update(dict.fromkeys(bits, d))
        end_ = max(end_, e)
    return np.asarray(found, dtype=np.int64)


def _drug_lists(r: _Records, first: np.ndarray, line_of: np.ndarray) -> np.ndarray:
    """Each line's ingredients joined by ``" + "`` in alphabetical order."""
    if r.drugs.size <= 62:
        mask = np.bitwise_or.reduceat(np.left_shift(np.int64(1), r.dcode), first)
        uniq, inverse = np.unique(mask, return_inverse=True)
        text = [" + ".join(r.drugs[j] for j in range(r.drugs.size) if m >> j & 1) for m in uniq]
        return np.asarray(text, dtype=object)[inverse]
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
    r = _prepare(adm, block, drugs)
    first = _line_starts(r, block, drugs, index_drugs)
    starts = np.zeros(r.pcode.size, dtype=np.int64)
    starts[first] = 1
    line_of = np.cumsum(starts) - 1
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
            "drugs": _drug_lists(r, first, line_of),
            "start": r.date[first].astype("datetime64[D]"),
            "end": (np.maximum.reduceat(r.end, first) if first.size else r.end).astype(
                "datetime64[D]"
            ),
            "setting": r.day_setting[first] if block.setting_from_records else [None] * first.size,
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
