"""The propensity model's design matrix, built from ``[analyses.adjusted].covariates``.

Coding (R's ``model.matrix`` with treatment contrasts, without the intercept column):

- continuous: the value divided by the covariate's ``scale``;
- binary (booleans, or ``kind = "binary"`` with values 0/1): one 0/1 column;
- categorical (text, or ``kind = "categorical"``): one 0/1 indicator per level other than
  the reference (``reference``, else the first level in sorted order, as R orders factor
  levels).

Missing values (``missing``): ``"error"`` (default) stops with the patients and column
named; ``"complete_case"`` leaves those patients out of the whole adjusted analysis (counted
per group); ``"indicator"`` keeps them, filling a continuous value with the observed mean
and a binary one with 0, and adds a 0/1 "missing" column (a categorical covariate gains a
"missing" level instead). The treatment is the group that is not the reference group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrostudy.errors import DataError, Problem, ProtocolError

KEY = "analyses.adjusted"


@dataclass(frozen=True, slots=True, kw_only=True)
class Design:
    """Columns of the propensity model for the patients it uses (``rows``: positions in data)."""

    X: np.ndarray
    names: tuple[str, ...]  # model column, e.g. "age" or "hr_status=positive"
    labels: tuple[str, ...]  # display text of each column
    binary: tuple[bool, ...]
    covariate: tuple[str, ...]  # the protocol covariate each column comes from
    treated: np.ndarray  # bool, True = the non-reference group
    rows: np.ndarray
    references: dict[str, str] = field(default_factory=dict)  # categorical -> reference level
    missing: dict[str, int] = field(default_factory=dict)  # covariate -> patients missing it
    excluded: dict[str, int] = field(default_factory=dict)  # group -> left out (complete case)
    constant: dict[str, str] = field(default_factory=dict)  # covariate -> its only value (dropped)
    aliased: tuple[str, ...] = ()  # columns left out: a combination of earlier ones (R: NA)


def arms(groups: list[str], reference: str) -> tuple[str, str]:
    """(treated, reference): the two groups; more or fewer is a protocol error."""
    if len(groups) != 2 or reference not in groups:
        raise ProtocolError(
            Problem(
                message=f"the adjusted comparison needs exactly two groups, one of them the "
                f"reference; the analysis dataset has {len(groups)} ({', '.join(groups)}) and the "
                f"reference is {reference!r}",
                key=KEY,
                hint="define two [[groups.group]] and name one in [groups].reference, or remove "
                "[analyses.adjusted]",
                code="adjusted_groups",
            )
        )
    return next(g for g in groups if g != reference), reference


def _kind(spec, series: pd.Series) -> str:
    if spec.kind != "auto":
        return spec.kind
    if pd.api.types.is_bool_dtype(series):
        return "binary"
    obs = series.dropna()
    if len(obs) and obs.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return "binary"  # a yes/no column with missing values (object dtype)
    if pd.api.types.is_numeric_dtype(series):
        return "continuous"
    return "categorical"


def _missing_error(spec, data: pd.DataFrame, miss: pd.Series, i: int) -> DataError:
    ids = data["patient_id"] if "patient_id" in data.columns else pd.Series(data.index)
    who = [str(v) for v in ids[miss.to_numpy()]]
    shown = ", ".join(who[:10]) + (f" and {len(who) - 10} more" if len(who) > 10 else "")
    return DataError(
        Problem(
            message=f"covariate {spec.name!r} of the propensity model is missing for "
            f"{len(who)} patient(s): {shown}",
            column=spec.name,
            key=f"{KEY}.covariates[{i}]",
            hint='complete the data, or set [analyses.adjusted] missing = "complete_case" '
            '(leave them out) or "indicator" (missing-indicator column)',
            code="adjusted_missing",
        )
    )


class _Constant(Exception):
    """A covariate with one value for every patient: left out of the model (R: NA coef)."""

    def __init__(self, value) -> None:
        super().__init__(str(value))
        self.value = str(value)


def _all_constant(block, constant: dict[str, str]) -> ProtocolError:
    shown = ", ".join(f"{k} ({v})" for k, v in constant.items())
    return ProtocolError(
        Problem(
            message=f"every covariate of the propensity model has one value for every patient "
            f"of the adjusted comparison: {shown}",
            key=f"{KEY}.covariates",
            hint="choose covariates that differ between patients",
            code="adjusted_constant",
        )
    )


def _binary_values(spec, i: int, s: pd.Series) -> np.ndarray:
    obs = s.dropna()
    distinct = obs.unique()  # checked value by value: the distinct values suffice
    bad = sorted({str(v) for v in distinct if v not in (0, 1, True, False)})[:5]
    if bad:
        raise DataError(
            Problem(
                message=f"covariate {spec.name!r} is binary but holds {', '.join(bad)}",
                column=spec.name,
                key=f"{KEY}.covariates[{i}].kind",
                hint='binary covariates hold true/false or 0/1; use kind = "categorical"',
                code="adjusted_binary",
            )
        )
    return obs.astype(float).reindex(s.index).to_numpy(float)


def _continuous_values(spec, i: int, s: pd.Series) -> np.ndarray:
    values = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & values.isna()
    if bad.any():
        raise DataError(
            Problem(
                message=f"covariate {spec.name!r} is continuous but holds "
                f"{', '.join(sorted({str(v) for v in s[bad]})[:5])}",
                column=spec.name,
                key=f"{KEY}.covariates[{i}].kind",
                hint='use kind = "categorical" for text values',
                code="adjusted_continuous",
            )
        )
    return values.astype(float).to_numpy(float) / spec.scale


def _columns(spec, i: int, s: pd.Series, text: str, level_labels: dict, indicator: bool):
    """(names, labels, binary flags, column arrays, reference level) for one covariate."""
    kind = _kind(spec, s)
    miss = s.isna().to_numpy()
    if kind == "categorical":
        values = s.astype(object).where(~miss, "missing" if indicator else None)
        levels = sorted({str(v) for v in values.dropna().unique()})
        if len(levels) < 2:  # one value on these data: left out with a warning, whatever
            raise _Constant(levels[0] if levels else "missing")  # its reference
        ref = str(spec.reference) if spec.reference is not None else levels[0]
        if spec.reference is not None and ref not in levels:
            raise ProtocolError(
                Problem(
                    message=f"reference {spec.reference!r} is not a value of {spec.name!r} "
                    f"(values: {', '.join(levels)})",
                    key=f"{KEY}.covariates[{i}].reference",
                    code="adjusted_reference",
                )
            )
        strs = values.map(lambda v: None if v is None else str(v)).to_numpy(object)
        others = [lv for lv in levels if lv != ref]
        return (
            [f"{spec.name}={lv}" for lv in others],
            [f"{text}: {level_labels.get((spec.name, lv), lv)}" for lv in others],
            [True] * len(others),
            [(strs == lv).astype(float) for lv in others],
            level_labels.get((spec.name, ref), ref),
        )
    col = _binary_values(spec, i, s) if kind == "binary" else _continuous_values(spec, i, s)
    if np.unique(col[~miss]).size < 2:
        raise _Constant(s[~miss].iloc[0] if (~miss).any() else "missing")
    out = ([spec.name], [text], [kind == "binary"], [col], None)
    if indicator and miss.any():
        fill = 0.0 if kind == "binary" else float(np.mean(col[~miss]))
        out = (
            [spec.name, f"{spec.name}:missing"],
            [text, f"{text}: missing"],
            [kind == "binary", True],
            [np.where(miss, fill, col), miss.astype(float)],
            None,
        )
    return out


def _aliased(X: np.ndarray) -> list[int]:
    """Columns that are a linear combination of the intercept and the columns before them
    (a small sample: e.g. two binary covariates equal on the patients used). R's ``glm``
    gives them an NA coefficient and fits the rest; so do we, leaving them out. The rank is
    ``numpy.linalg.matrix_rank``'s, as the propensity model's own check; the column-by-column
    search runs only when the whole matrix is deficient."""
    x1 = np.column_stack([np.ones(X.shape[0]), X])
    if X.shape[1] == 0 or np.linalg.matrix_rank(x1) == x1.shape[1]:
        return []
    kept, out = [x1[:, 0]], []
    for j in range(X.shape[1]):
        trial = np.column_stack([*kept, X[:, j]])
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            out.append(j)
        else:
            kept.append(X[:, j])
    return out


def _parts(block, d: pd.DataFrame, var_labels: dict, level_labels: dict):
    """Per covariate its columns (see :func:`_columns`); one-valued covariates set aside."""
    parts, specs, constant = [], [], {}
    for i, spec in enumerate(block.covariates):
        text = spec.label or var_labels.get(spec.name, spec.name)
        try:
            parts.append(
                _columns(spec, i, d[spec.name], text, level_labels, block.missing == "indicator")
            )
            specs.append(spec)
        except _Constant as one:
            constant[spec.name] = one.value
    if constant and not parts:
        raise _all_constant(block, constant)
    return parts, specs, constant


def design_matrix(
    block, data: pd.DataFrame, treated_group: str, var_labels: dict, level_labels: dict
) -> Design:
    """The propensity model's columns for the patients of the two groups (see module doc)."""
    for i, spec in enumerate(block.covariates):
        if spec.name not in data.columns:
            raise ProtocolError(
                Problem(
                    message=f"the analysis dataset has no column {spec.name!r}",
                    key=f"{KEY}.covariates[{i}]",
                    hint="columns: " + ", ".join(sorted(map(str, data.columns))),
                    code="unknown_column",
                )
            )
    names_ = [c.name for c in block.covariates]
    miss = data[names_].isna()
    missing = {c: int(miss[c].sum()) for c in names_ if miss[c].any()}
    keep = np.ones(len(data), bool)
    if block.missing == "error":
        for i, spec in enumerate(block.covariates):
            if miss[spec.name].any():
                raise _missing_error(spec, data, miss[spec.name], i)
    elif block.missing == "complete_case":
        keep = ~miss.any(axis=1).to_numpy()
    d = data[keep]
    excluded = {
        str(g): int(n) for g, n in data.loc[~keep, "group"].value_counts().sort_index().items()
    }
    parts, specs, constant = _parts(block, d, var_labels, level_labels)
    X = np.column_stack([c for p in parts for c in p[3]]) if parts else np.empty((len(d), 0))
    names = [n for p in parts for n in p[0]]
    keep_cols = np.setdiff1d(np.arange(X.shape[1]), _aliased(X))

    def kept(values) -> tuple:
        return tuple(values[j] for j in keep_cols)

    return Design(
        X=X[:, keep_cols],
        names=kept(names),
        labels=kept([lb for p in parts for lb in p[1]]),
        binary=kept([b for p in parts for b in p[2]]),
        covariate=kept([s.name for s, p in zip(specs, parts, strict=True) for _ in p[0]]),
        aliased=tuple(n for j, n in enumerate(names) if j not in set(keep_cols.tolist())),
        treated=(d["group"].astype(str) == treated_group).to_numpy(),
        rows=np.flatnonzero(keep),
        references={s.name: p[4] for s, p in zip(specs, parts, strict=True) if p[4]},
        missing=missing,
        excluded=excluded,
        constant=constant,
    )
