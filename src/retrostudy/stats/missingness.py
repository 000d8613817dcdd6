"""Missing values per covariate and group: the table a reader needs before trusting an
imputation or a complete-case analysis (Sterne et al. 2009, BMJ 338:b2393: report the number
of participants with missing data for each variable, by group).

A value is missing when it is None or NaN. Percentages are over the group's size (the
overall column over everyone), rounded by the report, not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingCell:
    """Missing values of one covariate in one group (``group`` None: everyone)."""

    covariate: str
    group: object | None
    n: int
    n_missing: int
    percent_missing: float | None  # None for a group with no patients


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingnessTable:
    """Rows per covariate, cells per group then overall; ``complete_cases`` per group."""

    covariates: tuple[str, ...]
    groups: tuple
    cells: tuple[MissingCell, ...]
    complete_cases: Mapping[object, int]

    def cell(self, covariate: str, group=None) -> MissingCell:
        for c in self.cells:
            if c.covariate == covariate and c.group == group:
                return c
        raise KeyError(f"no cell for covariate {covariate!r} and group {group!r}")


def _missing(values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "fc":
        return np.isnan(arr)
    if arr.dtype.kind in "iub":
        return np.zeros(arr.shape, bool)
    return np.array([v is None or (isinstance(v, float) and v != v) for v in arr], bool)


def _groups(data, group, group_order, n) -> tuple[np.ndarray, tuple]:
    if group is None:
        return np.zeros(n, dtype=object), ()
    if group not in data:
        raise ValueError(f"group column {group!r} is not a column")
    g = np.asarray(data[group], dtype=object)
    gm = _missing(data[group])
    if gm.any():
        i = int(np.flatnonzero(gm)[0])
        raise ValueError(f"group column {group!r} is missing at row {i}; every patient needs "
                         "a group")
    present = set(g.tolist())
    levels = tuple(group_order) if group_order is not None else tuple(sorted(present, key=str))
    extra = present - set(levels)
    if extra:
        raise ValueError(f"group values {sorted(extra, key=str)} are not in group_order")
    return g, levels


def missingness_table(data: Mapping[str, Sequence], covariates: Sequence[str], *,
                      group: str | None = None,
                      group_order: Sequence | None = None) -> MissingnessTable:
    """Count missing values of each covariate per group (and overall).

    ``group`` names a column without missing values; ``group_order`` fixes the column order
    (default: sorted levels). R equivalent: ``sapply(split(df[covs], df$g), function(x)
    colSums(is.na(x)))`` and ``mice::md.pattern`` for the patterns.
    """
    n = None
    miss = {}
    for c in covariates:
        if c not in data:
            raise ValueError(f"covariate {c!r} is not a column; columns: {sorted(data)}")
        miss[c] = _missing(data[c])
        if n is not None and miss[c].size != n:
            raise ValueError(f"column {c!r} has {miss[c].size} rows, expected {n}")
        n = miss[c].size
    g, levels = _groups(data, group, group_order, n or 0)
    any_missing = np.zeros(g.size, bool)
    for c in covariates:
        any_missing |= miss[c]
    cells = []
    complete = {}
    for lev in (*levels, None):
        sel = np.ones(g.size, bool) if lev is None else g == lev
        size = int(sel.sum())
        complete[lev] = int((sel & ~any_missing).sum())
        for c in covariates:
            k = int((miss[c] & sel).sum())
            cells.append(MissingCell(covariate=c, group=lev, n=size, n_missing=k,
                                     percent_missing=100.0 * k / size if size else None))
    return MissingnessTable(covariates=tuple(covariates), groups=levels, cells=tuple(cells),
                            complete_cases=complete)
