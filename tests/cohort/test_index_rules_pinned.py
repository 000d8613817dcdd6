"""Index-event rules the docs could be read two ways on, pinned to docs/protocol.md
("[index]"): a record spanning the window start, and ages of 29 February birthdays."""

from datetime import date

import pandas as pd
from cohort_helpers import TDM1, protocol

from retrostudy.cohort.build import select_patients
from retrostudy.data.store import Store


def _select(patients, doses, start="2018-01-01", end="2019-12-31"):
    p = protocol(index={"drug": TDM1, "start": start, "end": end, "label": "x"})
    frames = {"patients": patients, "drug_administrations": pd.DataFrame(doses)}
    return select_patients(p, Store.from_frames(frames)).patients.set_index("patient_id")


def _people(births: dict):
    return pd.DataFrame({"patient_id": list(births), "birth_date": list(births.values()),
                         "sex": ["female"] * len(births)})


def test_a_record_spanning_the_window_start_counts_at_its_start_date():
    ts = pd.Timestamp
    doses = [
        # one regimen-level record from before the window into it: not a dose in the window
        {"patient_id": "span", "drug": TDM1, "date": ts("2017-12-20"),
         "end_date": ts("2018-02-20")},
        # the same, then a dose inside: identified at the dose inside the window
        {"patient_id": "later", "drug": TDM1, "date": ts("2017-12-20"),
         "end_date": ts("2018-02-20")},
        {"patient_id": "later", "drug": TDM1, "date": ts("2018-03-01"), "end_date": pd.NaT},
        # a record starting on the first day of the window
        {"patient_id": "first", "drug": TDM1, "date": ts("2018-01-01"),
         "end_date": ts("2018-03-01")},
    ]
    born = date(1960, 1, 1)
    s = _select(_people({"span": born, "later": born, "first": born}), doses)
    assert set(s.index) == {"later", "first"}
    assert s.loc["later", "index_date"] == ts("2018-03-01")
    assert s.loc["later", "first_ever_date"] == ts("2017-12-20")  # an earlier course
    assert s.loc["first", "index_date"] == ts("2018-01-01")


def test_29_february_birthday_turns_a_year_older_on_1_march_in_common_years():
    leap = date(2000, 2, 29)
    index = {"feb28": "2018-02-28", "mar01": "2018-03-01", "leap_day": "2016-02-29",
             "leap_feb28": "2016-02-28"}
    doses = [{"patient_id": p, "drug": TDM1, "date": pd.Timestamp(d)} for p, d in index.items()]
    s = _select(_people(dict.fromkeys(index, leap)), doses, start="2016-01-01")
    ages = s["age"].astype(int).to_dict()
    assert ages == {"feb28": 17, "mar01": 18, "leap_day": 16, "leap_feb28": 15}
