"""Every check of the analysis layer (analysis/checks.py) names the protocol key path in
``key`` and the missing column in ``column``, whichever analysis found it."""

from __future__ import annotations

import pytest
from secondary_data import make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.errors import CohortError, ProtocolError


@pytest.fixture(scope="module")
def data():
    return make_data(seed=11, n=60)


def _problem(protocol, data, error=ProtocolError):
    with pytest.raises(error) as info:
        run_analyses(protocol, data)
    return info.value.problems[0]


def test_a_missing_table1_column_is_keyed_by_its_protocol_path(data):
    p = _problem(make_protocol({"table1": [{"name": "age"}, {"name": "ecogg"}]}), data)
    assert p.key == "analyses.table1[1].name"
    assert p.column == "ecogg"
    assert "ecog" in p.hint  # the close match


def test_a_missing_survival_adjustment_column_is_keyed(data):
    p = _problem(make_protocol({"survival": [{"endpoint": "pfs", "adjust": ["agee"]}]}), data)
    assert (p.key, p.column) == ("analyses.survival[0].adjust", "agee")


def test_a_secondary_analysis_column_is_keyed_the_same_way(data):
    p = _problem(make_protocol({"subgroups": [{"endpoint": "pfs", "variables": ["nope"]}]}),
                 data)
    assert (p.key, p.column) == ("analyses.subgroups[0].variables", "nope")


def test_fewer_than_two_groups_names_the_groups_key(data):
    p = _problem(make_protocol({}), data[data["group"] == "A"], CohortError)
    assert p.key == "groups.group"
    assert "'B'" in p.message
