"""The vectorised prior-therapy covariates equal the first, pandas-groupby implementation
(naive_prior) on random record sets: exposures, durations (drug eras), regimen counts,
settings and combinations."""

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from naive_prior import prior_exposure as naive_exposure
from naive_prior import prior_regimens as naive_regimens
from test_lines_vectorised import DAY0, POOL, _frames, record

from retrostudy.cohort.drugs import drug_lookup
from retrostudy.cohort.eras import drug_eras, era_totals, total_days
from retrostudy.cohort.lines import derive_lines
from retrostudy.cohort.prior import prior_exposure, prior_regimens
from retrostudy.protocol.cohort import CovariatesBlock, LinesBlock

DRUGS = drug_lookup()


def _index(records, extra_patient):
    ids = sorted({f"P{p}" for p, *_ in records} | ({"P9"} if extra_patient else set()))
    return pd.DataFrame(
        {
            "patient_id": pd.array(ids, dtype="string"),
            "index_date": [DAY0 + pd.Timedelta(days=100 + 7 * i) for i in range(len(ids))],
        }
    ).astype({"index_date": "datetime64[s]"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(record, min_size=1, max_size=60),
    window=st.sampled_from([(-math.inf, -1), (-365, 0), (-200, 30)]),
    exposure_days=st.sampled_from([0, 1, 21]),
    gap=st.sampled_from([0, 30]),
    extra_patient=st.booleans(),
)
def test_vectorised_exposure_equals_the_groupby_version(
    records, window, exposure_days, gap, extra_patient
):
    adm, _ = _frames(records, True)
    index = _index(records, extra_patient)
    block = CovariatesBlock(
        exposure_drugs=[*POOL[:10], "not a drug"],
        exposure_classes=["her2_targeted", "chemotherapy", "endocrine"],
        exposure_window=window,
        exposure_days=exposure_days,
        persistence_gap_days=gap,
    )
    fast = prior_exposure(adm, index, block, DRUGS)
    slow = naive_exposure(adm, index, block, DRUGS)
    pd.testing.assert_frame_equal(fast, slow)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(record, min_size=1, max_size=60), extra_patient=st.booleans())
def test_vectorised_regimens_equal_the_groupby_version(records, extra_patient):
    adm, dates = _frames(records, True)
    index = _index(records, extra_patient)
    dates = dates.drop(columns="index_date").merge(index, on="patient_id", how="right")
    lines = derive_lines(adm, dates, LinesBlock(), DRUGS, ("trastuzumab emtansine",))
    block = CovariatesBlock(
        combinations={"dtp": ["docetaxel", "trastuzumab", "pertuzumab"], "cap": ["capecitabine"]}
    )
    fast = prior_regimens(lines, index, block, DRUGS)
    slow = naive_regimens(lines, index, block, DRUGS)
    pd.testing.assert_frame_equal(fast, slow)


def test_era_totals_hand_derived():
    # patient 0, key 0: days 0..20 and 21..41 merge (gap 0 <= 30): 42 days; day 100 is
    # 58 days after 41: a new era of 21 days. Patient 1, key 0: one era 5..25.
    p, k, days = era_totals(
        pd.array([0, 0, 0, 1]).to_numpy(int), pd.array([0, 0, 0, 0]).to_numpy(int),
        pd.array([0, 21, 100, 5]).to_numpy(int), pd.array([20, 41, 120, 25]).to_numpy(int), 30,
    )
    assert p.tolist() == [0, 1] and k.tolist() == [0, 0] and days.tolist() == [63, 21]
    frame = pd.DataFrame(
        {"patient_id": ["a", "a", "a", "b"], "drug": "t",
         "date": pd.to_datetime(["2015-01-01", "2015-01-22", "2015-04-11", "2015-01-06"])}
    )
    assert total_days(drug_eras(frame), "drug")["t"].tolist() == [63, 21]
