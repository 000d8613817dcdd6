"""OMOP oncology episodes on the hand-built CDM of conftest.py plus episode tables: response
episodes become tumour assessments, regimen episodes ``episode_lines``; every episode and
episode_event row is mapped, not relevant or rejected with a clear problem. Expected values
are derived by hand from the comments below."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import block, tiny_cdm, write_folder
from test_load_omop import EXPECTED, LENIENT, frame, table

from retrostudy.data.omop.episodes import compare_lines
from retrostudy.data.omop.load import check_omop, load_omop
from retrostudy.data.omop.source import table_names
from retrostudy.data.store import duckdb_backend
from retrostudy.errors import DataError

D = dt.date
F, COND = 1147094, 1147127  # drug_exposure_id, condition_occurrence_id field concepts
POLICY = {**LENIENT, "duplicate_key": "quarantine"}


def episode_cdm() -> dict[str, pd.DataFrame]:
    frames = tiny_cdm()
    rows = [  # id, person, concept, start, end, number
        (100, 1, 32677, D(2015, 2, 1), None, None),  # PD, as measurement 34 says: merged
        (101, 1, 32677, D(2015, 6, 1), None, None),  # PD on a new day: a new assessment
        (102, 1, 32677, D(2014, 10, 24), None, None),  # measurement 33 says SD: conflict
        (103, 99, 32677, D(2015, 1, 1), None, None),  # unknown person
        (104, 2, 32531, D(2016, 3, 1), D(2016, 3, 31), 1),  # regimen, line 1
        (105, 1, 32531, D(2015, 1, 1), D(2015, 2, 12), 1),  # regimen, line 1
        (106, 1, 9999, D(2015, 1, 1), None, None),  # not an Episode concept
        (107, 1, 32528, D(2013, 7, 8), None, None),  # Disease First Occurrence: ignored
        (108, 3, 32531, D(2016, 5, 1), D(2016, 4, 1), 1),  # ends before it starts
        (109, 2, 32677, D(2021, 1, 1), None, None),  # after person 2's death (2020-03-01)
    ]
    frames["episode"] = pd.DataFrame(rows, columns=[
        "episode_id", "person_id", "episode_concept_id", "episode_start_date",
        "episode_end_date", "episode_number"]).astype({"episode_number": "Int64"})
    frames["episode"]["episode_object_concept_id"] = 0
    for col in ("episode_start_date", "episode_end_date"):
        frames["episode"][col] = pd.to_datetime(frames["episode"][col]).astype("datetime64[s]")
    frames["episode_event"] = pd.DataFrame([  # numbered by (episode_id, event_id, field):
        (104, 17, F),  # 3: lapatinib of person 2: mapped
        (104, 14, F),  # 2: drug concept 999 (in no set): not relevant
        (104, 13, F),  # 1: drug_exposure 13 was rejected (end before start)
        (104, 999, F),  # 4: no such drug_exposure
        (105, 10, F), (105, 11, F), (105, 12, F),  # 5, 7, 8: mapped
        (105, 10, COND),  # 6: a condition_occurrence link: not relevant
        (105, 18, F),  # 9: drug_exposure 18 is person 3's
        (106, 10, F),  # 10: its episode was rejected
        (107, 10, F),  # 11: its episode is not relevant
        (555, 10, F),  # 12: no such episode
    ], columns=["episode_id", "event_id", "episode_event_field_concept_id"])
    return frames


@pytest.fixture
def path(tmp_path):
    write_folder(episode_cdm(), tmp_path / "cdm")
    return tmp_path


def _counts(result):
    return {k: (c.read, c.loaded, c.rejected, c.not_relevant) for k, c in result.counts.items()}


def test_episodes_map_and_account(path):
    result = check_omop(block("cdm", policy=POLICY), path, duckdb_backend())
    counts = _counts(result)
    assert counts["episode"] == (10, 4, 5, 1)
    assert counts["episode_event"] == (12, 4, 5, 3)
    ta = EXPECTED["tumor_assessments"] + [("1", D(2015, 6, 1), "PD", None)]
    pd.testing.assert_frame_equal(table(result, "tumor_assessments"),
                                  frame("tumor_assessments", ta))
    rejects = result.store.backend.table("rejects").execute()
    got = {(r.table, int(r.row), r.code, r.column, r.value, r.message)
           for r in rejects.itertuples() if r.table.startswith("episode")}
    assert got == {
        ("episode", 102, "duplicate_key", "episode_concept_id", "32677",
         "a measurement response of this person on this day differs (SD); the episode says PD"),
        ("episode", 103, "unknown_patient", "person_id", "99",
         "person_id not in person (or the person was rejected)"),
        ("episode", 106, "invalid_value", "episode_concept_id", "9999",
         "episode_concept_id not in [data.omop] episode_concepts (map it to a response, "
         "'regimen' or 'ignore')"),
        ("episode", 108, "end_before_start", "episode_end_date", "2016-04-01",
         "episode_end_date before episode_start_date"),
        ("episode", 109, "after_death", "episode_start_date", "2021-01-01",
         "record dated after death (record 2021-01-01, death 2020-03-01)"),
        ("episode_event", 1, "unknown_event", "event_id", "13",
         "episode_id 104, event_id 13: the drug_exposure row was rejected"),
        ("episode_event", 4, "unknown_event", "event_id", "999",
         "episode_id 104, event_id 999: no such drug_exposure_id"),
        ("episode_event", 9, "invalid_value", "event_id", "18",
         "episode_id 105, event_id 18: the drug_exposure row is of person 3, the episode of "
         "person 1"),
        ("episode_event", 10, "unknown_event", "episode_id", "106",
         "episode_id 106, event_id 10: the episode was rejected"),
        ("episode_event", 12, "unknown_event", "episode_id", "555",
         "episode_id 555, event_id 10: no such episode"),
    }
    hint = rejects.loc[rejects["code"] == "unknown_event", "hint"].iloc[0]
    assert hint == "fix episode_event.episode_id / event_id, or the row they point to"
    lines = result.store.backend.table("episode_lines").execute().sort_values("episode_id")
    assert lines[["patient_id", "episode_id", "line", "drugs"]].values.tolist() == [
        ["2", 104, 1, "lapatinib"], ["1", 105, 1, "pertuzumab+trastuzumab + trastuzumab"]]
    assert [str(d) for d in pd.to_datetime(lines["start_date"]).dt.date] == [
        "2016-03-01", "2015-01-01"]


def test_default_policies_name_the_bad_episode_rows(path):
    with pytest.raises(DataError) as err:
        load_omop(block("cdm"), path, duckdb_backend())
    text = str(err.value)
    assert "episode.parquet, row 102, column 'episode_concept_id': a measurement response" in text
    assert "episode.parquet, row 106, column 'episode_concept_id': episode_concept_id not " \
           "in [data.omop] episode_concepts" in text
    assert "episode.parquet, row 108, column 'episode_end_date': episode_end_date before " \
           "episode_start_date (value '2016-04-01')" in text
    assert "episode_event.parquet, row 9, column 'event_id'" in text
    assert "episode_event.parquet, row 12" not in text  # unknown_event: quarantined


def test_episodes_off_and_required(path, tmp_path):
    result = check_omop(block("cdm", policy=POLICY, episodes="off"), path, duckdb_backend())
    assert "episode" not in result.counts
    assert len(table(result, "tumor_assessments")) == 2
    assert "episode_lines" not in table_names(result.store.backend)
    frames = tiny_cdm()
    write_folder(frames, tmp_path / "plain")
    with pytest.raises(DataError, match="OMOP table 'episode' not found") as err:
        load_omop(block("plain", policy=POLICY, episodes="required"), tmp_path,
                  duckdb_backend())
    assert "episodes = 'required'" in err.value.problems[0].hint


def test_episode_concepts_can_be_remapped(path):
    # remission read as CR (a site's convention); the unknown 9999 ignored; PD episodes
    # given as clinical assessments
    cdm = episode_cdm()
    cdm["episode"].loc[cdm["episode"]["episode_id"] == 101, "episode_concept_id"] = 32530
    write_folder(cdm, path / "cdm2")
    result = check_omop(block("cdm2", policy=POLICY, episode_method="clinical",
                              episode_concepts={"32530": "CR", "9999": "ignore"}),
                        path, duckdb_backend())
    ta = table(result, "tumor_assessments")
    assert ta.loc[ta["date"] == pd.Timestamp(2015, 6, 1), ["response", "method"]].values.tolist() \
        == [["CR", "clinical"]]
    assert _counts(result)["episode"] == (10, 4, 4, 2)


def test_compare_lines_side_by_side():
    episode = pd.DataFrame({"patient_id": ["1", "1", "2"], "line": [1, 2, 1],
                            "start_date": pd.to_datetime(["2015-01-01", "2016-01-01",
                                                          "2016-03-01"]),
                            "drugs": ["pertuzumab+trastuzumab + docetaxel",
                                      "trastuzumab emtansine", "lapatinib"]})
    derived = pd.DataFrame({"patient_id": ["1", "1", "1"], "line": [1, 2, 3],
                            "start": pd.to_datetime(["2015-01-01", "2016-01-08", "2017-01-01"]),
                            "drugs": ["docetaxel + pertuzumab + trastuzumab",
                                      "trastuzumab emtansine", "capecitabine + lapatinib"]})
    out = compare_lines(episode, derived)
    assert out[["line", "status", "same_start", "same_drugs"]].values.tolist() == [
        [1, "both", True, True],  # a combination product counts as its components
        [2, "both", False, True],
        [3, "derived only", False, False],
    ]  # patient 2 is not among the derived (e.g. not analysed): left out


def test_report_counts_not_relevant_omop_rows():
    """An OMOP load with rows whose concept is in no set adds up in the report (read =
    loaded + rejected + not relevant) instead of failing its accounting check."""
    from types import SimpleNamespace

    from retrostudy.data.omop.load import OmopCount
    from retrostudy.report.quality import Quality, record_counts, tables

    load = SimpleNamespace(counts={"drug_exposure": OmopCount(read=9, loaded=5, rejected=3,
                                                              not_relevant=1)}, problems=())
    assert record_counts(load) == {"drug_exposure": {"read": 9, "loaded": 5, "rejected": 3,
                                                     "not_relevant": 1}}
    shown = tables(Quality(load=load))
    assert shown["data_records"].columns == ("Read", "Loaded", "Rejected", "Not relevant")
    bad = SimpleNamespace(counts={"drug_exposure": OmopCount(read=9, loaded=5, rejected=2,
                                                             not_relevant=1)}, problems=())
    with pytest.raises(AssertionError, match="9 rows read but 5 loaded"):
        record_counts(bad)
