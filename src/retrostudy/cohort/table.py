"""Entry from an analysis-level table (one row per patient, e.g. a chart-review spreadsheet).

The protocol's ``[analysis_table]`` names the file and maps ``patient_id``, ``group`` and
``index_date`` (and optionally renames covariates) to its headers. ``criteria`` are simple
column tests applied in order, like record-level criteria; a patient whose group is empty
or not one of ``[groups]`` is reported as "Matched no group". The result is the same
:class:`~retrostudy.cohort.result.Cohort` as from records (``lines`` empty).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from retrostudy.cohort.groups import UNASSIGNED_LABEL, check_group_policy
from retrostudy.cohort.lines import LINE_COLUMNS
from retrostudy.cohort.result import Attrition, Cohort, GroupCount, Step, apply_in_order
from retrostudy.errors import CohortError, Problem
from retrostudy.protocol.cohort import ColumnCondition
from retrostudy.protocol.model import Protocol

REQUIRED = ("patient_id", "group", "index_date")


def read_table(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet file with every column as text except in Parquet."""
    if not path.exists():
        raise CohortError(Problem(message="analysis table not found", file=str(path)))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, sheet_name=sheet or 0)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def cohort_from_table(protocol: Protocol) -> Cohort:
    """The cohort of ``protocol`` read from its ``[analysis_table]``."""
    block = protocol.analysis_table
    path = Path(block.file)
    path = path if path.is_absolute() else protocol.base_dir / path
    frame = _mapped(read_table(path, block.sheet), block.columns, str(path))
    frame, steps, excluded = apply_in_order(
        frame, block.criteria, lambda c, f: _test(f, c.when, str(path), block.columns)
    )
    names = [g.name for g in protocol.groups.group]
    if names:
        frame, steps, excluded = _groups(protocol, frame, names, steps, excluded)
    counts = tuple(
        GroupCount(name=g.name, label=g.label, n=int((frame["group"] == g.name).sum()))
        for g in protocol.groups.group
    )
    n_total = len(frame) + len(excluded)
    attrition = Attrition(
        identified_label=block.label,
        identified=n_total,
        steps=tuple(steps),
        groups=counts,
        analysed=len(frame),
        unassigned=tuple(pid for pid, label in excluded if label == UNASSIGNED_LABEL),
    )
    return Cohort(
        attrition=attrition,
        patients=frame.sort_values("patient_id", kind="stable").reset_index(drop=True),
        excluded=pd.DataFrame(excluded, columns=["patient_id", "step"]).astype("string"),
        lines=pd.DataFrame(columns=list(LINE_COLUMNS)),
        first_ever_before_window=pd.DataFrame(
            columns=["patient_id", "first_ever_date", "first_in_window_date"]
        ),
    )


def _mapped(frame: pd.DataFrame, columns: dict[str, str], source: str) -> pd.DataFrame:
    renames = {theirs: ours for ours, theirs in columns.items()}
    missing = [theirs for theirs in renames if theirs not in frame.columns]
    frame = frame.rename(columns=renames)
    missing += [c for c in REQUIRED if c not in frame.columns and c not in columns]
    if missing:
        raise CohortError(
            [
                Problem(
                    message=f"analysis table has no column {m!r}",
                    file=source,
                    hint=f"map it in [analysis_table] columns; the file has {list(frame.columns)}",
                )
                for m in missing
            ]
        )
    frame["patient_id"] = frame["patient_id"].astype("string").str.strip()
    frame["group"] = frame["group"].astype("string").str.strip()
    dates = pd.to_datetime(frame["index_date"], errors="coerce")
    bad = frame.loc[dates.isna(), "patient_id"].tolist()
    if bad:
        raise CohortError(
            Problem(
                message=f"index_date is missing or not a date for {bad}",
                file=source,
                column=columns.get("index_date", "index_date"),
            )
        )
    frame["index_date"] = dates.astype("datetime64[s]")
    return frame[[*REQUIRED, *[c for c in frame.columns if c not in REQUIRED]]]


def _test(frame: pd.DataFrame, when: ColumnCondition, source: str, columns: dict) -> pd.Series:
    """Rows meeting every test of ``when``; its column may be named as in the file or mapped."""
    name = {theirs: ours for ours, theirs in columns.items()}.get(when.column, when.column)
    if name not in frame.columns:
        raise CohortError(
            Problem(
                message=f"criterion column {when.column!r} not in the table",
                file=source,
                hint=f"columns: {list(frame.columns)}",
            )
        )
    values = frame[name]
    hit = pd.Series(True, index=frame.index)
    if when.equals is not None:
        hit &= (values == when.equals).fillna(False)
    if when.one_of is not None:
        hit &= values.isin(when.one_of)
    if when.min is not None:
        hit &= (pd.to_numeric(values, errors="coerce") >= when.min).fillna(False)
    if when.max is not None:
        hit &= (pd.to_numeric(values, errors="coerce") <= when.max).fillna(False)
    if when.missing is not None:
        hit &= values.isna() == when.missing
    return hit.astype(bool)


def _groups(protocol, frame, names, steps, excluded):
    unknown = ~frame["group"].isin(names).fillna(False)
    member = pd.DataFrame(
        {n: (frame["group"] == n).fillna(False).to_numpy() for n in names},
        index=frame["patient_id"].to_numpy(),
    )
    check_group_policy(protocol.groups, member, member.sum(axis=1))
    if unknown.any():
        n_in = len(frame)
        steps = [
            *steps,
            Step(
                label=UNASSIGNED_LABEL,
                kind="unassigned",
                n_in=n_in,
                n_excluded=int(unknown.sum()),
                n_remaining=n_in - int(unknown.sum()),
            ),
        ]
        excluded = [
            *excluded,
            *[(pid, UNASSIGNED_LABEL) for pid in frame.loc[unknown, "patient_id"]],
        ]
        frame = frame.loc[~unknown]
    return frame, steps, excluded
