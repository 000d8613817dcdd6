"""Helpers: build a tiny store from hand-written assessment sequences and derive endpoints.

Days are offsets from one index date (2020-01-01) so each test reads as a sequence
``[(day, response), ...]``; a third element gives the assessment method ('clinical').
"""

from __future__ import annotations

import pandas as pd
import pytest

from retrostudy.data.store import Store
from retrostudy.endpoints import derive_endpoints
from retrostudy.protocol.endpoints import EndpointsBlock

INDEX = pd.Timestamp("2020-01-01")


def day(k: int | None):
    return None if k is None else INDEX + pd.Timedelta(days=k)


def make_store(seqs: dict, *, deaths=None, contacts=None, admins=None, observations=None):
    deaths, contacts = deaths or {}, contacts or {}
    ids = list(seqs)
    patients = pd.DataFrame({
        "patient_id": ids, "birth_date": [day(-20000)] * len(ids), "sex": ["female"] * len(ids),
        "death_date": [day(deaths.get(i)) for i in ids],
        "last_contact_date": [day(contacts.get(i)) for i in ids],
    })
    rows = [(pid, day(a[0]), a[1], a[2] if len(a) > 2 else "CT")
            for pid, seq in seqs.items() for a in seq]
    frames = {
        "patients": patients,
        "tumor_assessments": pd.DataFrame(rows, columns=["patient_id", "date", "response",
                                                         "method"]),
    }
    if admins:
        frames["drug_administrations"] = pd.DataFrame(
            [(pid, a.get("drug", "trastuzumab emtansine"), day(a["day"]), day(a.get("end")),
              a.get("reason")) for pid, rows_ in admins.items() for a in rows_],
            columns=["patient_id", "drug", "date", "end_date", "discontinuation_reason"])
    if observations:
        frames["observations"] = pd.DataFrame(
            [(pid, day(k), "ecog", "0") for pid, ks in observations.items() for k in ks],
            columns=["patient_id", "date", "name", "value"])
    return Store.from_frames(frames)


def cohort(ids, groups=None) -> pd.DataFrame:
    frame = pd.DataFrame({"patient_id": list(ids), "index_date": [INDEX] * len(ids)})
    if groups is not None:
        frame["group"] = list(groups)
    return frame


def lines_frame(starts: dict) -> pd.DataFrame:
    return pd.DataFrame({"patient_id": list(starts), "line": [2] * len(starts),
                         "start": [day(k) for k in starts.values()]})


def run(block: dict, seqs: dict, *, groups=None, lines=None, **store_kw):
    """Derive ``block`` for ``seqs``; returns the Endpoints result."""
    store = make_store(seqs, **store_kw)
    return derive_endpoints(EndpointsBlock.model_validate(block), store,
                            cohort(seqs, groups), None if lines is None else lines_frame(lines))


def rows(block: dict, seqs: dict, **kw) -> pd.DataFrame:
    """``run(...).data`` indexed by patient_id."""
    return run(block, seqs, **kw).data.set_index("patient_id")


@pytest.fixture
def derive():
    return rows
