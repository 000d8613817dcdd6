"""The compiled conditions against an independent, naive per-patient implementation.

Seeded random record sets; every condition kind and window shape; the engine's answer must
equal a plain-Python evaluation written differently on purpose (loops over patients, no
joins).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from retrostudy.cohort.build import _matched
from retrostudy.cohort.drugs import drug_lookup
from retrostudy.cohort.index import base_table
from retrostudy.data.store import Store
from retrostudy.protocol.conditions import (
    AgeCondition,
    AllCondition,
    AnyCondition,
    DrugCondition,
    NotCondition,
    ObservationCondition,
)

DRUGS = ("trastuzumab", "pertuzumab", "docetaxel")
INDEX = pd.Timestamp("2015-06-01")


def _records(rng: np.random.Generator, n: int = 30):
    ids = [f"R{i:02d}" for i in range(n)]
    k = int(rng.integers(0, 4 * n))
    adm = pd.DataFrame(
        {
            "patient_id": rng.choice(ids, k),
            "drug": rng.choice(DRUGS, k),
            "date": INDEX + pd.to_timedelta(rng.integers(-60, 60, k), unit="D"),
        }
    )
    m = int(rng.integers(0, 2 * n))
    obs = pd.DataFrame(
        {
            "patient_id": rng.choice(ids, m),
            "name": "ecog",
            "value": rng.choice(["0", "1", "2"], m),
            "date": INDEX + pd.to_timedelta(rng.integers(-40, 10, m), unit="D"),
        }
    )
    ages = rng.integers(30, 80, n)
    identified = pd.DataFrame({"patient_id": ids, "index_date": [INDEX.date()] * n, "age": ages})
    return adm, obs, identified


def _window(rng):
    start = rng.choice([-math.inf, -30, -1, 0])
    end = rng.choice([math.inf, -1, 0, 14])
    return (min(start, end), max(start, end))


def _random_condition(rng, depth=0):
    kind = rng.integers(0, 6 if depth < 2 else 3)
    if kind == 0:
        drug = tuple(rng.choice(DRUGS, int(rng.integers(1, 3)), replace=False))
        return DrugCondition(drug=drug, window=_window(rng), min_count=int(rng.integers(1, 3)))
    if kind == 1:
        return ObservationCondition(observation="ecog", value=("1", "2"), window=_window(rng))
    if kind == 2:
        return AgeCondition(
            age={"min": int(rng.integers(30, 60)), "max": int(rng.integers(60, 80))}
        )
    parts = [_random_condition(rng, depth + 1) for _ in range(int(rng.integers(1, 3)))]
    if kind == 3:
        return AllCondition(all=parts)
    if kind == 4:
        return AnyCondition(any=parts)
    return NotCondition(**{"not": parts[0]})


def _naive(cond, pid, age, adm, obs) -> bool:
    if isinstance(cond, AllCondition):
        return all(_naive(c, pid, age, adm, obs) for c in cond.all)
    if isinstance(cond, AnyCondition):
        return any(_naive(c, pid, age, adm, obs) for c in cond.any)
    if isinstance(cond, NotCondition):
        return not _naive(cond.not_, pid, age, adm, obs)
    if isinstance(cond, AgeCondition):
        return cond.age.min <= age <= cond.age.max
    if isinstance(cond, DrugCondition):
        rows = adm[(adm.patient_id == pid) & adm.drug.isin(cond.drug)]
        days = {(r.drug, (r.date - INDEX).days) for r in rows.itertuples()}
        hits = [d for d in days if cond.window[0] <= d[1] <= cond.window[1]]
        return len(hits) >= cond.min_count
    rows = obs[(obs.patient_id == pid) & obs.value.isin(cond.value)]
    return any(cond.window[0] <= (d - INDEX).days <= cond.window[1] for d in rows.date)


@pytest.mark.parametrize("seed", range(4))
def test_engine_equals_naive(seed):
    rng = np.random.default_rng(seed)
    adm, obs, identified = _records(rng)
    store = Store.from_frames({"drug_administrations": adm, "observations": obs})
    base = base_table(identified)
    drugs = drug_lookup()
    for _ in range(6):
        cond = _random_condition(rng)
        expected = {
            pid
            for pid, age in zip(identified.patient_id, identified.age, strict=True)
            if _naive(cond, pid, age, adm, obs)
        }
        assert set(_matched(cond, base, store, drugs).astype(str)) == expected, cond
