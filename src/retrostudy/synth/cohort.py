"""A large synthetic cohort for benchmarks and tests, vectorised with numpy.

:func:`generate_cohort` draws ``n_patients`` HER2-positive MBC patients who all received
T-DM1 (index = first dose, 2012-2022) after 1-3 metastatic lines (trastuzumab with a
different chemotherapy each line; pertuzumab in the first line for the pertuzumab era),
with realistic but *uncalibrated* distributions: PFS exponential with a median that
depends on pertuzumab exposure, ECOG and visceral disease; censoring uniform; scans every
6-12 weeks. No Python loop runs per patient or per record, so a million patients with
about 30 administrations each take seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrostudy.synth.study import SyntheticStudy

EPOCH = np.datetime64("1970-01-01", "D")
START, END = np.datetime64("2012-01-01", "D"), np.datetime64("2022-12-31", "D")
PMAB_FROM = np.datetime64("2013-09-20", "D")
DRUGS = (
    "docetaxel",
    "capecitabine",
    "vinorelbine",
    "eribulin",
    "trastuzumab",
    "pertuzumab",
    "trastuzumab emtansine",
)
SOURCES = ("DTX", "Xeloda", "Navelbine", "Halaven", "Herceptin", "Perjeta", "Kadcyla")
TRASTUZUMAB, PERTUZUMAB, TDM1 = 4, 5, 6
SITES = ("liver", "lung", "pleura", "brain", "bone", "lymph_node", "skin")


def generate_cohort(n_patients: int, seed: int = 0) -> SyntheticStudy:
    """``n_patients`` synthetic patients (canonical tables + truth), deterministic in ``seed``."""
    if n_patients < 1:
        raise ValueError(f"n_patients must be >= 1, not {n_patients}")
    rng = np.random.default_rng(seed)
    base = _patients(n_patients, rng)
    ids = pd.Index(
        np.char.add("SYN", np.char.zfill(np.arange(1, n_patients + 1).astype(str), 7)),
        dtype="string",
    )
    tables = {
        "patients": _frame(
            ids,
            base["idx"],
            birth_date=base["birth"],
            sex="female",
            death_date=base["death"],
            last_contact_date=base["contact"],
        ),
        "diagnoses": _diagnoses(ids, base),
        "biomarkers": _biomarkers(ids, base, rng),
        "drug_administrations": _administrations(ids, base, rng),
        "tumor_assessments": _assessments(ids, base, rng),
        "observations": _observations(ids, base, rng),
    }
    raw = dict(tables)
    drugs = tables["drug_administrations"]
    raw["drug_administrations"] = drugs.assign(drug=drugs["drug_source"]).drop(
        columns="drug_source"
    )
    truth = pd.DataFrame(
        {
            "patient_id": ids.to_numpy(),
            "identified": True,
            "group": np.where(base["pmab"], "Tmab/Pmab", "Tmab"),
            "index_date": _dates(base["index"]),
            "age_at_index": base["age"],
            "ecog": base["ecog"],
            "visceral": base["visceral"],
            "hr_status": np.where(base["hr"], "positive", "negative"),
            "prior_regimens": base["lines"],
            "pfs_days": base["pfs"],
            "pfs_event": base["event"],
        }
    )
    return SyntheticStudy(tables=tables, raw=raw, truth=truth, seed=seed)


def _patients(n: int, rng) -> dict[str, np.ndarray]:
    index = START + rng.integers(0, int((END - START).astype(int)), n)
    age = np.clip(rng.normal(58, 11, n), 28, 90).astype(int)
    pmab = (index > PMAB_FROM + 400) & (rng.random(n) < 0.85)
    ecog = rng.choice(3, n, p=[0.55, 0.38, 0.07])
    visceral = rng.random(n) < 0.72
    hr = rng.random(n) < 0.5
    lines = rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2])
    median = (
        230 / np.where(pmab, 2.5, 1.0) / np.where(ecog > 0, 1.3, 1.0) / np.where(visceral, 1.2, 1.0)
    )
    progression = np.maximum(rng.exponential(median / np.log(2)), 14).astype(int)
    censor = rng.integers(30, 1500, n)
    event = progression <= censor
    pfs = np.where(event, progression, censor)
    death = index + pfs + rng.integers(60, 1200, n)
    cutoff = np.datetime64("2023-12-31", "D")
    alive = death > cutoff
    idx = np.arange(n)
    return {
        "idx": idx,
        "index": index,
        "age": age,
        "pmab": pmab,
        "ecog": ecog,
        "visceral": visceral,
        "hr": hr,
        "lines": lines,
        "pfs": pfs,
        "event": event,
        "birth": _dates(index - (age * 365.25).astype(int) - rng.integers(20, 330, n)),
        "death": _dates(np.where(alive, np.datetime64("NaT"), death)),
        "contact": _dates(np.where(alive, cutoff, death - 3)),
        "met": index - lines * 240 - rng.integers(30, 60, n),
    }


def _dates(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]").astype("datetime64[s]")


def _frame(ids, rows, **columns) -> pd.DataFrame:
    """Columns of one table; constants are broadcast, strings come as categoricals."""
    data = {"patient_id": _cat(rows, ids)}
    for name, value in columns.items():
        if isinstance(value, str):
            value = _cat(np.zeros(len(rows), np.int8), [value])
        data[name] = value
    return pd.DataFrame(data)


def _cat(codes, categories) -> pd.Categorical:
    """Strings as codes into ``categories`` (-1 = missing): no per-row Python objects."""
    return pd.Categorical.from_codes(codes, categories=categories)


def _sorted(rows, dates, *arrays):
    key = (rows.astype(np.int64) << 20) + (dates - EPOCH).astype(np.int64)
    order = np.argsort(key, kind="stable")
    return (rows[order], dates[order], *(a[order] for a in arrays))


def _diagnoses(ids, b) -> pd.DataFrame:
    n = len(b["idx"])
    rows = np.repeat(b["idx"], 2)
    dates = np.empty(2 * n, "datetime64[D]")
    dates[0::2], dates[1::2] = b["met"] - 900, b["met"]
    which = np.tile(np.array([0, 1], np.int8), n)
    return _frame(
        ids,
        rows,
        date=_dates(dates),
        diagnosis=_cat(which, ["breast cancer", "metastatic breast cancer"]),
        stage=_cat(which, ["IIB", "IV"]),
        de_novo_metastatic=np.zeros(2 * n, bool),
    )


def _biomarkers(ids, b, rng) -> pd.DataFrame:
    n = len(b["idx"])
    rows = np.repeat(b["idx"], 3)
    marker = np.tile(np.array([0, 1, 2], np.int8), n)  # ER, PgR, HER2
    hr = np.repeat(b["hr"], 3)
    positive = (marker == 2) | (hr & ((marker == 0) | (rng.random(3 * n) < 0.8)))
    value = np.where(marker == 2, 0, np.where(positive, 1, 2)).astype(np.int8)
    return _frame(
        ids,
        rows,
        date=_dates(np.repeat(b["met"] - 900, 3)),
        marker=_cat(marker, ["ER", "PgR", "HER2"]),
        method="IHC",
        result=_cat((~positive).astype(np.int8), ["positive", "negative"]),
        value=_cat(value, ["3+", "60%", "0%"]),
        specimen="primary",
    )


def _blocks(b, rng):
    """(patient, drug, first day, doses, interval) of every prior line and the T-DM1 course."""
    n = len(b["idx"])
    pat, drug, start, count, every = [], [], [], [], []
    for k in range(3):
        has = b["lines"] > k
        p = b["idx"][has]
        line_start = b["met"][has] + 30 + 240 * k
        for code, doses in ((k, 6), (TRASTUZUMAB, 10)):
            pat.append(p), drug.append(np.full(p.size, code, np.int8))
            (
                start.append(line_start),
                count.append(np.full(p.size, doses)),
                every.append(np.full(p.size, 21)),
            )
        first = has & b["pmab"] & (k == 0)
        q = b["idx"][first]
        pat.append(q), drug.append(np.full(q.size, PERTUZUMAB, np.int8))
        (
            start.append(b["met"][first] + 30),
            count.append(np.full(q.size, 10)),
            every.append(np.full(q.size, 21)),
        )
    stop = np.where(b["event"], b["pfs"] - 1, b["pfs"])
    pat.append(b["idx"]), drug.append(np.full(n, TDM1, np.int8))
    start.append(b["index"]), count.append(stop // 21 + 1), every.append(np.full(n, 21))
    return tuple(np.concatenate(x) for x in (pat, drug, start, count, every))


def _administrations(ids, b, rng) -> pd.DataFrame:
    pat, drug, start, count, every = _blocks(b, rng)
    rows = np.repeat(pat, count)
    first = np.cumsum(count) - count
    k = np.arange(rows.size) - np.repeat(first, count)
    drugs = np.repeat(drug, count)
    jitter = rng.integers(0, 3, rows.size) * ((k > 0) & (drugs != TDM1))  # T-DM1 days stay exact
    dates = np.repeat(start, count) + k * np.repeat(every, count) + jitter
    reason = np.full(rows.size, -1, np.int8)  # "progression" on the last T-DM1 dose before PD
    last = first + count - 1
    stopped = (drug == TDM1) & b["event"][pat]
    reason[last[stopped]] = 0
    rows, dates, drugs, reason = _sorted(rows, dates, drugs, reason)
    return _frame(
        ids,
        rows,
        drug=_cat(drugs, DRUGS),
        date=_dates(dates),
        end_date=np.full(rows.size, np.datetime64("NaT", "s")),
        setting="metastatic",
        discontinuation_reason=_cat(reason, ["progression"]),
        drug_source=_cat(drugs, SOURCES),
    )


def _assessments(ids, b, rng) -> pd.DataFrame:
    scans = np.maximum(b["pfs"] // 63, 0) + 1
    rows = np.repeat(b["idx"], scans)
    first = np.cumsum(scans) - scans
    k = np.arange(rows.size) - np.repeat(first, scans)
    last = k == np.repeat(scans - 1, scans)
    day = np.where(last, np.repeat(b["pfs"], scans), 56 + 63 * k)
    day = np.minimum(day, np.repeat(b["pfs"], scans))
    shrinks = np.repeat(rng.random(len(b["idx"])) < 0.3, scans)
    response = np.where(last & np.repeat(b["event"], scans), 2, np.where(shrinks, 0, 1)).astype(
        np.int8
    )
    keep = ~np.concatenate([(day[1:] == day[:-1]) & (rows[1:] == rows[:-1]), [False]])
    dates = np.repeat(b["index"], scans) + day
    return _frame(
        ids,
        rows[keep],
        date=_dates(dates[keep]),
        response=_cat(response[keep], ["PR", "SD", "PD"]),
        method="CT",
    )


def _observations(ids, b, rng) -> pd.DataFrame:
    n = len(b["idx"])
    site = np.where(b["visceral"], rng.integers(0, 4, n), rng.integers(4, 7, n))
    rows = np.concatenate([b["idx"], b["idx"]])
    dates = np.concatenate([b["index"] - rng.integers(0, 14, n), b["met"]])
    names = np.repeat(np.array([0, 1], np.int8), n)
    values = np.concatenate([b["ecog"], 5 + site]).astype(np.int8)  # "0".."4", then the sites
    rows, dates, names, values = _sorted(rows, dates, names, values)
    return _frame(
        ids,
        rows,
        date=_dates(dates),
        name=_cat(names, ["ecog", "metastatic_site"]),
        value=_cat(values, ["0", "1", "2", "3", "4", *SITES]),
    )
