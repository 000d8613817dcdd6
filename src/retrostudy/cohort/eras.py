"""Drug eras: continuous exposure to one ingredient (or one class), vectorised in pandas.

Follows the OHDSI drug-era logic (docs/sources.md, drug eras) adapted to infusions:

- each record covers ``[date, max(end_date, date + exposure_days - 1)]``: a 3-weekly
  infusion given on day 0 covers days 0-20 with the default ``exposure_days = 21`` (a
  regimen-level record keeps its own end date when that is later);
- exposures of the same key merge into one era when the next one starts at most
  ``persistence_gap_days`` (30) days after the current era's end;
- an era lasts ``end - start + 1`` days; ``cap`` (per patient, e.g. the day before index)
  truncates eras that run past it, so a prior-exposure duration never reaches the index day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrostudy.data.arrays import sort_order


def drug_eras(
    records: pd.DataFrame,
    *,
    key: str = "drug",
    exposure_days: int = 21,
    persistence_gap_days: int = 30,
    cap: pd.Series | None = None,
) -> pd.DataFrame:
    """Eras per ``(patient_id, key)``.

    Parameters
    ----------
    records : pandas.DataFrame
        ``patient_id``, ``key``, ``date`` and optionally ``end_date``.
    key : str
        Column the eras are built on (``"drug"`` or a class column).
    exposure_days, persistence_gap_days : int
        See the module notes.
    cap : pandas.Series, optional
        Last day that counts, indexed by ``patient_id``.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, <key>, era_start, era_end, days`` (``days`` an integer).
    """
    frame = records[["patient_id", key, "date"]].copy()
    covered = frame["date"] + pd.Timedelta(days=max(exposure_days - 1, 0))
    end = records["end_date"] if "end_date" in records else covered
    frame["end"] = pd.concat([covered, end.fillna(covered)], axis=1).max(axis=1)
    if cap is not None:
        limit = frame["patient_id"].map(cap)
        frame["end"] = frame["end"].where(~(frame["end"] > limit), limit)
    frame = frame.sort_values(["patient_id", key, "date"], kind="stable").reset_index(drop=True)
    groups = [frame["patient_id"], frame[key]]
    reach = frame.groupby(groups, sort=False)["end"].cummax()
    previous = reach.groupby(groups, sort=False).shift(1)
    gap = (frame["date"] - previous).dt.days
    starts = gap.isna() | (gap > persistence_gap_days)
    frame["era"] = starts.cumsum()
    eras = frame.groupby(["patient_id", key, "era"], as_index=False, sort=True).agg(
        era_start=("date", "min"), era_end=("end", "max")
    )
    eras["days"] = (eras["era_end"] - eras["era_start"]).dt.days.astype("int64") + 1
    return eras.drop(columns="era")


def total_days(eras: pd.DataFrame, key: str) -> pd.DataFrame:
    """Total era days per patient (rows) and key value (columns), 0 when unexposed."""
    return eras.pivot_table(
        index="patient_id", columns=key, values="days", aggfunc="sum", fill_value=0
    )


def era_totals(
    pcode: np.ndarray, kcode: np.ndarray, day: np.ndarray, end: np.ndarray, gap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total era days per (patient code, key code), on integer arrays (the fast path of
    :func:`drug_eras` + :func:`total_days` for many records).

    ``day`` and ``end`` are each record's first and last covered day (``end`` already
    extended by ``exposure_days`` and capped). Records sorted by (patient, key, day); an era
    starts where ``day`` exceeds the running maximum of ``end`` of the earlier records of
    the same (patient, key) by more than ``gap``; era days = max(end) - first day + 1.
    Returns ``(patient codes, key codes, days)``, one entry per (patient, key) present.
    """
    order = sort_order(pcode, kcode, day)
    p, k, d, e = pcode[order], kcode[order], day[order], end[order]
    del order
    n = d.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    first = np.ones(n, dtype=bool)
    first[1:] = (p[1:] != p[:-1]) | (k[1:] != k[:-1])
    group = np.cumsum(first) - 1
    low = int(min(e.min(), d.min()))
    span = int(max(e.max(), d.max())) - low + 1
    offset = group * span  # groups never overlap: a segmented running max
    reach = e.astype(np.int64)
    reach -= low
    reach += offset
    np.maximum.accumulate(reach, out=reach)
    reach -= offset
    reach += low
    del offset
    starts = first.copy()
    starts[1:] |= (d[1:] - reach[:-1]) > gap
    del reach
    at = np.flatnonzero(starts)
    days = np.maximum.reduceat(e, at) - d[at] + 1
    g_at = np.flatnonzero(first)
    era_group = group[at]
    total = np.add.reduceat(days, np.searchsorted(era_group, np.arange(g_at.size)))
    return p[g_at], k[g_at], total.astype(np.int64)
