"""generate_cohort (the scalable generator), write_study and the `retrostudy synth` command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retrostudy.cli import main
from retrostudy.data.schema import TABLES
from retrostudy.data.store import Store
from retrostudy.synth import generate_cohort, write_study


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(2000, seed=3)


def test_tables_are_canonical(cohort):
    assert set(cohort.tables) == set(TABLES)
    for name, table in TABLES.items():
        assert tuple(cohort.tables[name].columns) == table.column_names, name
    Store.from_frames(cohort.tables)  # every table conforms to the canonical types


def test_records_are_consistent_with_truth(cohort):
    truth = cohort.truth.set_index("patient_id")
    drugs = cohort.tables["drug_administrations"]
    tdm1 = drugs[drugs["drug"] == "trastuzumab emtansine"]
    first = tdm1.groupby("patient_id", observed=True)["date"].min()
    assert (first == truth.loc[first.index, "index_date"]).all()
    prior_p = drugs[(drugs["drug"] == "pertuzumab")]["patient_id"].astype(str).unique()
    assert set(prior_p) == set(truth.index[truth["group"] == "Tmab/Pmab"])
    scans = cohort.tables["tumor_assessments"]
    pd_scan = scans[scans["response"] == "PD"].groupby("patient_id", observed=True)["date"].min()
    days = (pd_scan - truth.loc[pd_scan.index, "index_date"]).dt.days
    assert (days == truth.loc[pd_scan.index, "pfs_days"]).all()
    assert truth.loc[pd_scan.index, "pfs_event"].all()
    assert len(drugs) / len(truth) > 25  # about 30 administrations per patient


def test_distributions_are_realistic(cohort):
    t = cohort.truth
    medians = t.groupby("group")["pfs_days"].median()
    assert medians["Tmab/Pmab"] < medians["Tmab"]
    assert 0.5 < t["visceral"].mean() < 0.9
    assert set(t["ecog"]) <= {0, 1, 2}


def test_same_seed_same_data_other_seed_other_data(cohort):
    again = generate_cohort(2000, seed=3)
    for name in TABLES:
        pd.testing.assert_frame_equal(cohort.tables[name], again.tables[name])
    other = generate_cohort(2000, seed=4)
    assert not np.array_equal(other.truth["pfs_days"], cohort.truth["pfs_days"])


def test_bad_size():
    with pytest.raises(ValueError, match="n_patients must be >= 1"):
        generate_cohort(0)


def test_write_parquet_and_csv(tmp_path, cohort):
    paths = write_study(cohort, tmp_path / "pq", fmt="parquet")
    assert {p.name for p in paths} == {f"{n}.parquet" for n in [*TABLES, "truth"]}
    back = pd.read_parquet(tmp_path / "pq" / "drug_administrations.parquet")
    assert len(back) == len(cohort.tables["drug_administrations"])
    write_study(cohort, tmp_path / "csv", fmt="csv", raw=False)
    head = (
        (tmp_path / "csv" / "drug_administrations.csv").read_text(encoding="utf-8").splitlines()[:2]
    )
    assert head[0] == ",".join(TABLES["drug_administrations"].column_names)
    with pytest.raises(ValueError, match="fmt must be"):
        write_study(cohort, tmp_path, fmt="xlsx")


def test_cli_patients(tmp_path, capsys):
    assert main(["synth", "--patients", "50", "--out", str(tmp_path), "--format", "parquet"]) == 0
    assert "50 SYNTHETIC patients" in capsys.readouterr().out
    assert (tmp_path / "patients.parquet").exists()


def test_cli_seed_study(tmp_path):
    assert main(["synth", "--seed-study", "--out", str(tmp_path)]) == 0
    raw = pd.read_csv(tmp_path / "drug_administrations.csv")
    assert "Kadcyla" in set(raw["drug"]) or "カドサイラ" in set(raw["drug"])
    assert len(pd.read_csv(tmp_path / "patients.csv")) == 51


def test_cli_needs_what_to_generate(tmp_path):
    assert main(["synth", "--out", str(tmp_path)]) == 2  # argparse's usage error
