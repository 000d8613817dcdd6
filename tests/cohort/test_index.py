"""The index event: window boundaries, first_in_window vs first_ever, early first doses reported."""

import pandas as pd
import pytest
from cohort_helpers import TDM1, people, protocol

from retrostudy.cohort.build import select_patients
from retrostudy.data.store import Store


def _dose(pid, day):
    return {"patient_id": pid, "drug": TDM1, "date": pd.Timestamp(day)}


FRAMES = {
    "patients": people("start", "end", "before", "after", "early", "brand"),
    "drug_administrations": pd.DataFrame(
        [
            _dose("start", "2014-04-01"),  # on the first day of the window
            _dose("end", "2017-02-28"),  # on the last day
            _dose("before", "2014-03-31"),  # the day before: not identified
            _dose("after", "2017-03-01"),  # the day after: not identified
            _dose("early", "2013-10-01"),  # first ever before the window ...
            _dose("early", "2015-05-05"),  # ... and again inside it
            _dose("early", "2015-05-26"),
            {"patient_id": "brand", "drug": "trastuzumab", "date": pd.Timestamp("2015-01-01")},
        ]
    ),
}


def _select(occurrence):
    p = protocol(
        index={
            "drug": TDM1,
            "start": "2014-04-01",
            "end": "2017-02-28",
            "occurrence": occurrence,
            "label": "x",
        }
    )
    return select_patients(p, Store.from_frames(FRAMES))


def test_first_in_window():
    s = _select("first_in_window")
    dates = dict(
        zip(s.patients["patient_id"], s.patients["index_date"].dt.strftime("%Y-%m-%d"), strict=True)
    )
    assert dates == {"early": "2015-05-05", "end": "2017-02-28", "start": "2014-04-01"}
    early = s.first_ever_before_window
    assert early["patient_id"].tolist() == ["early"]
    assert str(early["first_ever_date"][0].date()) == "2013-10-01"
    assert str(early["first_in_window_date"][0].date()) == "2015-05-05"


def test_first_ever_drops_but_reports_earlier_starters():
    s = _select("first_ever")
    assert sorted(s.patients["patient_id"]) == ["end", "start"]
    assert s.attrition.identified == 2
    assert s.first_ever_before_window["patient_id"].tolist() == ["early"]


@pytest.mark.parametrize("occurrence", ["first_in_window", "first_ever"])
def test_open_window(occurrence):
    p = protocol(index={"drug": TDM1, "occurrence": occurrence})
    s = select_patients(p, Store.from_frames(FRAMES))
    assert sorted(s.patients["patient_id"]) == ["after", "before", "early", "end", "start"]
    assert s.first_ever_before_window.empty
    index = dict(
        zip(s.patients["patient_id"], s.patients["index_date"].dt.strftime("%Y-%m-%d"), strict=True)
    )
    assert index["early"] == "2013-10-01"
