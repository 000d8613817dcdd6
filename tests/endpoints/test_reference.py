"""Vectorised derivation against a naive per-patient implementation on seeded random data.

The reference below is written differently on purpose (plain loops over each patient's
sorted sequence, straight from the rule text in docs/endpoints.md); both must agree patient
by patient.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import INDEX

from retrostudy.data.store import Store
from retrostudy.endpoints import derive_endpoints
from retrostudy.protocol.endpoints import EndpointsBlock

RESP = ["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE"]
RANK = {r: i for i, r in enumerate(RESP)}


def _random_records(rng, n):
    rows, deaths = [], {}
    for i in range(n):
        pid = f"p{i:04d}"
        k = rng.integers(0, 7)
        days = np.sort(rng.choice(np.arange(-20, 400), size=k, replace=False))
        for d in days:
            r = rng.choice(RESP, p=[0.1, 0.2, 0.3, 0.05, 0.2, 0.15])
            method = "clinical" if rng.random() < 0.1 else "CT"
            rows.append((pid, int(d), str(r), method))
        if rng.random() < 0.4:
            deaths[pid] = int(rng.integers(1, 500))
    return rows, deaths


def _store(rows, deaths, n):
    ids = [f"p{i:04d}" for i in range(n)]
    day = lambda k: INDEX + pd.Timedelta(days=int(k))  # noqa: E731
    patients = pd.DataFrame({"patient_id": ids, "birth_date": [day(-20000)] * n,
                             "sex": ["female"] * n,
                             "death_date": [day(deaths[i]) if i in deaths else None for i in ids]})
    ta = pd.DataFrame([(p, day(d), r, m) for p, d, r, m in rows],
                      columns=["patient_id", "date", "response", "method"])
    cohort = pd.DataFrame({"patient_id": ids, "index_date": [INDEX] * n})
    return Store.from_frames({"patients": patients, "tumor_assessments": ta}), cohort


def _sequence(seq, death):
    alive = [(d, r, m) for d, r, m in seq if death is None or d <= death]
    return [(d, r) for d, r, m in alive if d > 0 and m != "clinical"]


def _truncate(seq, confirmation):
    s, seen_cr = [], False
    for d, r in seq:
        if confirmation and seen_cr and r in ("PR", "SD", "NON_CR_NON_PD"):
            r = "PD"
        seen_cr |= r == "CR"
        s.append((d, r))
        if r == "PD":
            break
    return s


def _is_confirmed(s, i, target, confirm, max_ne):
    ok_between = {"CR", "NE"} if target == "CR" else {"CR", "PR", "SD", "NE"}
    ok_conf = {"CR"} if target == "CR" else {"CR", "PR"}
    for j in range(i + 1, len(s)):
        if s[j][0] - s[i][0] >= confirm and s[j][1] in ok_conf:
            between = [r for _, r in s[i + 1:j]]
            return (all(r in ok_between for r in between)
                    and between.count("NE") <= max_ne and between.count("SD") == 0)
    return False


def naive_bor(seq, confirmation, sd_min=42, confirm=28, max_ne=1):
    s = _truncate(seq, confirmation)
    if not confirmation:
        levels = [r if not (r in ("SD", "NON_CR_NON_PD") and d < sd_min) else "NE" for d, r in s]
        return min(levels, key=RANK.get, default="NE")

    def confirmed(i, target):
        return _is_confirmed(s, i, target, confirm, max_ne)

    if any(r == "CR" and confirmed(i, "CR") for i, (_, r) in enumerate(s)):
        return "CR"
    if any(r == "PR" and confirmed(i, "PR") for i, (_, r) in enumerate(s)):
        return "PR"
    if any(r in ("CR", "PR", "SD") and d >= sd_min for d, r in s):
        return "SD"
    if any(r == "NON_CR_NON_PD" and d >= sd_min for d, r in s):
        return "NON_CR_NON_PD"
    return "PD" if any(r == "PD" for _, r in s) else "NE"


def naive_pfs(seq, death, with_death, limit=84):
    last = 0
    for d, r in seq:
        if r == "NE":
            continue
        if r == "PD":
            return (last, 0) if d - last > limit else (d, 1)
        last = d
    if with_death and death is not None:
        return (last, 0) if death - last > limit else (death, 1)
    return last, 0


@pytest.mark.parametrize("seed", [1, 2])
def test_matches_naive_reference(seed):
    rng = np.random.default_rng(seed)
    n = 400
    rows, deaths = _random_records(rng, n)
    store, cohort = _store(rows, deaths, n)
    block = EndpointsBlock.model_validate({
        "bor": {"kind": "bor"}, "cbor": {"kind": "bor", "confirmation": True},
        "ttp": {"kind": "pfs", "events": ["progression"],
                "missed_assessments": {"interval_days": 42}},
        "pfs": {"kind": "pfs", "missed_assessments": {"interval_days": 42}},
    })
    data = derive_endpoints(block, store, cohort).data.set_index("patient_id")
    by_patient = {}
    for p, d, r, m in rows:
        by_patient.setdefault(p, []).append((d, r, m))
    for p in data.index:
        death = deaths.get(p)
        seq = _sequence(sorted(by_patient.get(p, [])), death)
        got = data.loc[p]
        assert got["bor"] == naive_bor(seq, False), p
        assert got["cbor"] == naive_bor(seq, True), p
        assert (got["ttp_days"], got["ttp_event"]) == naive_pfs(seq, death, False), p
        assert (got["pfs_days"], got["pfs_event"]) == naive_pfs(seq, death, True), p


def test_properties_on_random_patients():
    """Relations that must hold for every patient whatever the sequence."""
    rng = np.random.default_rng(3)
    n = 400
    rows, deaths = _random_records(rng, n)
    store, cohort = _store(rows, deaths, n)
    block = EndpointsBlock.model_validate({
        "bor": {"kind": "bor"}, "cbor": {"kind": "bor", "confirmation": True},
        "rates": {"kind": "rates"}, "crates": {"kind": "rates", "response_from": "cbor"},
        "ttp": {"kind": "pfs", "events": ["progression"]}, "pfs": {"kind": "pfs"},
        "os": {"kind": "os"}, "dor": {"kind": "dor"},
    })
    d = derive_endpoints(block, store, cohort).data
    rank = d["bor"].map(RANK).to_numpy()
    crank = d["cbor"].map(RANK).to_numpy()
    confirmed_response = d["crates_response"].to_numpy(dtype=bool)
    assert (d["response"].to_numpy(dtype=bool) >= confirmed_response).all()
    assert (rank[confirmed_response] <= crank[confirmed_response]).all()
    assert (d["disease_control"] <= d["disease_control_conventional"]).all()
    assert (d["pfs_days"] <= d["os_days"]).all() and (d["ttp_days"] <= d["os_days"]).all()
    assert (d["pfs_days"] >= 0).all() and (d["pfs_event"] >= d["ttp_event"]).all()
    responders = d["response"].to_numpy(dtype=bool)
    assert d["dor_days"].notna().to_numpy().tolist() == responders.tolist()
    assert (d.loc[responders, "dor_days"] <= d.loc[responders, "pfs_days"]).all()
    # the same records in another order give the same result
    shuffled = store.table("tumor_assessments").to_pandas().sample(frac=1, random_state=0)
    patients = store.table("patients").to_pandas()
    again = derive_endpoints(block, Store.from_frames(
        {"patients": patients, "tumor_assessments": shuffled}), cohort.iloc[::-1]).data
    pd.testing.assert_frame_equal(again.iloc[::-1].reset_index(drop=True), d)
