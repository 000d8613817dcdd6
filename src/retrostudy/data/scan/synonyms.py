"""Header spellings of the canonical columns, in English and Japanese.

Headers are compared by :func:`header_key` (NFKC, case-folded, without spaces, hyphens,
underscores, dots, slashes and brackets). A header equal to a spelling is strong evidence;
one that contains a spelling of three or more characters (``投与日(実施)``) or is close to
one (difflib ratio >= 0.85) is weaker. Spellings that fit several tables (``date``,
``value``, ``method``) are listed under each; the table decides by the other columns.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-.,/()（）\[\]「」:：#№]+")

_COMMON_DATE = ("date", "日付", "年月日", "実施日")
_ID = ("patient_id", "patient id", "patient no", "patient number", "pt id", "pt no", "id",
       "mrn", "medical record number", "hospital number", "case id", "subject id",
       "person id", "chart number", "患者id", "患者番号", "カルテ番号", "カルテno",
       "患者コード", "識別番号", "症例番号", "id番号")

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "patients": {
        "patient_id": _ID,
        "birth_date": ("birth_date", "date of birth", "dob", "birthdate", "birthday",
                       "born", "生年月日", "誕生日"),
        "sex": ("sex", "gender", "性別", "性"),
        "death_date": ("death_date", "date of death", "dod", "deceased date", "died",
                       "death", "死亡日", "死亡年月日", "死亡確認日"),
        "last_contact_date": ("last_contact_date", "last contact", "last follow up",
                              "last followup", "last visit", "date last known alive",
                              "last known alive", "last seen", "最終確認日", "最終受診日",
                              "最終生存確認日", "最終来院日", "最終転帰確認日"),
    },
    "diagnoses": {
        "patient_id": _ID,
        "date": ("diagnosis date", "date of diagnosis", "dx date", "診断日", "診断年月日",
                 *_COMMON_DATE),
        "diagnosis": ("diagnosis", "dx", "disease", "condition", "診断名", "病名", "疾患名",
                      "診断"),
        "stage": ("stage", "clinical stage", "病期", "ステージ", "臨床病期"),
        "de_novo_metastatic": ("de_novo_metastatic", "de novo", "de novo metastatic",
                               "stage iv at diagnosis", "初診時遠隔転移", "初発時転移"),
    },
    "biomarkers": {
        "patient_id": _ID,
        "date": ("test date", "sample date", "specimen date", "report date", "検査日",
                 "採取日", "報告日", *_COMMON_DATE),
        "marker": ("marker", "biomarker", "receptor", "test", "test name", "検査項目",
                   "マーカー", "項目"),
        "method": ("method", "assay", "検査法", "方法", "検査方法", "手法"),
        "result": ("result", "status", "interpretation", "結果", "判定", "判定結果"),
        "value": ("value", "score", "percent", "値", "スコア", "測定値", "染色率"),
        "specimen": ("specimen", "sample", "specimen type", "tissue", "検体", "検体種別",
                     "検体部位", "材料"),
    },
    "drug_administrations": {
        "patient_id": _ID,
        "date": ("administration date", "admin date", "dose date", "start date",
                 "date given", "given on", "投与日", "投与開始日", "投与年月日", *_COMMON_DATE),
        "drug": ("drug", "drug name", "medication", "medicine", "agent", "regimen drug",
                 "薬剤名", "薬剤", "薬品名", "医薬品名", "薬名"),
        "end_date": ("end_date", "end date", "stop date", "last dose date", "投与終了日",
                     "終了日", "中止日"),
        "setting": ("setting", "treatment setting", "intent", "治療目的", "治療設定",
                    "治療時期"),
        "discontinuation_reason": ("discontinuation reason", "reason for discontinuation",
                                   "stop reason", "reason stopped", "中止理由", "終了理由"),
        "drug_source": ("drug_source", "drug text", "original drug text"),
    },
    "tumor_assessments": {
        "patient_id": _ID,
        "date": ("assessment date", "scan date", "evaluation date", "imaging date",
                 "評価日", "判定日", "画像検査日", "効果判定日", *_COMMON_DATE),
        "response": ("response", "overall response", "recist response", "recist",
                     "tumour response", "tumor response", "効果判定", "総合効果",
                     "治療効果", "効果", "判定結果"),
        "method": ("method", "modality", "imaging", "評価方法", "検査方法", "モダリティ",
                   "画像検査"),
    },
    "observations": {
        "patient_id": _ID,
        "date": ("observation date", "record date", "観察日", "記録日", "測定日",
                 *_COMMON_DATE),
        "name": ("name", "item", "observation", "variable", "項目", "項目名", "観察項目"),
        "value": ("value", "値", "結果値", "測定値", "結果"),
    },
}


def header_key(text: str) -> str:
    """The comparison key of a header or a spelling."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def header_score(header: str, table: str, column: str) -> tuple[float, str]:
    """How strongly ``header`` names ``column`` of ``table`` (0 to 1) and why."""
    key = header_key(header)
    if not key:
        return 0.0, ""
    spellings = {header_key(s) for s in (column, *SYNONYMS[table][column])}
    if key in spellings:
        return 1.0, f"header {header!r} is a spelling of {column}"
    contained = [s for s in spellings if len(s) >= 3 and (s in key or key in s)]
    if contained:
        return 0.75, f"header {header!r} contains {max(contained, key=len)!r}"
    close = difflib.get_close_matches(key, sorted(spellings), n=1, cutoff=0.85)
    if close:
        return 0.6, f"header {header!r} is close to {close[0]!r}"
    return 0.0, ""
