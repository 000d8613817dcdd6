"""table_one: Table 1 of any DataFrame through the protocol path's builder.

Data: a made-up three-arm frame with a missing value, a boolean and a text column (not the
T-DM1 example). The DataFrame call must give the same Table as the protocol path's
``table1`` with the same specs, infer kinds from dtypes, and refuse bad input clearly.
"""

import pandas as pd
import pytest

import retrostudy
from retrostudy.protocol.analyses import AnalysesBlock
from retrostudy.report.tables.table1 import table1, table_one


@pytest.fixture
def frame():
    return pd.DataFrame({
        "arm": ["B", "A", "C", "A", "B", "C", "A", "B", "C", "A"],
        "age": [61, 50, 72, 45, 66, 58, 70, 49, 55, 63],
        "stage": ["III", "IV", "IV", None, "III", "IV", "III", "IV", "IV", "III"],
        "female": [True, False, True, True, False, True, False, True, True, False],
    })


def test_same_table_as_the_protocol_builder(frame):
    specs = [{"name": "age", "kind": "continuous", "summary": "median_iqr"},
             {"name": "stage", "levels": [{"value": "III"}, {"value": "IV", "label": "4"}]},
             {"name": "female", "kind": "binary", "label": "Female"}]
    got = retrostudy.table_one(frame, by="arm", variables=specs, overall=True)
    block = AnalysesBlock(overall=True, table1=specs)
    header = ["A (n = 4)", "B (n = 3)", "C (n = 3)"]
    expected, _ = table1(frame.assign(group=frame["arm"]), ["A", "B", "C"], block,
                         header=header)
    assert got == expected
    assert got.columns == (*header, "Overall", "p value")


def test_kinds_follow_the_dtypes_and_every_other_column_is_a_variable(frame):
    table = table_one(frame, by="arm")
    labels = [r.label for r in table.rows]
    # age continuous (one row), stage categorical (heading, levels, missing), female binary
    assert labels == ["age", "stage", "III", "IV", "Missing", "female"]
    # arm A: ages 50, 45, 70, 63 -> median (50 + 63) / 2 = 56.5, range 45-70
    assert table.rows[0].cells[0].text == "56.5 (45.0\u201370.0)"


def test_groups_in_categorical_order(frame):
    frame["arm"] = pd.Categorical(frame["arm"], categories=["C", "B", "A", "unused"])
    assert table_one(frame, by="arm", variables=["age"]).columns[:3] == (
        "C (n = 3)", "B (n = 3)", "A (n = 4)")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"by": "site"}, "by: no column 'site' in the data"),
    ({"by": "arm", "variables": ["age", "weight"]}, "variables: no column(s) ['weight']"),
])
def test_bad_input_is_named(frame, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        table_one(frame, **kwargs)


def test_missing_group_values_are_refused_not_dropped(frame):
    frame.loc[3, "arm"] = None
    with pytest.raises(ValueError, match="column 'arm' has 1 missing value"):
        table_one(frame, by="arm")
