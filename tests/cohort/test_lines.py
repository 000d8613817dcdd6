"""Line-of-therapy rules (docs/sources.md, "Lines of therapy") on hand-built patients.

Each patient has a metastatic diagnosis on 2015-01-01 (day 0) unless stated; records are
q3w doses on the days given.
"""

import pandas as pd
import pytest
from cohort_helpers import d

from retrostudy.cohort.drugs import drug_lookup
from retrostudy.cohort.lines import derive_lines
from retrostudy.protocol.cohort import LinesBlock

DRUGS = drug_lookup()


def _doses(drug, days, pid="X", setting=None):
    return [
        {"patient_id": pid, "drug": drug, "date": d(k), "end_date": pd.NaT, "setting": setting}
        for k in days
    ]


def _lines(*records, metastatic=0, surgery=None, index=None, block=None, index_drugs=()):
    adm = pd.DataFrame([r for rs in records for r in rs])
    adm["date"] = adm["date"].astype("datetime64[s]")
    adm["end_date"] = adm["end_date"].astype("datetime64[s]")
    dates = pd.DataFrame(
        {
            "patient_id": ["X"],
            "metastatic_date": [d(metastatic) if metastatic is not None else pd.NaT],
            "surgery_date": [d(surgery) if surgery is not None else pd.NaT],
            "index_date": [d(index) if index is not None else pd.NaT],
        }
    )
    return derive_lines(adm, dates, block or LinesBlock(), DRUGS, index_drugs)


def _summary(lines):
    return [
        (r.line, r.drugs, (r.start - d(0)).days, (r.end - d(0)).days) for r in lines.itertuples()
    ]


Q3W = range(0, 126, 21)  # six cycles: days 0..105


def test_drugs_within_the_regimen_window_form_one_line():
    lines = _lines(
        _doses("docetaxel", Q3W),
        _doses("trastuzumab", range(7, 130, 21)),
        _doses("pertuzumab", range(28, 130, 21)),
    )
    assert _summary(lines) == [(1, "docetaxel + pertuzumab + trastuzumab", 0, 112)]


def test_day_29_addition_starts_a_new_line_and_day_28_does_not():
    at_28 = _lines(_doses("vinorelbine", Q3W), _doses("capecitabine", [28, 49]))
    at_29 = _lines(_doses("vinorelbine", Q3W), _doses("capecitabine", [29, 50]))
    assert [r[1] for r in _summary(at_28)] == ["capecitabine + vinorelbine"]
    assert [r[:3] for r in _summary(at_29)] == [
        (1, "vinorelbine", 0),
        (2, "capecitabine + vinorelbine", 29),
    ]


def test_gap_over_120_days_starts_a_new_line_with_the_same_drugs():
    # last dose day 105; restart day 225 is a 120-day gap (same line), day 226 is 121 (new line)
    same = _lines(_doses("vinorelbine", [*Q3W, 225]))
    new = _lines(_doses("vinorelbine", [*Q3W, 226]))
    assert len(same) == 1 and _summary(same)[0][3] == 225
    assert [r[:3] for r in _summary(new)] == [(1, "vinorelbine", 0), (2, "vinorelbine", 226)]


def test_gap_parameter_comes_from_the_protocol():
    lines = _lines(_doses("vinorelbine", [0, 100]), block=LinesBlock(gap_days=60))
    assert len(lines) == 2


def test_substitution_does_not_advance():
    # paclitaxel replaced by docetaxel (hypersensitivity) on day 63, then nab-paclitaxel
    lines = _lines(
        _doses("paclitaxel", [0, 21, 42]),
        _doses("trastuzumab", Q3W),
        _doses("docetaxel", [63, 84]),
        _doses("nab-paclitaxel", [105]),
    )
    assert _summary(lines) == [(1, "docetaxel + nab-paclitaxel + paclitaxel + trastuzumab", 0, 105)]
    capecitabine = _lines(_doses("fluorouracil", [0, 21]), _doses("capecitabine", [60, 81]))
    assert len(capecitabine) == 1


def test_non_substitutable_addition_advances():
    lines = _lines(
        _doses("docetaxel", [0, 21, 42]), _doses("trastuzumab", Q3W), _doses("eribulin", [63, 84])
    )
    assert [r[1] for r in _summary(lines)] == ["docetaxel + trastuzumab", "eribulin + trastuzumab"]
    # a drug given within the regimen window before the new drug carries on into the new line
    offset = _lines(
        _doses("vinorelbine", [0, 21, 42]),
        _doses("capecitabine", [60, 81]),
        _doses("vinorelbine", [67, 88]),
    )
    assert [r[1] for r in _summary(offset)] == ["vinorelbine", "capecitabine + vinorelbine"]


def test_maintenance_continues_the_line():
    # THP for 6 cycles, then HP alone for a year: one line
    hp_days = range(0, 400, 21)
    lines = _lines(
        _doses("docetaxel", Q3W), _doses("trastuzumab", hp_days), _doses("pertuzumab", hp_days)
    )
    assert _summary(lines) == [(1, "docetaxel + pertuzumab + trastuzumab", 0, 399)]


def test_endocrine_added_during_her2_maintenance_does_not_advance():
    hp_days = range(0, 400, 21)
    lines = _lines(
        _doses("docetaxel", Q3W),
        _doses("trastuzumab", hp_days),
        _doses("pertuzumab", hp_days),
        _doses("letrozole", range(150, 400, 28)),
    )
    assert len(lines) == 1 and "letrozole" in lines["drugs"][0]
    # without a HER2 maintenance drug in the line, endocrine therapy added later is a new line
    alone = _lines(_doses("capecitabine", Q3W), _doses("letrozole", range(60, 200, 28)))
    assert len(alone) == 2


def test_her2_drug_paused_and_restarted_within_the_gap_does_not_advance():
    lines = _lines(_doses("vinorelbine", Q3W), _doses("trastuzumab", [0, 21, 150, 171]))
    assert len(lines) == 1


def test_her2_drug_added_to_a_line_without_it_advances():
    # lapatinib + capecitabine, then trastuzumab + capecitabine (lapatinib dropped)
    lines = _lines(
        _doses("lapatinib", range(0, 200, 28)),
        _doses("capecitabine", range(0, 400, 21)),
        _doses("trastuzumab", range(210, 400, 21)),
    )
    assert [r[1] for r in _summary(lines)] == [
        "capecitabine + lapatinib",
        "capecitabine + trastuzumab",
    ]


def test_dropped_drug_does_not_advance():
    lines = _lines(_doses("capecitabine", [0, 21]), _doses("vinorelbine", Q3W))
    assert len(lines) == 1


def test_index_drug_always_starts_a_new_line_even_inside_the_window():
    lines = _lines(
        _doses("trastuzumab", [0]),
        _doses("trastuzumab emtansine", [14, 35, 56]),
        index=14,
        index_drugs=("trastuzumab emtansine",),
    )
    assert [r[1] for r in _summary(lines)] == ["trastuzumab", "trastuzumab emtansine"]
    assert lines["index_line"].tolist() == [False, True]
    assert lines["metastatic_line"].tolist() == [1, 2]


def test_supportive_drugs_never_form_lines():
    lines = _lines(_doses("zoledronic acid", range(0, 300, 28)), _doses("vinorelbine", [100]))
    assert _summary(lines) == [(1, "vinorelbine", 100, 100)]


def test_setting_from_dates_and_early_relapse_within_183_days():
    # adjuvant docetaxel + trastuzumab, last dose day -164 (relapse 164 days later: early)
    # then a metastatic line from day 0
    lines = _lines(
        _doses("trastuzumab", range(-500, -159, 21)),
        _doses("docetaxel", [-500, -479]),
        _doses("vinorelbine", [0, 21]),
        surgery=-520,
        metastatic=0,
    )
    assert [r[1] for r in _summary(lines)] == ["docetaxel + trastuzumab", "vinorelbine"]
    assert lines["setting"].tolist() == ["adjuvant", "metastatic"]
    assert lines["early_relapse"].tolist() == [True, False]
    assert lines["metastatic_line"].tolist()[1] == 1 and pd.isna(lines["metastatic_line"][0])


def test_relapse_184_days_after_adjuvant_is_not_early():
    at_183 = _lines(_doses("trastuzumab", [-204, -183]))
    at_184 = _lines(_doses("trastuzumab", [-205, -184]))
    assert at_183["early_relapse"].tolist() == [True]
    assert at_184["early_relapse"].tolist() == [False]
    custom = _lines(_doses("trastuzumab", [-205, -184]), block=LinesBlock(early_relapse_days=200))
    assert custom["early_relapse"].tolist() == [True]


def test_neoadjuvant_before_surgery_and_late_relapse():
    lines = _lines(
        _doses("docetaxel", [-900, -879]),
        _doses("trastuzumab", range(-700, -600, 21)),
        _doses("vinorelbine", [0]),
        surgery=-850,
    )
    assert lines["setting"].tolist() == ["neoadjuvant", "adjuvant", "metastatic"]
    assert lines["early_relapse"].tolist() == [False, False, False]


def test_relapse_on_adjuvant_therapy_is_early():
    # adjuvant trastuzumab still being given when metastases are diagnosed on day 0
    lines = _lines(_doses("trastuzumab", range(-300, 30, 21), setting="adjuvant"))
    assert lines["setting"].tolist() == ["adjuvant"] and lines["early_relapse"].tolist() == [True]


def test_recorded_setting_wins_unless_switched_off():
    records = _doses("vinorelbine", [10], setting="adjuvant")
    assert _lines(records)["setting"].tolist() == ["adjuvant"]
    assert _lines(records, block=LinesBlock(setting_from_records=False))["setting"].tolist() == [
        "metastatic"
    ]


def test_setting_missing_without_metastatic_date():
    lines = _lines(_doses("vinorelbine", [0]), metastatic=None)
    assert lines["setting"].isna().all() and lines["early_relapse"].isna().all()


@pytest.mark.parametrize("window", [21, 28, 60])
def test_regimen_window_parameter(window):
    lines = _lines(
        _doses("vinorelbine", Q3W),
        _doses("capecitabine", [40]),
        block=LinesBlock(regimen_window_days=window),
    )
    assert len(lines) == (1 if window >= 40 else 2)


def test_two_patients_and_columns():
    lines = _lines(_doses("vinorelbine", [0]), _doses("capecitabine", [0], pid="Y"))
    assert list(lines.columns) == [
        "patient_id",
        "line",
        "drugs",
        "start",
        "end",
        "setting",
        "metastatic_line",
        "early_relapse",
        "index_line",
    ]
    assert lines["patient_id"].tolist() == ["X", "Y"]


def _index_line_number(companion, companion_days):
    """Paclitaxel x3 from day 31 (February 2015), then eribulin (the index drug, so
    always a new line) on day 151 and ``companion`` on ``companion_days``."""
    lines = _lines(
        _doses("paclitaxel", [31, 52, 73]),
        _doses(companion, companion_days),
        _doses("eribulin", [151, 172, 193]),
        index=151,
        index_drugs=("eribulin",),
    )
    return lines.loc[lines["index_line"], "line"].tolist(), _summary(lines)


@pytest.mark.parametrize("companion", ["bevacizumab", "gemcitabine"])
def test_a_drug_started_with_the_always_new_line_drug_joins_its_line(companion):
    # issue 16: bevacizumab (sorted before eribulin) made a line of its own (index line 3),
    # gemcitabine (sorted after) joined eribulin's (index line 2): the names decided
    number, summary = _index_line_number(companion, [151, 172])
    assert number == [2]
    assert summary == [
        (1, "paclitaxel", 31, 73),
        (2, " + ".join(sorted([companion, "eribulin"])), 151, 193),
    ]


@pytest.mark.parametrize("companion", ["bevacizumab", "gemcitabine"])
def test_a_single_dose_of_another_drug_the_day_before_is_a_line_of_its_own(companion):
    # the records say the companion started a day earlier, after the paclitaxel line's
    # regimen window: it advances the line that day; eribulin starts the next line the day
    # after (the rule that makes any switch to an always_new_line drug a new line)
    number, summary = _index_line_number(companion, [150])
    assert number == [3]
    assert summary == [
        (1, "paclitaxel", 31, 73), (2, companion, 150, 150), (3, "eribulin", 151, 193)
    ]
    # given on as a companion from the next cycle, it is part of eribulin's line too
    number, summary = _index_line_number(companion, [150, 172])
    assert number == [3] and summary[2][1] == " + ".join(sorted([companion, "eribulin"]))


def test_two_always_new_line_drugs_started_on_one_day_are_one_line():
    lines = _lines(
        _doses("paclitaxel", [0, 21]),
        _doses("trastuzumab emtansine", [100]),
        _doses("trastuzumab deruxtecan", [100]),
    )
    assert _summary(lines) == [
        (1, "paclitaxel", 0, 21),
        (2, "trastuzumab deruxtecan + trastuzumab emtansine", 100, 100),
    ]


def test_a_held_drug_given_on_the_day_a_new_drug_is_added_moves_with_it():
    # vinorelbine is given on day 63 with the newly added drug: the whole day starts line 2,
    # so line 1 ends on day 42 whether the new drug's name sorts before vinorelbine or after
    # (before, the day-63 vinorelbine dose stayed in line 1 when the new name sorted after)
    for added in ("capecitabine", "zolbetuximab"):
        lines = _lines(_doses("vinorelbine", [0, 21, 42, 63]), _doses(added, [63, 84]))
        assert [r[2:] for r in _summary(lines)] == [(0, 42), (63, 84)], added


def test_the_line_setting_is_the_first_recorded_on_its_first_day_whatever_the_names():
    for first, second in (("bevacizumab", "vinorelbine"), ("vinorelbine", "bevacizumab")):
        lines = _lines(
            _doses(second, [0], setting="metastatic"),  # input order: this record first
            _doses(first, [0]),
            metastatic=300,
        )
        assert lines["setting"].tolist() == ["metastatic"], (first, second)
