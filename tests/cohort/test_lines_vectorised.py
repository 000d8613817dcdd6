"""The vectorised lines walk equals the first, object-per-line implementation (naive_lines)
on random record sets: same lines, numbers, drugs, dates, settings and flags."""

from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from naive_lines import derive_lines as naive_derive_lines

from retrostudy.cohort import lines as lines_module
from retrostudy.cohort.drugs import drug_lookup
from retrostudy.cohort.lines import derive_lines, prepare_records
from retrostudy.protocol.cohort import LinesBlock

DRUGS = drug_lookup()
POOL = [
    "trastuzumab", "pertuzumab", "docetaxel", "paclitaxel", "nab-paclitaxel", "capecitabine",
    "fluorouracil", "letrozole", "trastuzumab emtansine", "lapatinib", "vinorelbine",
    "pertuzumab+trastuzumab", "denosumab", "eribulin",
]
SETTINGS = [None, None, "metastatic", "adjuvant", "neoadjuvant"]
DAY0 = pd.Timestamp("2015-01-01")

record = st.tuples(
    st.integers(0, 3),  # patient
    st.sampled_from(POOL),
    st.integers(-400, 700),  # day
    st.one_of(st.none(), st.integers(0, 200)),  # end_date - date
    st.sampled_from(SETTINGS),
)


def _frames(records, with_dates):
    adm = pd.DataFrame(
        {
            "patient_id": [f"P{p}" for p, *_ in records],
            "drug": [r[1] for r in records],
            "date": [DAY0 + pd.Timedelta(days=r[2]) for r in records],
            "end_date": [
                pd.NaT if r[3] is None else DAY0 + pd.Timedelta(days=r[2] + r[3]) for r in records
            ],
            "setting": pd.Series([r[4] for r in records], dtype="string"),
        }
    ).astype({"date": "datetime64[s]", "end_date": "datetime64[s]"})
    ids = sorted({f"P{p}" for p, *_ in records})
    dates = pd.DataFrame(
        {
            "patient_id": ids,
            "metastatic_date": [DAY0 if with_dates else pd.NaT] * len(ids),
            "surgery_date": [DAY0 - pd.Timedelta(days=200)] * len(ids),
            "index_date": [DAY0 + pd.Timedelta(days=100)] * len(ids),
        }
    )
    return adm, dates


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(record, min_size=1, max_size=60),
    window=st.sampled_from([0, 14, 28]),
    gap=st.sampled_from([30, 120]),
    from_records=st.booleans(),
    with_dates=st.booleans(),
)
def test_vectorised_lines_equal_the_object_walk(records, window, gap, from_records, with_dates):
    adm, dates = _frames(records, with_dates)
    block = LinesBlock(
        regimen_window_days=window,
        gap_days=gap,
        setting_from_records=from_records,
        substitutions=[
            ["paclitaxel", "docetaxel", "nab-paclitaxel"],
            ["capecitabine", "fluorouracil"],
        ],
        maintenance_drugs=["trastuzumab", "pertuzumab"],
        maintenance_add_classes=["endocrine"],
        always_new_line=["trastuzumab emtansine"],
        exclude_classes=["supportive"],
    )
    index = ("trastuzumab emtansine",)
    fast = derive_lines(adm, dates, block, DRUGS, index)
    slow = naive_derive_lines(adm, dates, block, DRUGS, index)
    pd.testing.assert_frame_equal(fast, slow)


def _block(window=28, gap=120):
    return LinesBlock(
        regimen_window_days=window, gap_days=gap,
        substitutions=[["paclitaxel", "docetaxel", "nab-paclitaxel"]],
        maintenance_drugs=["trastuzumab", "pertuzumab"], maintenance_add_classes=["endocrine"],
        always_new_line=["trastuzumab emtansine"], exclude_classes=["supportive"],
    )


def test_walk_by_record_rank_equals_the_walk_record_by_record():
    """Many patients with very different record counts (the rank walk's active prefix
    shrinks step by step) against the per-record walk (used beyond MAX_KEYS keys)."""
    rng = np.random.default_rng(11)
    n = 4000
    records = list(zip(
        rng.geometric(0.02, n) % 300, rng.choice(POOL, n), rng.integers(-400, 900, n).tolist(),
        [None if x < 0 else int(x) for x in rng.integers(-100, 60, n)], [None] * n,
        strict=True,
    ))
    adm, dates = _frames(records, True)
    for window, gap in ((0, 30), (28, 120), (60, 45)):
        block = _block(window, gap)
        fast = derive_lines(adm, dates, block, DRUGS, ("trastuzumab emtansine",))
        with mock.patch.object(lines_module, "MAX_KEYS", 0):
            slow = derive_lines(adm, dates, block, DRUGS, ("trastuzumab emtansine",))
        pd.testing.assert_frame_equal(fast, slow)
        assert fast["line"].max() > 5 and fast["patient_id"].nunique() > 150


def test_prepare_records_merges_one_patient_drug_date_and_splits_combinations():
    adm, _ = _frames(
        [
            (0, "pertuzumab+trastuzumab", 0, None, None),
            (0, "trastuzumab", 0, 30, "metastatic"),
            (0, "denosumab", 0, None, None),
            (1, "docetaxel", 5, None, "adjuvant"),
        ],
        True,
    )
    out = prepare_records(adm, LinesBlock(exclude_classes=["supportive"]), DRUGS)
    assert out["drug"].tolist() == ["pertuzumab", "trastuzumab", "docetaxel"]
    assert out["patient_id"].tolist() == ["P0", "P0", "P1"]
    ends = (pd.to_datetime(out["end"]) - DAY0).dt.days.tolist()
    assert ends == [0, 30, 5]
    # the trastuzumab row merges the combination's (no setting) and the single record's
    assert pd.isna(out["setting"][0]) and out["setting"].tolist()[1:] == ["metastatic", "adjuvant"]


NAMES = ["aldrug", "bedrug", "codrug", "dudrug", "exdrug", "fydrug"]  # unknown: class "other"
ALWAYS = ["aldrug", "dudrug"]  # the index drug is aldrug


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(NAMES), st.integers(0, 300),
                  st.one_of(st.none(), st.integers(0, 60)), st.sampled_from(SETTINGS)),
        min_size=1, max_size=40,
    ),
    always_order=st.permutations(ALWAYS),
    other_order=st.permutations([n for n in NAMES if n not in ALWAYS]),
    window=st.sampled_from([0, 28]),
    add=st.sampled_from(["endocrine", "other"]),  # "other": every test drug is an addition
)
def test_renaming_drugs_never_changes_the_lines(records, always_order, other_order, window, add):
    """issue 16: the lines (numbers, dates, settings, index line) do not depend on drug
    names. A permutation of the names that keeps each drug's always_new_line flag, applied
    to the records and to every name in the rules, gives the same lines, drugs renamed."""
    others = [n for n in NAMES if n not in ALWAYS]
    rename = dict(zip(ALWAYS + others, list(always_order) + list(other_order), strict=True))

    def block(names):
        return LinesBlock(
            regimen_window_days=window, gap_days=120,
            substitutions=[[names["bedrug"], names["codrug"]]],
            maintenance_drugs=[names["exdrug"]], maintenance_add_classes=[add],
            always_new_line=[names["dudrug"]], exclude_classes=["supportive"],
        )

    adm, dates = _frames(records, True)
    renamed = adm.assign(drug=adm["drug"].map(rename))
    same = {n: n for n in NAMES}
    for fast in (derive_lines, naive_derive_lines):
        before = fast(adm, dates, block(same), DRUGS, ("aldrug",))
        after = fast(renamed, dates, block(rename), DRUGS, (rename["aldrug"],))
        before["drugs"] = before["drugs"].map(
            lambda s: " + ".join(sorted(rename[x] for x in s.split(" + "))))
        pd.testing.assert_frame_equal(before.astype({"drugs": "string"}), after)
