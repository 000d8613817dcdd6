"""The patient-level output: the analysis dataset and the excluded patients, for audit.

Written only when asked (``retrostudy run --patient-level`` or ``[report] patient_level =
true``), into a folder **beside** the report, never inside it:
``<report folder>-patient-level-IDENTIFIABLE/`` (:func:`folder_for`). It holds patient
identifiers and dates, so it is not for sharing; a README.txt inside says so. The report
files only say whether it was written (results.json ``patient_level``; the report's facts),
never where.

Files (each as CSV and Parquet; docs/protocol.md, "[report]"):

- ``analysis_dataset``: one row per analysed patient, the columns the analyses used
  (``patient_id``, ``group``, ``index_date``, the covariates, for every time-to-event
  endpoint ``<name>_days``, ``_event``, ``_reason``, ``_date``, the best overall response
  with its date and counts, the rate flags, the line of the index drug ...).
- ``excluded``: one row per patient removed from the cohort: ``patient_id`` and
  ``criterion`` (the flow-chart label of the step that removed the patient; "matched no
  group" and the like for the group steps). Its row count is the attrition's excluded total.
- ``lines``: the lines of therapy of the analysed patients (record-level runs; empty when
  the study reads an analysis table).

CSV cells are protected against formula injection (OWASP, "CSV Injection"): a text cell
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
quote, except a text that is a plain negative number. Numeric columns are written as
numbers. Parquet keeps the values as they are (typed; no spreadsheet evaluates it).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from retrostudy.report import spreadsheet
from retrostudy.report.folder import writing

SUFFIX = "-patient-level-IDENTIFIABLE"
NAMES = ("analysis_dataset", "excluded", "lines")

README = """\
CONTAINS PATIENT IDENTIFIERS. DO NOT SHARE.

This folder was written by `retrostudy run --patient-level` (or [report] patient_level =
true) beside the report folder. It holds the study's patient-level data, with patient
identifiers and calendar dates, so that a statistician can re-run the analysis and a
clinician can check one patient's endpoints. Keep it where the source records are kept,
under the same rules; the report files (report.html, report.docx, results.json, tables/,
figures/) contain no identifiers and are the ones meant for sharing.

Files (each as .csv and .parquet):
  analysis_dataset   one row per analysed patient: group, covariates, every endpoint's
                     days, event (1 = event), reason and date, best overall response and its
                     date, response flags, lines of therapy before the index
  excluded           one row per patient removed from the cohort, with the criterion
                     (flow-chart step) that removed the patient
  lines              the lines of therapy of the analysed patients

In the CSV files a text cell that a spreadsheet would read as a formula (beginning with
= + - @, a tab or a carriage return) starts with a single quote ('); negative numbers are
unchanged. The Parquet files hold the values unchanged.
"""


def folder_for(out: str | Path) -> Path:
    """The patient-level folder of the report folder ``out``: a sibling, never inside it."""
    out = Path(out).resolve()
    return out.parent / f"{out.name}{SUFFIX}"


def neutralise(value):
    """A text cell safe to open in a spreadsheet (:func:`retrostudy.report.spreadsheet.
    neutralise`, the one rule every CSV of a run follows); other values are left as they
    are."""
    return spreadsheet.neutralise(value) if isinstance(value, str) else value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through :func:`neutralise`; numbers, booleans
    and dates are left as they are."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(neutralise, na_action="ignore").astype(s.dtype)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def frames(dataset: pd.DataFrame, cohort) -> dict[str, pd.DataFrame]:
    """The three tables, in a stable order (analysed patients as analysed; excluded by
    flow-chart step then patient id; lines by patient and line)."""
    excluded = cohort.excluded.rename(columns={"step": "criterion"})
    order = {label: i for i, label in enumerate(dict.fromkeys(excluded["criterion"]))}
    excluded = (
        excluded.assign(_o=excluded["criterion"].map(order))
        .sort_values(["_o", "patient_id"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    lines = cohort.lines
    keys = [c for c in ("patient_id", "line") if c in lines.columns]
    if keys and len(lines):
        lines = lines.sort_values(keys, kind="stable")
    return {
        "analysis_dataset": dataset.reset_index(drop=True),
        "excluded": excluded[["patient_id", "criterion"]],
        "lines": lines.reset_index(drop=True),
    }


def write_patient_level(out: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write README.txt and each table as ``<name>.csv`` and ``<name>.parquet`` into the
    folder ``out``, complete or absent as the report (:func:`retrostudy.report.folder.
    writing`); returns the paths written."""
    with writing(out) as folder:
        written = _write(folder, tables)
    return [out / p.relative_to(folder) for p in written]


def _write(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    written = [folder / "README.txt"]
    written[0].write_text(README, encoding="utf-8")
    for name in NAMES:
        frame = tables[name]
        csv = folder / f"{name}.csv"
        csv.write_text(csv_safe(frame).to_csv(index=False, lineterminator="\n"),
                       encoding="utf-8")
        parquet = folder / f"{name}.parquet"
        frame.to_parquet(parquet, index=False)
        written += [csv, parquet]
    return written
