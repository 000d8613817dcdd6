"""A seeded scrambler: an example extract re-exported the way another hospital would.

- headers renamed to other English and Japanese spellings (chosen here, independently of
  the scan's synonym list, and including spellings it does not list verbatim);
- columns reordered; files renamed and merged into ONE workbook, one sheet per table
  (extra files such as truth.csv become sheets too);
- dates reformatted per sheet: 2017/06/01, 01.06.2017, 2017年06月01日, 06/01/2017 (US), or
  real Excel date cells (stored by Excel as serial numbers with a date format).

Rows keep their order, so row numbers in messages stay comparable with the original.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pandas as pd

HEADERS = {
    "patient_id": ["患者ID", "Patient No.", "MRN", "カルテ番号", "Pt. number"],
    "birth_date": ["生年月日", "Date of Birth", "DOB"],
    "sex": ["性別", "Gender"],
    "death_date": ["死亡日", "Date of death"],
    "last_contact_date": ["最終確認日", "Last follow-up", "Last contact (alive)"],
    "diagnosis": ["診断名", "病名", "Diagnosis (text)"],
    "stage": ["病期", "Stage (clinical)"],
    "de_novo_metastatic": ["De novo stage IV", "初診時遠隔転移"],
    "marker": ["検査項目", "Biomarker"],
    "result": ["判定", "Result"],
    "specimen": ["検体", "Specimen type"],
    "drug": ["薬剤名", "Medication", "Drug name (as ordered)"],
    "end_date": ["投与終了日", "Stop date"],
    "setting": ["治療目的", "Treatment setting"],
    "discontinuation_reason": ["中止理由", "Reason for discontinuation"],
    "response": ["効果判定", "Overall response", "総合効果"],
    "name": ["項目", "Item"],
}
# columns whose spelling depends on the table
BY_TABLE = {
    ("biomarkers", "date"): ["検査日", "Test date"],
    ("biomarkers", "method"): ["検査法", "Assay"],
    ("biomarkers", "value"): ["測定値", "Score"],
    ("diagnoses", "date"): ["診断日", "Date of diagnosis"],
    ("drug_administrations", "date"): ["投与日", "Administration date"],
    ("tumor_assessments", "date"): ["評価日", "Scan date"],
    ("tumor_assessments", "method"): ["評価方法", "Modality"],
    ("observations", "date"): ["観察日", "Record date"],
    ("observations", "value"): ["値", "Value"],
}
SHEETS = {
    "patients": ["患者一覧", "Patient list"],
    "diagnoses": ["診断", "Dx"],
    "biomarkers": ["病理", "Pathology"],
    "drug_administrations": ["投薬", "Pharmacy"],
    "tumor_assessments": ["効果判定", "Imaging"],
    "observations": ["観察項目", "Clinical notes"],
}
DATE_FORMATS = ["%Y/%m/%d", "%d.%m.%Y", "%Y年%m月%d日", "%m/%d/%Y", "excel"]
DATE_COLUMNS = {"date", "birth_date", "death_date", "last_contact_date", "end_date"}


def _header(table: str, column: str, rng: random.Random) -> str:
    choices = BY_TABLE.get((table, column)) or HEADERS.get(column)
    return rng.choice(choices) if choices else column


def _dates(series: pd.Series, fmt: str) -> pd.Series:
    parsed = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
    if fmt == "excel":
        return parsed.map(lambda d: None if pd.isna(d) else datetime(d.year, d.month, d.day))
    return parsed.map(lambda d: None if pd.isna(d) else d.strftime(fmt))


def scramble(data_dir: Path, out_dir: Path, seed: int) -> Path:
    """Write ``out_dir/<name>.xlsx`` from the CSV files of ``data_dir``; return the folder.

    Each table gets one date format (as one export would), the five formats shuffled by
    the seed and cycled over the tables so that every run uses all of them.
    """
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = DATE_FORMATS[:]
    rng.shuffle(formats)
    sheets: dict[str, pd.DataFrame] = {}
    for i, path in enumerate(sorted(data_dir.glob("*.csv"))):
        table = path.stem
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        fmt = formats[i % len(formats)]
        for column in frame.columns:
            if column in DATE_COLUMNS and table in SHEETS:
                frame[column] = _dates(frame[column].replace("", None), fmt)
        frame = frame.replace("", None)
        renamed = {c: _header(table, c, rng) if table in SHEETS else c for c in frame.columns}
        frame = frame.rename(columns=renamed)
        columns = list(frame.columns)
        rng.shuffle(columns)
        sheet = rng.choice(SHEETS[table]) if table in SHEETS else f"集計_{table}"
        sheets[sheet] = frame[columns]
    book = out_dir / f"export_{seed}.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl", datetime_format="yyyy/mm/dd") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return out_dir
