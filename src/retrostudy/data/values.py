"""Spellings of categorical values mapped to their canonical form.

Each categorical column of the canonical tables (``allowed`` in
:mod:`retrostudy.data.schema`) accepts its canonical values and the common spellings
below, compared after :func:`value_key` (case, spaces, hyphens, underscores, dots and
slashes ignored). Japanese terms seen in Japanese hospital records are included. The
protocol adds tumour-response spellings through ``[data.responses]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from retrostudy.data.schema import TABLES

# The same normalisation runs in SQL (see VALUE_KEY_SQL) and in Python.
_KEY = re.compile(r"[\s_\-./]+")
VALUE_KEY_SQL = r"lower(regexp_replace(trim({}), '[\s_\-./]+', '', 'g'))"


def value_key(text: str) -> str:
    return _KEY.sub("", text.strip().lower())


RESPONSE_SPELLINGS = {
    "CR": ("complete response", "complete remission", "complete", "cr", "完全奏効", "完全奏功",
           "著効"),
    "PR": ("partial response", "partial remission", "partial", "pr", "部分奏効", "部分奏功",
           "有効"),
    "SD": ("stable disease", "stable", "sd", "安定", "不変", "長期不変"),
    "NON_CR_NON_PD": ("non-cr/non-pd", "non cr non pd", "noncr/nonpd", "non-cr non-pd",
                      "non_cr_non_pd"),
    "PD": ("progressive disease", "progression", "progressive", "pd", "進行", "増悪"),
    "NE": ("not evaluable", "not evaluated", "non evaluable", "unevaluable", "ne", "na",
           "評価不能"),
}

_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {
        "female": ("f", "woman", "w", "女", "女性"),
        "male": ("m", "man", "男", "男性"),
        "other": (),
        "unknown": ("u", "unk", "不明"),
    },
    "response": RESPONSE_SPELLINGS,
    "setting": {
        "neoadjuvant": ("preoperative", "術前", "術前補助"),
        "adjuvant": ("postoperative", "術後", "術後補助"),
        "metastatic": ("advanced", "palliative", "recurrent", "mbc", "転移", "再発", "転移再発"),
    },
    "discontinuation_reason": {
        "progression": ("pd", "progressive disease", "disease progression", "増悪", "進行"),
        "toxicity": ("adverse event", "ae", "side effect", "有害事象", "副作用"),
        "another_tumour": ("another tumor", "second cancer", "other cancer"),
        "patient_choice": ("patient preference", "patient request", "希望", "患者希望"),
        "death": ("died", "死亡"),
        "completed": ("complete", "planned", "完遂"),
        "other": ("その他",),
    },
    "marker": {
        "ER": ("estrogen receptor", "oestrogen receptor", "er"),
        "PgR": ("pgr", "pr", "progesterone receptor"),
        "HER2": ("her2", "her-2", "erbb2", "her2/neu"),
    },
    "biomarker_method": {
        "IHC": ("ihc", "immunohistochemistry", "免疫染色"),
        "ISH": ("ish", "fish", "dish", "sish", "cish"),
    },
    "result": {
        "positive": ("pos", "+", "陽性", "amplified", "yes"),
        "negative": ("neg", "-", "陰性", "not amplified", "no"),
        "equivocal": ("borderline", "境界", "判定保留"),
    },
    "specimen": {
        "primary": ("primary tumour", "primary tumor", "原発", "原発巣"),
        "metastasis": ("metastatic", "met", "recurrence", "転移", "転移巣", "再発巣"),
    },
    "assessment_method": {
        "CT": ("ct",), "MRI": ("mri",), "PET": ("pet", "pet-ct", "pet/ct"),
        "bone_scan": ("bone scan", "bone scintigraphy", "bs", "骨シンチ"),
        "x_ray": ("x-ray", "xray", "xp", "radiograph"), "clinical": ("clinical", "臨床"),
        "other": (),
    },
    "boolean": {
        "true": ("yes", "y", "1", "t", "はい", "あり", "有"),
        "false": ("no", "n", "0", "f", "いいえ", "なし", "無"),
    },
}

# Which spelling set each (table, column) uses.
_DOMAIN = {
    ("patients", "sex"): "sex",
    ("tumor_assessments", "response"): "response",
    ("tumor_assessments", "method"): "assessment_method",
    ("drug_administrations", "setting"): "setting",
    ("drug_administrations", "discontinuation_reason"): "discontinuation_reason",
    ("biomarkers", "marker"): "marker",
    ("biomarkers", "method"): "biomarker_method",
    ("biomarkers", "result"): "result",
    ("biomarkers", "specimen"): "specimen",
    ("diagnoses", "de_novo_metastatic"): "boolean",
}


def categorical_columns(table: str) -> tuple[str, ...]:
    """Columns of ``table`` whose values are mapped to a canonical spelling."""
    return tuple(c for (t, c) in _DOMAIN if t == table)


def spellings(table: str, column: str, responses: Mapping[str, str] = ()) -> dict[str, str]:
    """``value_key(spelling) -> canonical`` for one categorical column."""
    domain = _DOMAIN[(table, column)]
    out: dict[str, str] = {}
    for canonical, variants in _SPELLINGS[domain].items():
        for spelling in (canonical, *variants):
            out[value_key(spelling)] = canonical
    if domain == "response":
        for spelling, canonical in dict(responses).items():
            out[value_key(spelling)] = canonical
    return out


def allowed(table: str, column: str) -> tuple[str, ...]:
    """The canonical values of a categorical column."""
    if _DOMAIN[(table, column)] == "boolean":
        return ("true", "false")
    return TABLES[table].column(column).allowed or ()
