"""The vectorised specimen statuses and specimen choice against a naive loop.

Random multi-row specimens (1-4 rows each, rows that repeat across specimens in different
orders, missing cells as None and NaN, specimens on the same day of both types), not the
example's one-row specimens: each specimen is evaluated on its own by the guideline and
each patient's specimen chosen by sorting that patient's specimens in Python.
"""

import math

import numpy as np
import pandas as pd
import pytest

from retrostudy.cohort.covariates import _pick, _specimen, _specimens

READINGS = {
    "HER2": [("IHC", "positive", "3+"), ("IHC", "equivocal", "IHC 2+"), ("IHC", "negative", "0"),
             ("ISH", "positive", "HER2/CEP17 ratio 2.4"), ("ISH", "negative", "not amplified"),
             ("ISH", None, "ratio 1.5, copy number 6.5"), (None, "positive", None),
             ("IHC", "negative", math.nan)],
    "ER": [("IHC", "positive", "60%"), ("IHC", "negative", "0%"), ("IHC", None, "5%"),
           ("IHC", "positive", "Allred 2"), (None, "negative", None), ("IHC", math.nan, "")],
}
READINGS["PgR"] = READINGS["ER"]
STATUS_RANK = {"positive": 0, "low_positive": 1, "equivocal": 2, "negative": 3}


def _records(seed):
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(60):
        for _ in range(rng.integers(0, 5)):
            marker = ["HER2", "ER", "PgR"][rng.integers(3)]
            date = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 4)))
            specimen = ["primary", "metastasis"][rng.integers(2)]
            options = READINGS[marker]
            for _ in range(rng.integers(1, 4)):
                method, result, value = options[rng.integers(len(options))]
                rows.append({"patient_id": f"P{p:03d}", "date": date, "marker": marker,
                             "method": method, "result": result, "value": value,
                             "specimen": specimen})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame["date"] = frame["date"].astype("datetime64[s]")
    return frame


def _naive_specimens(frame, rule):
    keys = ["patient_id", "marker", "date", "specimen"]
    out = []
    for key, rows in frame.groupby(keys, sort=True):  # groupby keeps the rows' order
        cells = tuple(zip(rows["method"], rows["result"], rows["value"], strict=True))
        out.append((*key, *_specimen(key[1], cells, rule)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rule", ["asco_cap_2018", "asco_cap_2013"])
def test_specimens_match_one_evaluation_per_specimen(seed, rule):
    frame = _records(seed)
    got = _specimens(frame, rule)
    want = _naive_specimens(frame, rule)
    assert len(got) == len(want)
    for row, expected in zip(got.itertuples(index=False), want, strict=True):
        assert (row.patient_id, row.marker, pd.Timestamp(row.date), row.specimen) == expected[:4]
        for a, b in zip(row[4:], expected[4:], strict=True):
            assert (pd.isna(a) and pd.isna(b)) or a == b


def _naive_pick(specimens, marker, rule):
    chosen = {}
    rows = specimens.loc[(specimens["marker"] == marker) & specimens["status"].notna()]
    if rule == "primary":
        rows = rows.loc[rows["specimen"] == "primary"]
    for pid, own in rows.groupby("patient_id"):
        def key(r):
            rank = -STATUS_RANK.get(r.status, 4)
            if rule == "any_positive":
                return (rank, r.date)
            if rule in ("metastasis_first", "primary_first"):
                first = "metastasis" if rule == "metastasis_first" else "primary"
                return (int(r.specimen == first), r.date, rank)
            return (r.date, rank)
        ordered = sorted(own.itertuples(index=False), key=key)  # stable: ties keep order
        chosen[pid] = ordered[-1]
    return chosen


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("rule", ["primary", "most_recent_before_index", "metastasis_first",
                                  "primary_first", "any_positive"])
def test_pick_matches_a_sort_per_patient(seed, rule):
    specimens = _specimens(_records(seed), "asco_cap_2018")
    for marker in ("HER2", "ER", "PgR"):
        got = _pick(specimens, marker, rule)
        want = _naive_pick(specimens, marker, rule)
        assert sorted(got.index) == sorted(want)
        for pid, row in want.items():
            picked = got.loc[pid]
            assert (picked["date"], picked["specimen"], picked["inputs"]) == (
                row.date, row.specimen, row.inputs)
