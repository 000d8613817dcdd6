"""Small builders for hand-made record sets."""

from __future__ import annotations

from datetime import date

import pandas as pd

from retrostudy.cohort import build_cohort
from retrostudy.cohort.build import select_patients
from retrostudy.data.store import Store
from retrostudy.protocol import parse_protocol

INDEX = date(2015, 1, 1)
TDM1 = "trastuzumab emtansine"


def d(offset: int) -> pd.Timestamp:
    """The date ``offset`` days from the index date."""
    return pd.Timestamp(INDEX) + pd.Timedelta(days=offset)


def people(*ids, birth=date(1960, 1, 1)) -> pd.DataFrame:
    return pd.DataFrame(
        {"patient_id": list(ids), "birth_date": [birth] * len(ids), "sex": ["female"] * len(ids)}
    )


def index_doses(*ids) -> list[dict]:
    return [{"patient_id": p, "drug": TDM1, "date": d(0)} for p in ids]


def protocol(criteria=(), groups=None, **blocks):
    raw = {
        "study": {"title": "test"},
        "index": {"drug": TDM1, "start": "2014-04-01", "end": "2017-02-28", "label": "Identified"},
        "criteria": list(criteria),
        **blocks,
    }
    if groups is not None:
        raw["groups"] = groups
    return parse_protocol(raw)


def cohort(frames: dict, criteria=(), groups=None, **blocks):
    return build_cohort(protocol(criteria, groups, **blocks), Store.from_frames(frames))


def kept(frames: dict, when: dict) -> set[str]:
    """Patients an ``include`` criterion with condition ``when`` keeps (any window: the
    condition language is under test, so post-index windows are allowed)."""
    p = protocol([{"label": "step", "action": "include", "when": when, "allow_post_index": True}])
    return set(select_patients(p, Store.from_frames(frames)).patients["patient_id"])
