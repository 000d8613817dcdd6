"""The analysed patients' administrations come back with categorical text columns (codes
from the engine): the same rows and values as a plain fetch of the text."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from retrostudy.cohort.build import _administrations
from retrostudy.data.store import Store, duckdb_backend


def test_coded_fetch_equals_the_text_fetch():
    d = dt.date
    records = pd.DataFrame({
        "patient_id": ["b", "a", "c", "a", "b", "zz"],
        "drug": ["trastuzumab", "pertuzumab", "docetaxel", "trastuzumab", None, "x"],
        "date": [d(2015, 1, 1), d(2015, 1, 2), d(2015, 1, 3), d(2015, 1, 4), d(2015, 1, 5),
                 d(2015, 1, 6)],
        "end_date": [None, d(2015, 1, 2), None, None, None, None],
        "setting": [None, "metastatic", "adjuvant", None, "metastatic", "adjuvant"],
        "discontinuation_reason": "", "drug_source": "",
    })
    backend = duckdb_backend()
    backend.create_table("drug_administrations", records)
    got = _administrations(Store(backend), pd.Series(["b", "a", "c", "not in records"]))
    assert list(got.columns) == ["patient_id", "drug", "date", "end_date", "setting"]
    assert all(isinstance(got[c].dtype, pd.CategoricalDtype)
               for c in ("patient_id", "drug", "setting"))
    # the categories are sorted, so codes order as the text does
    assert list(got["patient_id"].cat.categories) == ["a", "b", "c", "not in records"]
    text = got.astype({c: object for c in ("patient_id", "drug", "setting")})
    text = text.where(text.notna(), None)
    rows = sorted(zip(text["patient_id"], text["drug"].fillna("-"), text["setting"].fillna("-"),
                      text["date"].dt.date, strict=True))
    assert rows == [
        ("a", "pertuzumab", "metastatic", d(2015, 1, 2)),
        ("a", "trastuzumab", "-", d(2015, 1, 4)),
        ("b", "-", "metastatic", d(2015, 1, 5)),
        ("b", "trastuzumab", "-", d(2015, 1, 1)),
        ("c", "docetaxel", "adjuvant", d(2015, 1, 3)),
    ]
    assert got["end_date"].notna().sum() == 1
