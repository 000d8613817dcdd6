"""Input checks shared by the statistics functions.

Each check raises ``ValueError`` naming the argument and the problem, so that a user never
sees a numpy traceback or a silent NaN. Engines (the ``_fit`` functions) assume clean arrays.
"""

from __future__ import annotations

import numpy as np


def as_1d_float(name: str, values, *, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values but time has {n}; lengths must match")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric, got values of type {arr.dtype}") from None
    return arr.astype(float, copy=False)


def check_finite(name: str, arr: np.ndarray, advice: str) -> np.ndarray:
    """Raise when ``arr`` holds NaN or infinite values, naming the first; ``advice`` ends the
    message (what the user should do)."""
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} has {int(bad.sum())} missing or infinite value(s) (first at position {i}: "
            f"{arr[i]}); {advice}"
        )
    return arr


def check_time(time) -> np.ndarray:
    """Survival times: finite, non-negative, at least one."""
    t = as_1d_float("time", time)
    if t.size == 0:
        raise ValueError("time is empty; at least one observation is needed")
    check_finite("time", t, "remove or impute them before the analysis")
    if (t < 0).any():
        i = int(np.flatnonzero(t < 0)[0])
        raise ValueError(f"time must be >= 0; position {i} is {t[i]}")
    return t


def check_event(event, n: int) -> np.ndarray:
    """Event indicator: 0 (censored) or 1 (event); booleans accepted."""
    raw = np.asarray(event)
    if raw.ndim == 1 and raw.shape[0] == n and raw.dtype.kind in "biu" and n:
        if raw.dtype.kind == "b" or (raw.min() >= 0 and raw.max() <= 1):  # integers: 2 passes
            return raw.astype(np.int8)
    e = as_1d_float("event", event, n=n)
    if np.isnan(e).any():
        where = np.flatnonzero(np.isnan(e))[:5].tolist()
        raise ValueError(f"event has missing values at positions {where}")
    ok = (e == 0) | (e == 1)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"event must be 0 (censored) or 1 (event); position {i} is {e[i]}")
    return e.astype(np.int8)


def check_weights(weights, n: int) -> np.ndarray | None:
    """Case weights: finite and > 0 (R drops zero weights; we ask the user to drop them)."""
    if weights is None:
        return None
    w = as_1d_float("weights", weights, n=n)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"weights must be finite and > 0; position {i} is {w[i]} (remove rows with zero weight)"
        )
    return w


def check_conf_level(conf_level: float) -> float:
    if not (0 < float(conf_level) < 1):
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    return float(conf_level)


def object_missing(arr: np.ndarray, *, nan: bool = False) -> np.ndarray:
    """Mask of the None values (with ``nan``, also float NaN, the only value unequal to
    itself) of an object array, compared elementwise in C; an element whose comparison
    gives no bool (pd.NA) falls back to a Python loop."""
    try:
        mask = arr == None  # noqa: E711
        if nan:
            mask = mask | (arr != arr)
        return np.asarray(mask, dtype=bool)
    except TypeError:
        return np.array([v is None or (nan and isinstance(v, float) and v != v) for v in arr],
                        dtype=bool)


def check_labels(name: str, values, n: int) -> np.ndarray:
    """Group or strata labels: any hashable values, no missing ones."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be one-dimensional with {n} values, got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        where = np.flatnonzero(np.isnan(arr))[:5].tolist()
        raise ValueError(f"{name} has missing values at positions {where}")
    if arr.dtype.kind == "O" and object_missing(arr).any():
        raise ValueError(f"{name} has missing (None) values")
    return arr


def check_covariates(X, n: int, *, names=None, rows_of: str = "the outcome"
                     ) -> tuple[np.ndarray, tuple[str, ...]]:
    """A numeric covariate matrix ``X`` (units x covariates, a 1-d array is one column) with
    ``n`` rows (the length of ``rows_of``), finite values and one name per column (default
    ``x1..xp``). Returns ``X`` as float and the names as strings. Factors must already be
    coded as 0/1 columns (a non-numeric ``X`` raises ``TypeError``)."""
    x = np.asarray(X)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"X must be a 2-d array (units x covariates), got shape {x.shape}")
    if x.shape[0] != n:
        raise ValueError(f"X has {x.shape[0]} rows but {rows_of} has {n} values")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"X must be numeric (code factors as 0/1 columns), got dtype {x.dtype}")
    x = x.astype(float)
    given = None if names is None else tuple(str(v) for v in names)
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        column = given[j] if given is not None and j < len(given) else j
        raise ValueError(f"X has {int(bad.sum())} missing or infinite value(s) (first at row "
                         f"{i}, column {column}: {x[i, j]}); remove or impute them first")
    if given is None:
        given = tuple(f"x{j + 1}" for j in range(x.shape[1]))
    if len(given) != x.shape[1]:
        raise ValueError(f"names has {len(given)} entries but X has {x.shape[1]} columns")
    return x, given
