"""Seeded analysis tables and protocols for the secondary analyses' tests.

Each patient has a progression time P, a death time D and an end of follow-up C (days).
``pfs_standard`` (PD or death) is the first of P and D if before C, with its reason;
``pfs`` (PD only) has the same progressions and is censored otherwise, at the last
assessment (the day before death, or C); ``os`` is death by C2 >= C. ``bor`` and
``bor_confirmed`` differ for some responders. The derivation here is written from the
definitions in docs/endpoints.md, independently of retrostudy's code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrostudy.protocol.model import Protocol

DPM = 30.4375


def make_data(seed: int = 7, n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.45, "A", "B")
    visceral = rng.random(n) < 0.6
    hr_status = np.where(rng.random(n) < 0.5, "positive", "negative")
    ecog = rng.choice([0, 1, 2], size=n, p=[0.5, 0.4, 0.1])
    scale = np.where(group == "A", 150.0, 260.0) * np.where(visceral, 0.8, 1.2)
    prog = np.ceil(rng.exponential(scale)).astype(int) + 1
    death = np.ceil(rng.exponential(900.0, n)).astype(int) + 1
    cens = rng.integers(60, 1100, n)
    first_pd = (prog <= death) & (prog <= cens)
    first_death = ~first_pd & (death <= cens)
    std_days = np.where(first_pd, prog, np.where(first_death, death, cens))
    std_reason = np.where(first_pd, "progression",
                          np.where(first_death, "death", "censored_last_assessment"))
    pfs_days = np.where(first_pd, prog, np.where(first_death, np.maximum(death - 1, 0), cens))
    pfs_reason = np.where(first_pd, "progression", "censored_last_assessment")
    cens2 = cens + rng.integers(0, 400, n)
    os_event = (death <= cens2).astype(int)
    os_days = np.where(os_event == 1, death, cens2)
    bor = rng.choice(["PR", "SD", "PD", "CR"], size=n, p=[0.3, 0.4, 0.25, 0.05])
    unconfirmed = (np.isin(bor, ["PR", "CR"])) & (rng.random(n) < 0.3)
    return pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(n)],
        "index_date": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        "group": group,
        "visceral": visceral,
        "hr_status": hr_status,
        "ecog": ecog,
        "age": rng.normal(58, 10, n).round(1),
        "pfs_days": pfs_days, "pfs_event": first_pd.astype(int), "pfs_reason": pfs_reason,
        "pfs_standard_days": std_days, "pfs_standard_event": (first_pd | first_death).astype(int),
        "pfs_standard_reason": std_reason,
        "os_days": os_days, "os_event": os_event,
        "bor": bor, "bor_confirmed": np.where(unconfirmed, "SD", bor),
    })


ENDPOINTS = {
    "pfs": {"kind": "pfs", "label": "PFS (PD only)", "events": ["progression"]},
    "pfs_standard": {"kind": "pfs", "label": "PFS (PD or death)",
                     "events": ["progression", "death"]},
    "os": {"kind": "os", "label": "Overall survival"},
}


def make_protocol(analyses: dict, endpoints: dict | None = None, **report) -> Protocol:
    """An [analysis_table] protocol with groups A/B (reference B) and these [analyses]."""
    return Protocol.model_validate({
        "study": {"title": "Secondary analyses test", "synthetic": True},
        "analysis_table": {"file": "secondary.csv"},
        "groups": {"reference": "B", "group": [{"name": "A"}, {"name": "B"}]},
        "endpoints": ENDPOINTS if endpoints is None else endpoints,
        "analyses": analyses,
        "report": report,
    })
