"""Design matrix for the Cox model from a mapping of columns (treatment contrasts).

A column is categorical when it is named in ``levels`` or holds strings or booleans.
Its first level is the reference (R's ``contr.treatment``); without ``levels`` the levels
are sorted as R's ``factor()`` sorts them, and booleans are ``[False, True]`` as R's
logical covariates. Each non-reference level becomes one 0/1 column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats._checks import object_missing


@dataclass(frozen=True, slots=True)
class Design:
    x: np.ndarray  # (n, p) float
    variables: tuple[str, ...]  # per column: covariate name
    levels: tuple[object, ...]  # per column: level (None for numeric)
    terms: tuple[tuple[str, tuple[int, ...]], ...]  # covariate -> its columns


def column(data, name, argument: str) -> np.ndarray:
    """``data[name]`` as an array, or a ValueError naming the argument and the column."""
    if not isinstance(name, str):
        raise ValueError(f"{argument} must be a column name (str), got {name!r}")
    try:
        values = data[name]
    except (KeyError, IndexError, TypeError):
        known = ", ".join(repr(k) for k in list(_keys(data))[:20])
        raise ValueError(f"{argument}: unknown column {name!r}; data has {known}") from None
    return np.asarray(values)


def _keys(data):
    keys = getattr(data, "columns", None)
    return keys if keys is not None else data.keys()


def _is_categorical(values: np.ndarray) -> bool:
    return values.dtype.kind in "OUSb"


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return object_missing(values, nan=True)
    return np.zeros(values.shape[0], bool)


def _categorical(name: str, values: np.ndarray, given) -> tuple[np.ndarray, list]:
    if given is not None:
        lv = list(given)
        if len(set(map(repr, lv))) != len(lv):
            raise ValueError(f"levels[{name!r}] has duplicated levels: {lv}")
    elif values.dtype.kind == "b":
        lv = [False, True]
    else:
        lv = sorted(set(_distinct(values)[0].tolist()), key=lambda v: (str(type(v)), v))
    lookup = {v: i for i, v in enumerate(lv)}
    try:
        codes = _codes(values, lookup)
    except KeyError as exc:
        raise ValueError(f"covariate {name!r} has value {exc.args[0]!r} that is not among "
                         f"its levels {lv}") from None
    counts = np.bincount(codes, minlength=len(lv))
    if (counts == 0).any():
        empty = [lv[i] for i in np.flatnonzero(counts == 0)]
        raise ValueError(f"covariate {name!r}: level(s) {empty} have no rows; drop them from "
                         f"levels or the data")
    return codes, lv


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The distinct values and each row's index into them (None: the values are not all of
    one plain type, e.g. mixed types, and are then taken one by one). An object array of
    one plain type is sorted as a typed array (C comparisons, not Python ones)."""
    if values.dtype.kind != "O":
        return np.unique(values, return_inverse=True)
    items = values.tolist()
    distinct = set(items)
    kinds = {type(v) for v in distinct}
    kind = _PLAIN.get(kinds.pop()) if len(kinds) == 1 else None
    out: tuple[np.ndarray, np.ndarray] | None = None
    if kind is not None:
        try:
            out = np.unique(np.array(items, dtype=kind), return_inverse=True)
        except OverflowError:  # an int beyond int64
            pass
    # numpy's fixed-width text drops trailing NULs: then two values may have merged
    if out is not None and len(out[0]) == len(distinct):
        return out
    one_by_one = np.empty(len(distinct), dtype=object)  # object: keeps every value as it is
    one_by_one[:] = list(distinct)
    return one_by_one, None


_PLAIN = {str: str, bool: bool, int: np.int64, float: np.float64}


def _codes(values: np.ndarray, lookup: dict) -> np.ndarray:
    """Each row's level index: looked up once per distinct value, not per row. A value
    without a level raises KeyError with the first such value in row order."""
    distinct, inverse = _distinct(values)
    try:
        if inverse is not None:
            index = np.array([lookup[v] for v in distinct.tolist()], dtype=np.int64)
            return index[inverse.reshape(-1)]
    except KeyError:
        pass  # name the first offending row's value, as the row-by-row lookup does
    return np.array([lookup[v] for v in values.tolist()], dtype=np.int64)


def _covariate_columns(name: str, values: np.ndarray, given, n: int):
    """The model columns of one covariate as (column, level) pairs."""
    if values.ndim != 1 or values.shape[0] != n:
        raise ValueError(f"covariate {name!r} has shape {values.shape}; expected ({n},)")
    if values.dtype.kind == "f" and given is None and np.isfinite(values).all():
        return [(values.astype(float, copy=False), None)]  # the common case: one pass
    miss = _missing(values)
    if miss.any():
        raise ValueError(f"covariate {name!r} has {int(miss.sum())} missing value(s) "
                         f"(first at position {int(np.flatnonzero(miss)[0])}); remove or "
                         f"impute them before the analysis")
    if given is not None or _is_categorical(values):
        codes, lv = _categorical(name, values, given)
        if len(lv) < 2:
            raise ValueError(f"covariate {name!r} is constant (single level {lv[0]!r})")
        return [((codes == j).astype(float), lv[j]) for j in range(1, len(lv))]
    try:
        col = values.astype(float, copy=False)
    except (TypeError, ValueError):
        raise ValueError(f"covariate {name!r} must be numeric or categorical") from None
    if not np.isfinite(col).all():
        raise ValueError(f"covariate {name!r} has infinite values")
    return [(col, None)]


def build_design(data, covariates, levels, n: int, order=None) -> Design:
    """Columns for each covariate: numeric as is, categorical as treatment contrasts.

    With ``order`` the rows are placed in that order (column-major), so the engine needs
    no unsorted copy of the design.
    """
    if isinstance(covariates, str) or not len(covariates):
        raise ValueError("covariates must be a non-empty list of column names")
    levels = dict(levels or {})
    unknown = set(levels) - set(covariates)
    if unknown:
        raise ValueError(f"levels names {sorted(unknown)} which are not in covariates")
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"covariates lists a column twice: {list(covariates)}")
    pairs: list[tuple[np.ndarray, object]] = []
    variables: list[str] = []
    terms: list[tuple[str, tuple[int, ...]]] = []
    for name in covariates:
        # numeric columns are views of the input (no copy); dummies are new 0/1 vectors
        cols = _covariate_columns(name, column(data, name, "covariates"), levels.get(name), n)
        terms.append((name, tuple(range(len(pairs), len(pairs) + len(cols)))))
        pairs += cols
        variables += [name] * len(cols)
    x = np.empty((n, len(pairs)), order="F")
    for j, (col, _) in enumerate(pairs):
        if order is None:
            x[:, j] = col
        else:  # take with mode="clip" skips the bounds pass (order is a permutation)
            np.take(col.astype(float, copy=False), order, out=x[:, j], mode="clip")
    lvls = [lv for _, lv in pairs]
    return Design(x, tuple(variables), tuple(lvls), tuple(terms))


def label(variable: str, level) -> str:
    return variable if level is None else f"{variable}={level}"


def centre(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Subtract the (weighted) column means from ``x`` in place; return the means."""
    means = (x.sum(axis=0) / x.shape[0]) if w is None else w @ x / w.sum()
    x -= means
    return means


def check_rank(design: Design, w: np.ndarray | None, means: np.ndarray | None = None) -> None:
    """Reject constant columns and name the columns that are linear combinations of others.

    Works on the p-by-p weighted Gram matrix of the centred columns (cheap at any n): a column
    is collinear when its residual variance after the previous columns is below 1e-10 of its
    own variance (a pivoted Cholesky without pivoting, in column order as R reports NA coefs).
    ``means`` given: ``design.x`` is already centred at them (:func:`centre`).
    """
    x = design.x
    if means is not None:
        gram = x.T @ (x if w is None else x * w[:, None])
    else:
        means = (x.sum(axis=0) / x.shape[0]) if w is None else w @ x / w.sum()
        gram = np.zeros((x.shape[1], x.shape[1]))
        for lo in range(0, x.shape[0], 1 << 15):  # centred in blocks: no second n-by-p copy
            xc = x[lo:lo + (1 << 15)] - means
            gram += xc.T @ (xc if w is None else xc * w[lo:lo + (1 << 15), None])
    var = np.diag(gram).copy()
    names = [label(v, lv) for v, lv in zip(design.variables, design.levels, strict=True)]
    for const in np.flatnonzero(var <= 1e-12 * np.maximum(1.0, x.shape[0] * means**2)):
        raise ValueError(f"covariate {names[const]!r} is constant; it cannot be estimated")
    scale = 1.0 / np.sqrt(var)
    corr = gram * scale[:, None] * scale[None, :]
    kept: list[int] = []
    for j in range(corr.shape[0]):
        if kept:
            sub = corr[np.ix_(kept, kept)]
            c = corr[kept, j]
            coefs = np.linalg.solve(sub, c)
            resid = corr[j, j] - c @ coefs
        else:
            coefs, resid = np.zeros(0), corr[j, j]
        if resid < 1e-10:
            others = [names[k] for k, b in zip(kept, coefs, strict=True) if abs(b) > 1e-6]
            raise ValueError(f"covariates: singular design; {names[j]!r} is a linear combination "
                             f"of {others} (collinear columns); drop one of them")
        kept.append(j)
