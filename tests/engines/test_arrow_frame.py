"""Store.execute's Arrow -> pandas conversion (arrow_frame) gives exactly what ibis's DuckDB
backend gives (duckdb_frame + ibis's typing, the reference), column type by column type,
with and without nulls; and Store.execute equals DuckDB's own execute on real queries."""

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ibis.backends.duckdb.converter import DuckDBPandasData

from retrostudy.data.store import Store, arrow_frame


def duckdb_frame(table: pa.Table) -> pd.DataFrame:
    """The reference: Arrow -> pandas as ibis's DuckDB backend converts its results before
    typing (ibis/backends/duckdb Backend.execute): columns with nulls via Python objects."""
    return pd.DataFrame({
        name: col.to_pylist() if (pa.types.is_nested(col.type) or pa.types.is_dictionary(
            col.type) or col.null_count) else col.to_pandas()
        for name, col in zip(table.column_names, table.columns, strict=True)
    })

TYPES = {
    "s": (pa.string(), st.text(max_size=5)),
    "ls": (pa.large_string(), st.text(max_size=5)),
    "i": (pa.int64(), st.integers(-(2**62), 2**62)),
    "small": (pa.int32(), st.integers(-100, 100)),
    "f": (pa.float64(), st.floats(allow_nan=False)),
    "b": (pa.bool_(), st.booleans()),
    "d": (pa.date32(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
}


def _converted(frame: pd.DataFrame, table: pa.Table) -> pd.DataFrame:
    return DuckDBPandasData.convert_table(frame, ibis.Schema.from_pyarrow(table.schema))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_arrow_frame_equals_the_ibis_conversion(data):
    n = data.draw(st.integers(0, 6))
    columns = {}
    for name, (kind, values) in TYPES.items():
        nulls = data.draw(st.sampled_from(["none", "some", "all"]))
        row = st.none() if nulls == "all" else (
            st.one_of(st.none(), values) if nulls == "some" else values)
        columns[name] = pa.array(data.draw(st.lists(row, min_size=n, max_size=n)), type=kind)
    table = pa.table(columns)
    expected = _converted(duckdb_frame(table), table)
    got = _converted(arrow_frame(table), table)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_integers_with_nulls_are_float_as_in_ibis():
    table = pa.table({"i": pa.array([2**60 + 1, None], type=pa.int64()),
                      "z": pa.array([None, None], type=pa.int64())})
    expected = _converted(duckdb_frame(table), table)
    pd.testing.assert_frame_equal(_converted(arrow_frame(table), table), expected)
    assert expected["i"].dtype == np.float64 and expected["z"].dtype == object


def test_dates_are_seconds_with_nat():
    table = pa.table({"d": pa.array([dt.date(2020, 2, 29), None], type=pa.date32())})
    out = _converted(arrow_frame(table), table)
    assert out["d"].dtype == np.dtype("datetime64[s]")
    assert out["d"][0] == pd.Timestamp("2020-02-29") and pd.isna(out["d"][1])


@pytest.fixture(scope="module")
def store():
    backend = ibis.duckdb.connect()
    frame = pd.DataFrame({
        "patient_id": ["a", "b", None, "d"],
        "date": pd.to_datetime(["2020-01-01", None, "2021-03-04", "2019-12-31"]),
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "x": [0.5, None, 2.0, np.nan],
        "flag": pd.array([True, None, False, True], dtype="boolean"),
    })
    backend.create_table("t", ibis.memtable(frame).mutate(date=ibis._.date.cast("date")))
    return Store(backend)


@pytest.mark.parametrize("query", [
    lambda t: t,
    lambda t: t.filter(t.n > 1),
    lambda t: t.group_by("flag").agg(k=t.n.max(), first=t.date.min(), m=t.x.mean()),
    lambda t: t.patient_id,
    lambda t: t.n.max(),
    lambda t: t.filter(t.n > 100),  # no rows
])
def test_store_execute_equals_duckdb_execute(store, query):
    expr = query(store.backend.table("t"))
    got, expected = store.execute(expr), store.backend.execute(expr)
    if isinstance(expected, pd.DataFrame | pd.Series):
        if isinstance(expected, pd.DataFrame):  # row order is the engine's
            got = got.sort_values(list(got.columns), ignore_index=True)
            expected = expected.sort_values(list(expected.columns), ignore_index=True)
        else:
            got, expected = got.sort_values(ignore_index=True), expected.sort_values(
                ignore_index=True)
        (pd.testing.assert_frame_equal if isinstance(expected, pd.DataFrame)
         else pd.testing.assert_series_equal)(got, expected, check_exact=True)
    else:
        assert got == expected and type(got) is type(expected)


def test_integer_sums_with_nulls_follow_the_documented_convention(store):
    """DuckDB sums int64 into HUGEINT; ibis's execute returns those with nulls as Decimal
    objects, Store.execute (like every other engine) as float64 with NaN."""
    t = store.backend.table("t")
    got = store.execute(t.group_by("flag").agg(k=t.n.sum()).order_by("flag"))
    assert got["k"].dtype == np.float64
    assert got["k"].tolist()[:2] == [3.0, 5.0] and np.isnan(got["k"].tolist()[2])
