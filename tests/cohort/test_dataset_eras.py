"""The analysis-dataset writer and drug eras."""

import pandas as pd

from retrostudy.cohort import drug_eras, write_analysis_dataset


def test_write_csv_and_parquet(tmp_path):
    df = pd.DataFrame(
        {
            "patient_id": pd.array(["1", "2"], dtype="string"),
            "group": pd.array(["A", None], dtype="string"),
            "index_date": pd.to_datetime(["2015-01-01", "2016-02-03"]).astype("datetime64[s]"),
            "ecog": pd.array([0, None], dtype="Int64"),
            "visceral": pd.array([True, None], dtype="boolean"),
        }
    )
    out = write_analysis_dataset(df, tmp_path / "out")
    assert out.n_rows == 2
    assert out.csv.read_text().splitlines() == [
        "patient_id,group,index_date,ecog,visceral",
        "1,A,2015-01-01,0,True",
        "2,,2016-02-03,,",
    ]
    back = pd.read_parquet(out.parquet)
    assert back["ecog"].isna().tolist() == [False, True] and back["index_date"][1] == pd.Timestamp(
        "2016-02-03"
    )


def test_drug_eras_merge_within_persistence_gap():
    dates = pd.to_datetime(["2015-01-01", "2015-01-22", "2015-03-30", "2015-01-10"])
    records = pd.DataFrame(
        {"patient_id": ["X", "X", "X", "X"], "drug": ["t", "t", "t", "p"], "date": dates}
    )
    eras = drug_eras(records, exposure_days=21, persistence_gap_days=30)
    got = [
        (r.drug, str(r.era_start.date()), str(r.era_end.date()), r.days) for r in eras.itertuples()
    ]
    # t: 01-01..01-21, 01-22..02-11 merge; 03-30 starts 47 days after 02-11 -> a new era
    assert got == [
        ("p", "2015-01-10", "2015-01-30", 21),
        ("t", "2015-01-01", "2015-02-11", 42),
        ("t", "2015-03-30", "2015-04-19", 21),
    ]


def test_drug_eras_regimen_records_keep_their_end_date():
    records = pd.DataFrame(
        {
            "patient_id": ["X"],
            "drug": ["capecitabine"],
            "date": pd.to_datetime(["2015-01-01"]),
            "end_date": pd.to_datetime(["2015-06-30"]),
        }
    )
    eras = drug_eras(records, exposure_days=21)
    assert eras["days"].tolist() == [181]
