"""The seed study's synthetic extract: every count the paper prints, recomputed from records.

The checks below derive each quantity from the canonical tables with deliberately plain
code (loops over 51 patients), not from the generator's truth nor from the cohort or
endpoint layers, so a generator bug cannot hide behind a shared helper. The truth table
is then checked against these independent derivations, patient by patient.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retrostudy.synth import generate_seed_study, write_study
from retrostudy.synth.calibrate import km_median_ci

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab" / "data"
WINDOW = (pd.Timestamp("2014-04-01"), pd.Timestamp("2017-02-28"))
P, T = "Tmab/Pmab", "Tmab"
VISCERAL = {"brain", "lung", "pleura", "liver"}
LINE_DRUGS = {
    "trastuzumab",
    "pertuzumab",
    "lapatinib",
    "docetaxel",
    "paclitaxel",
    "capecitabine",
    "vinorelbine",
    "eribulin",
    "gemcitabine",
    "tegafur/gimeracil/oteracil",
    "trastuzumab emtansine",
}
MONTH = 30.4375


@pytest.fixture(scope="module")
def study():
    return generate_seed_study()


@pytest.fixture(scope="module")
def derived(study):
    """One row per identified patient, derived from the records only."""
    t = study.tables
    drugs = t["drug_administrations"]
    tdm1 = drugs[drugs["drug"] == "trastuzumab emtansine"]
    in_window = tdm1[(tdm1["date"] >= WINDOW[0]) & (tdm1["date"] <= WINDOW[1])]
    rows = []
    for pid, index in in_window.groupby("patient_id")["date"].min().items():
        rows.append(_patient(t, pid, index))
    return pd.DataFrame(rows).set_index("patient_id")


def _patient(t, pid, index) -> dict:
    mine = {name: frame[frame["patient_id"] == pid] for name, frame in t.items()}
    drugs = mine["drug_administrations"]
    prior = drugs[drugs["date"] < index]
    had = set(prior["drug"])
    row = {"patient_id": pid, "index_date": index}
    if "trastuzumab emtansine" in had:
        return row | {"status": "prior_tdm1"}
    if not had & {"trastuzumab", "pertuzumab"}:
        return row | {"status": "no_prior_trastuzumab_or_pertuzumab"}
    row["status"] = "analysed"
    row["group"] = P if "pertuzumab" in had else T
    birth = mine["patients"]["birth_date"].iloc[0]
    row["age"] = index.year - birth.year - ((index.month, index.day) < (birth.month, birth.day))
    row["ecog"] = _ecog(mine["observations"], index)
    sites = mine["observations"].query("name == 'metastatic_site'")
    row["visceral"] = bool(
        set(sites.loc[sites["date"] <= index + pd.Timedelta(days=7), "value"]) & VISCERAL
    )
    bio = mine["biomarkers"].query("specimen == 'primary' and marker in ['ER', 'PgR']")
    row["hr_positive"] = bool((bio["result"] == "positive").any())
    row["lapatinib"] = "lapatinib" in had
    same_day = prior.groupby("date")["drug"].agg(set)
    # set(s): pandas 3 aggregates Arrow strings with agg(set) into lists
    row["dtx_t_p"] = any({"docetaxel", "pertuzumab", "trastuzumab"} <= set(s) for s in same_day)
    met = mine["diagnoses"].query("diagnosis == 'metastatic breast cancer'")["date"].min()
    row["prior_lines"] = _lines(prior[prior["date"] >= met])
    return row | _outcomes(mine, index)


def _ecog(obs, index):
    e = obs[obs["name"] == "ecog"].copy()
    e["delta"] = (e["date"] - index).dt.days
    e = e[(e["delta"] >= -30) & (e["delta"] <= 7)]
    return int(e.loc[e["delta"].abs().idxmin(), "value"])


def _lines(records) -> int:
    """Lines: drugs within 28 days form a regimen; a later new drug or a gap > 120 d starts one."""
    records = records[records["drug"].isin(LINE_DRUGS)].sort_values("date")
    lines, start, drugs, last = 0, None, set(), None
    for date, drug in zip(records["date"], records["drug"], strict=True):
        new_drug = drug not in drugs and (date - start).days > 28 if start is not None else True
        if start is None or new_drug or (date - last).days > 120:
            lines, start, drugs = lines + 1, date, set()
        drugs.add(drug)
        last = date
    return lines


def _outcomes(mine, index) -> dict:
    scans = mine["tumor_assessments"].sort_values("date")
    scans = scans.assign(day=(scans["date"] - index).dt.days)
    pd_scans = scans[scans["response"] == "PD"]
    if len(pd_scans):
        end, event = int(pd_scans["day"].iloc[0]), True
        before = scans[scans["day"] < end]
    else:
        end, event, before = int(scans["day"].iloc[-1]), False, scans
    responses = set(before["response"])
    sd_ok = ((before["response"] == "SD") & (before["day"] >= 42)).any()
    bor = "PR" if "PR" in responses else ("SD" if sd_ok else ("PD" if event else "NE"))
    last_non_pd = int(before["day"].max()) if len(before) else 0
    tdm1 = mine["drug_administrations"].query("drug == 'trastuzumab emtansine'")
    reason = tdm1.sort_values("date")["discontinuation_reason"].iloc[-1]
    return {
        "pfs_days": end,
        "pfs_event": event,
        "bor": bor,
        "dcr": bor == "PR" or (bor == "SD" and last_non_pd >= 183),
        "discontinuation": None if pd.isna(reason) else reason,
    }


def _by_group(frame, column):
    return {g: frame.loc[frame["group"] == g, column] for g in (P, T)}


def test_flow(derived, study):
    assert len(study.tables["patients"]) == 51  # 2 are never identified
    assert len(derived) == 49
    assert derived["status"].value_counts().to_dict() == {
        "analysed": 42,
        "no_prior_trastuzumab_or_pertuzumab": 5,
        "prior_tdm1": 2,
    }
    analysed = derived[derived["status"] == "analysed"]
    assert analysed["group"].value_counts().to_dict() == {T: 24, P: 18}


def test_table1_counts(derived):
    a = derived[derived["status"] == "analysed"]
    ecog = {
        g: s.value_counts().reindex([0, 1, 2], fill_value=0).tolist()
        for g, s in _by_group(a, "ecog").items()
    }
    assert ecog == {P: [13, 5, 0], T: [13, 10, 1]}
    assert {g: int(s.sum()) for g, s in _by_group(a, "visceral").items()} == {P: 13, T: 18}
    assert {g: int(s.sum()) for g, s in _by_group(a, "hr_positive").items()} == {P: 11, T: 10}
    assert {g: int(s.sum()) for g, s in _by_group(a, "lapatinib").items()} == {P: 0, T: 6}
    assert int(a.loc[a["group"] == P, "dtx_t_p"].sum()) == 16


def test_table1_medians_and_ranges(derived):
    a = derived[derived["status"] == "analysed"]
    for column, expected in (
        ("age", {P: (53, 43, 73), T: (60, 30, 74)}),
        ("prior_lines", {P: (1, 1, 2), T: (2, 0, 6)}),
    ):
        got = {g: (float(s.median()), s.min(), s.max()) for g, s in _by_group(a, column).items()}
        assert got == expected, column
    relapsed = a[(a["group"] == T) & (a["prior_lines"] == 0)]
    assert len(relapsed) == 1


def test_best_response_and_rates(derived):
    a = derived[derived["status"] == "analysed"]
    bor = {
        g: s.value_counts().reindex(["CR", "PR", "SD", "PD"], fill_value=0).tolist()
        for g, s in _by_group(a, "bor").items()
    }
    assert bor == {P: [0, 2, 6, 10], T: [0, 6, 15, 3]}
    assert {g: int(s.sum()) for g, s in _by_group(a, "dcr").items()} == {P: 3, T: 15}


def test_discontinuations(derived):
    a = derived[derived["status"] == "analysed"]
    counts = a["discontinuation"].value_counts().to_dict()
    assert counts == {"progression": 38, "another_tumour": 1, "toxicity": 1}
    assert a["discontinuation"].isna().sum() == 2


def test_lymphoma_diagnosis(study, derived):
    dx = study.tables["diagnoses"]
    lymphoma = dx[dx["diagnosis"] == "transformed follicular lymphoma"]
    assert len(lymphoma) == 1
    assert derived.loc[lymphoma["patient_id"].iloc[0], "discontinuation"] == "another_tumour"


def test_pfs_medians_and_cis(derived):
    a = derived[derived["status"] == "analysed"]
    for group, (median, low, high) in {P: (2.8, 1.7, 4.8), T: (7.8, 5.5, 15.9)}.items():
        g = a[a["group"] == group]
        m, lo, hi = km_median_ci(g["pfs_days"].to_numpy(float), g["pfs_event"].to_numpy(int))
        assert round(m / MONTH, 1) == median
        assert round(hi / MONTH, 1) == high
        assert abs(lo / MONTH - low) < 1.0  # calibrated as closely as the construction allows


def test_truth_matches_records(study, derived):
    truth = study.truth.set_index("patient_id")
    identified = truth[truth["identified"]]
    assert sorted(identified.index) == sorted(derived.index)
    status = identified["excluded_reason"].fillna("analysed")
    assert (status == derived.loc[status.index, "status"]).all()
    a = derived[derived["status"] == "analysed"]
    tr = truth.loc[a.index]
    pairs = {
        "group": "group",
        "age": "age_at_index",
        "ecog": "ecog",
        "prior_lines": "prior_regimens",
        "pfs_days": "pfs_days",
        "pfs_event": "pfs_event",
        "bor": "bor",
        "dcr": "disease_control",
        "visceral": "visceral",
    }
    for mine, theirs in pairs.items():
        assert (a[mine].astype(object) == tr[theirs].astype(object)).all(), mine
    assert ((tr["hr_status"] == "positive") == a["hr_positive"]).all()
    assert (pd.to_datetime(tr["index_date"]) == a["index_date"]).all()


def test_raw_extract_is_messy_but_equivalent(study):
    raw, tables = study.raw, study.tables
    drugs = raw["drug_administrations"]
    assert {"Kadcyla", "DTX"} & set(drugs["drug"]) and "ハーセプチン" in set(drugs["drug"])
    assert drugs.duplicated().sum() > 0
    assert raw["tumor_assessments"]["response"].str.contains("Response|Disease").any()
    assert len(drugs.drop_duplicates()) == len(tables["drug_administrations"])
    assert study.tables["patients"]["patient_id"].str.startswith("SYN").all()


def test_raw_drug_names_are_in_the_vocabulary(study):
    vocabulary = pytest.importorskip("retrostudy.data.vocabulary")
    vocab = vocabulary.load_vocabulary()
    tables = study.tables["drug_administrations"]
    mapped = tables["drug_source"].map(vocab.normalise)
    assert (mapped == tables["drug"]).all(), tables.loc[
        mapped != tables["drug"], "drug_source"
    ].unique()


def test_same_seed_same_bytes(tmp_path, study):
    write_study(study, tmp_path / "a")
    write_study(generate_seed_study(), tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_committed_example_is_the_generated_one(tmp_path, study):
    write_study(study, tmp_path)
    for path in sorted(tmp_path.iterdir()):
        committed = EXAMPLE / path.name
        assert committed.exists(), f"regenerate: retrostudy synth --seed-study --out {EXAMPLE}"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs; regenerate"


def test_other_seed_keeps_the_counts():
    other = generate_seed_study(seed=7)
    truth = other.truth[other.truth["excluded_reason"].isna() & other.truth["identified"]]
    assert truth["group"].value_counts().to_dict() == {T: 24, P: 18}
    assert int(truth["disease_control"].sum()) == 18
    assert np.array_equal(
        np.sort(truth["pfs_days"]), np.sort(generate_seed_study().truth["pfs_days"].dropna())
    )
    assert dt.date(2014, 4, 1) <= truth["index_date"].min().date()
