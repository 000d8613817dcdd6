"""A hand-made, seed-shaped record set: 49 identified -> -2 prior T-DM1 -> -5 neither
trastuzumab nor pertuzumab -> 42 analysed = 18 Tmab/Pmab + 24 Tmab.

Deterministic and small; built by loops over explicit patient types, not a random generator.
Also holds patients who must *not* be identified (T-DM1 only outside the window).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd


def _q3w(pid, drug, start, n, setting=None):
    return [
        {
            "patient_id": pid,
            "drug": drug,
            "date": start + timedelta(days=21 * k),
            "setting": setting,
        }
        for k in range(n)
    ]


def _patient(pid, birth_year, rows, **extra):
    return {"patient_id": pid, "birth_date": date(birth_year, 6, 15), "sex": "female", **extra}


def seed_frames() -> dict[str, pd.DataFrame]:
    patients, adm, dx, obs = [], [], [], []
    n = 0

    def new(kind, birth_year=1960):
        nonlocal n
        n += 1
        pid = f"P{n:03d}"
        patients.append(_patient(pid, birth_year, None))
        return pid

    index0 = date(2015, 1, 5)
    for k in range(18):  # Tmab/Pmab: docetaxel + trastuzumab + pertuzumab as first metastatic line
        pid = new("tp", 1955 + k)
        dx.append(
            {"patient_id": pid, "date": date(2014, 1, 10), "diagnosis": "metastatic breast cancer"}
        )
        start = date(2014, 2, 1) + timedelta(days=k)
        for drug in ("docetaxel", "trastuzumab", "pertuzumab"):
            adm += _q3w(pid, drug, start, 6)
        adm += _q3w(pid, "trastuzumab emtansine", index0 + timedelta(days=7 * k), 4)
        obs.append(
            {
                "patient_id": pid,
                "date": index0 + timedelta(days=7 * k - 3),
                "name": "ecog",
                "value": "0" if k < 13 else "1",
            }
        )
    for k in range(24):  # Tmab: trastuzumab + paclitaxel, then lapatinib + capecitabine for some
        pid = new("t", 1950 + k)
        dx.append(
            {"patient_id": pid, "date": date(2012, 1, 10), "diagnosis": "metastatic breast cancer"}
        )
        adm += _q3w(pid, "trastuzumab", date(2012, 2, 1), 8)
        adm += _q3w(pid, "paclitaxel", date(2012, 2, 1), 6)
        if k < 6:
            adm += _q3w(pid, "lapatinib", date(2013, 3, 1), 5)
            adm += _q3w(pid, "capecitabine", date(2013, 3, 1), 5)
        adm += _q3w(pid, "trastuzumab emtansine", date(2015, 6, 1) + timedelta(days=5 * k), 4)
    for _ in range(2):  # prior T-DM1 (first dose before the window), again inside it
        pid = new("prior")
        adm += _q3w(pid, "trastuzumab", date(2012, 1, 1), 6)
        adm += _q3w(pid, "trastuzumab emtansine", date(2013, 6, 1), 4)
        adm += _q3w(pid, "trastuzumab emtansine", date(2014, 9, 1), 4)
    for _ in range(5):  # neither trastuzumab nor pertuzumab before T-DM1
        pid = new("neither")
        adm += _q3w(pid, "capecitabine", date(2013, 1, 1), 4)
        adm += _q3w(pid, "trastuzumab emtansine", date(2016, 1, 4), 3)
    pid = new("outside")  # T-DM1 only after the window: not identified
    adm += _q3w(pid, "trastuzumab emtansine", date(2017, 3, 1), 3)
    pid = new("before")  # T-DM1 only before the window: not identified, not reported
    adm += _q3w(pid, "trastuzumab emtansine", date(2013, 1, 1), 3)
    return {
        "patients": pd.DataFrame(patients),
        "drug_administrations": pd.DataFrame(adm),
        "diagnoses": pd.DataFrame(dx),
        "observations": pd.DataFrame(obs),
    }
