"""Vectorised column helpers for the OMOP writer: ids, lookups, text and Arrow columns.

Every lookup works on *distinct values*: a column is factorised (a categorical is used as
it is, without touching its rows), the mapping is applied to the few distinct values, and
the result is gathered back with one numpy ``take``. Output columns are Arrow-backed
(``int64[pyarrow]``, ``date32[pyarrow]``, ``double[pyarrow]``) or categoricals for
low-cardinality text, so building a DataFrame never copies (no block consolidation) and
the writers hand the buffers to DuckDB / Parquet as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

MISSING_HINT = "add them to the concept sets (retrostudy.data.omop.concepts / [data.omop])"


def factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(codes, distinct values as an Index); -1 = missing. A categorical is not touched."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(codes), pd.Index(uniques, dtype=object)


def used(codes: np.ndarray, n: int) -> np.ndarray:
    """Which of ``n`` distinct values occur in ``codes``."""
    return np.bincount(codes[codes >= 0], minlength=n) > 0


def lookup(column: pd.Series, mapping: Mapping, where: str, *, missing: int | None = None
           ) -> np.ndarray:
    """Each value of ``column`` through ``mapping`` as int64; a missing value → ``missing``.

    A value absent from ``mapping`` (or a missing value when ``missing`` is None) raises
    ValueError naming ``where`` and the values.
    """
    return apply(column, lambda u: mapping[u], where, missing=missing,
                 known=lambda u: u in mapping, dtype=np.int64)


def apply(column: pd.Series, func: Callable, where: str, *, missing=None,
          known: Callable | None = None, dtype=np.int64) -> np.ndarray:
    """``func`` of each distinct value, gathered back onto the rows (see :func:`lookup`)."""
    codes, uniques = factorize(column)
    occurs = np.flatnonzero(used(codes, len(uniques)))  # only these values are looked at
    values = [uniques[i] for i in occurs]
    bad = [str(u) for u in values if known is not None and not known(u)]
    if bad or (missing is None and (codes < 0).any()):
        raise ValueError(f"{where}: no OMOP concept for {sorted(bad)[:8] or ['<missing>']}; "
                         f"{MISSING_HINT}")
    table = np.zeros(len(uniques) + 1, dtype=dtype)
    table[occurs] = [func(u) for u in values]
    table[-1] = missing if missing is not None else 0
    return table[np.where(codes < 0, len(uniques), codes)]


def pair_lookup(a: pd.Series, b: pd.Series, mapping: Mapping[tuple, int], where: str,
                b_default: str) -> np.ndarray:
    """``mapping[(a, b)]`` per row (``b`` missing → ``b_default``), on distinct pairs only."""
    ca, ua = factorize(a)
    cb, ub = factorize(b)
    if (ca < 0).any():
        raise ValueError(f"{where}: a missing value")
    ua, ub = list(ua), [*ub, b_default]
    combo = ca.astype(np.int64) * len(ub) + np.where(cb < 0, len(ub) - 1, cb)
    keys = [(x, y) for x in ua for y in ub]
    bad = [keys[i] for i in np.flatnonzero(used(combo, len(keys))) if keys[i] not in mapping]
    if bad:
        raise ValueError(f"{where}: no OMOP concept for {sorted(bad)[:8]}; {MISSING_HINT}")
    return np.array([mapping.get(k, 0) for k in keys] or [0], dtype=np.int64)[combo]


def text(column: pd.Series) -> pd.Categorical:
    """A low-cardinality text column as a categorical of ``str`` (missing stays missing)."""
    codes, uniques = factorize(column)
    return pd.Categorical.from_codes(codes, categories=uniques.astype(str))


def concat_text(parts: Sequence[pd.Series]) -> pd.Categorical:
    """Text columns of several tables stacked as one categorical (codes, not strings)."""
    cats = [text(p) for p in parts]
    return pd.api.types.union_categoricals(cats, ignore_order=True) if cats else text(
        pd.Series([], dtype=object))


def strings(column: pd.Series) -> pd.arrays.ArrowExtensionArray:
    """A high-cardinality text column (e.g. patient ids) as an Arrow string column."""
    codes, uniques = factorize(column)
    dictionary = pa.array(uniques.astype(str).to_numpy(dtype=object), type=pa.string())
    indices = pa.array(codes, mask=codes < 0, type=pa.int64())
    return pd.arrays.ArrowExtensionArray(dictionary.take(indices))


def i64(values) -> pd.arrays.ArrowExtensionArray:
    return pd.arrays.ArrowExtensionArray(pa.array(np.asarray(values, dtype=np.int64)))


def f64(values) -> pd.arrays.ArrowExtensionArray:
    values = np.asarray(values, dtype=np.float64)
    return pd.arrays.ArrowExtensionArray(pa.array(values, mask=np.isnan(values)))


def days(column: pd.Series) -> np.ndarray:
    """A canonical date column as numpy ``datetime64[D]`` (NaT = missing)."""
    return np.asarray(column.to_numpy(), dtype="datetime64[D]")


def as_date(values) -> pd.arrays.ArrowExtensionArray:
    """Dates (numpy datetime64, NaT = missing) as an Arrow ``date32`` column."""
    return pd.arrays.ArrowExtensionArray(
        pa.array(np.asarray(values, dtype="datetime64[D]"), type=pa.date32()))


def frame(columns: Mapping[str, object]) -> pd.DataFrame:
    """A DataFrame of extension-array columns (no copy; every column its own block)."""
    return pd.DataFrame(dict(columns), copy=False)


class PersonIds:
    """patient_id → person_id (the 1-based row of the patient in ``patients``)."""

    def __init__(self, patient_id: pd.Series):
        codes, uniques = factorize(patient_id)
        if (codes < 0).any():
            raise ValueError("patients: a missing patient_id")
        if np.bincount(codes, minlength=len(uniques)).max(initial=0) > 1:
            raise ValueError("patients: duplicate patient_id values; ids must be unique")
        self._row = np.full(len(uniques) + 1, -1, np.int64)  # last slot: missing id
        self._row[codes] = np.arange(codes.size)
        self._uniques = uniques
        self._index: pd.Index | None = None

    def __call__(self, column: pd.Series, table: str) -> np.ndarray:
        """person_id of every row of ``column`` (a table's patient_id), int64."""
        codes, uniques = factorize(column)
        if uniques is self._uniques or (len(uniques) == len(self._uniques)
                                        and uniques.equals(self._uniques)):
            row = self._row  # the patients' own categories: codes index rows directly
        else:
            if self._index is None:
                self._index = pd.Index(self._uniques.astype(str), dtype=object)
            where = self._index.get_indexer(uniques.astype(str))
            row = np.append(self._row[where], -1)
            row[:-1][where < 0] = -1
        rows = row[codes]  # code -1 picks the last slot (-1)
        if (rows < 0).any():
            bad = column[rows < 0].astype(str).unique()[:5].tolist()
            raise ValueError(f"{table}: patient_id not in patients: {bad}")
        return rows + 1
