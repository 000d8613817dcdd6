"""Properties of the secondary analyses on random data (hypothesis): the competing-risks
decomposition adds up to the composite endpoint's Kaplan–Meier, subgroup levels partition
the patients, RMST contrasts are the per-group values' difference and ratio."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secondary_data import DPM, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.stats import kaplan_meier


@st.composite
def datasets(draw):
    n = draw(st.integers(20, 60))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    group = np.array(["A", "B"])[np.arange(n) % 2]
    days = rng.integers(1, 400, n)
    status = rng.choice([0, 1, 2], size=n, p=[0.3, 0.5, 0.2])
    status[:2] = [1, 1]  # both groups have a progression
    reason = np.array(["censored_last_assessment", "progression", "death"])[status]
    return pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(n)], "group": group,
        "site": rng.choice(["x", "y", "z"], size=n),
        "pfs_days": np.where(status == 2, np.maximum(days - 1, 0), days),
        "pfs_event": (status == 1).astype(int), "pfs_reason": reason,
        "pfs_standard_days": days, "pfs_standard_event": (status > 0).astype(int),
        "pfs_standard_reason": reason,
    })


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(), st.lists(st.floats(0, 14), min_size=1, max_size=3, unique=True))
def test_secondary_properties(data, landmarks):
    protocol = make_protocol({
        "rmst": {"endpoints": ["pfs_standard"]},
        "competing": {"endpoint": "pfs", "deaths_from": "pfs_standard", "landmarks": landmarks},
        "subgroups": [{"endpoint": "pfs", "variables": ["site"], "min_events": 1}],
    }, {})
    sec = run_analyses(protocol, data).secondary
    for g in ("A", "B"):
        sub = data[data["group"] == g]
        km = kaplan_meier(sub["pfs_standard_days"].to_numpy(float),
                          sub["pfs_standard_event"].to_numpy(int))
        for m in landmarks:
            total = sum(x.incidence for x in sec.competing.groups[g].landmarks
                        if x.months == m)
            assert 1 - total == pytest.approx(float(km.at([m * DPM]).survival[0]), abs=1e-12)
    v = sec.subgroups[0].variables[0]
    for g in ("A", "B"):
        assert sum(lv.counts[g].n for lv in v.levels) == int((data["group"] == g).sum())
        assert sum(lv.counts[g].events for lv in v.levels) == int(
            data.loc[data["group"] == g, "pfs_event"].sum())
    r = sec.rmst[0]
    assert r.contrasts["A"].difference.estimate == pytest.approx(
        r.groups["A"].rmst - r.groups["B"].rmst, rel=1e-9, abs=1e-12)
    assert r.contrasts["A"].ratio.estimate == pytest.approx(
        r.groups["A"].rmst / r.groups["B"].rmst, rel=1e-9)
