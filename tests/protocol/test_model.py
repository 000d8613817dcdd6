"""The protocol model: the seed protocol loads, round-trips through JSON, and parses conditions."""

import math
from datetime import date
from pathlib import Path

import pytest

from retrostudy.protocol import Protocol, load_protocol, parse_protocol
from retrostudy.protocol.conditions import (
    AgeCondition,
    AllCondition,
    BiomarkerCondition,
    DrugCondition,
    NotCondition,
    ObservationCondition,
)

SEED = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"


def _minimal(**blocks):
    return {"study": {"title": "t"}, "index": {"drug": "trastuzumab emtansine"}, **blocks}


def test_seed_protocol_loads():
    p = load_protocol(SEED)
    assert p.index.drug == ("trastuzumab emtansine",)
    assert p.index.start == date(2014, 4, 1) and p.index.end == date(2017, 2, 28)
    assert [c.action for c in p.criteria] == ["exclude", "exclude"]
    assert isinstance(p.criteria[1].when, NotCondition)
    assert p.criteria[0].when.window == (-math.inf, -1)
    assert [g.name for g in p.groups.group] == ["Tmab/Pmab", "Tmab"]
    assert p.groups.reference == "Tmab"
    assert p.base_dir == SEED.parent.resolve()


def test_json_round_trip_equal():
    p = load_protocol(SEED)
    again = Protocol.model_validate_json(p.model_dump_json())
    assert again.model_copy(update={"base_dir": p.base_dir}) == p
    assert again.model_dump_json() == p.model_dump_json()


def test_round_trip_every_condition_kind():
    when = {
        "any": [
            {"drug": ["a", "b"], "window": ["-inf", "inf"], "min_count": 2},
            {"diagnosis": "metastatic breast cancer", "window": [-30, 0]},
            {"biomarker": "ER", "result": "positive", "window": ["-inf", 0], "specimen": "primary"},
            {"observation": "ecog", "value": ["0", "1"], "window": [-30, 7]},
            {"age": {"min": 18}},
            {"not": {"all": [{"drug": "x", "window": [0, 0]}]}},
        ]
    }
    criterion = {"label": "x", "action": "include", "when": when, "allow_post_index": True}
    p = parse_protocol(_minimal(criteria=[criterion]))
    kinds = [type(c) for c in p.criteria[0].when.any]
    assert kinds[2] is BiomarkerCondition and kinds[3] is ObservationCondition
    assert kinds[4] is AgeCondition and kinds[5] is NotCondition
    assert isinstance(p.criteria[0].when.any[5].not_, AllCondition)
    assert Protocol.model_validate_json(p.model_dump_json()) == p


def test_window_forms():
    p = parse_protocol(
        _minimal(
            criteria=[{"label": "x", "action": "include", "when": {"drug": "a", "window": [0, 0]}}]
        )
    )
    cond = p.criteria[0].when
    assert isinstance(cond, DrugCondition) and cond.window == (0, 0) and cond.min_count == 1


def test_dates_accept_iso_strings():
    p = parse_protocol({"study": {"title": "t"}, "index": {"drug": "x", "start": "2014-04-01"}})
    assert p.index.start == date(2014, 4, 1)


def test_blocks_are_frozen():
    p = load_protocol(SEED)
    with pytest.raises(Exception, match="frozen"):
        p.index.drug = ("x",)


def test_defaults_documented_values():
    p = parse_protocol(_minimal())
    assert p.covariates.ecog_window == (-30, 7)
    assert p.covariates.persistence_gap_days == 30 and p.covariates.exposure_days == 21
    assert p.lines.regimen_window_days == 28 and p.lines.gap_days == 120
    assert p.lines.early_relapse_days == 183
    assert p.groups.on_unassigned == "report" and p.groups.on_overlap == "error"


def test_analysis_table_replaces_index():
    p = parse_protocol(
        {
            "study": {"title": "t"},
            "analysis_table": {"file": "chart.csv", "columns": {"patient_id": "ID"}},
            "groups": {"group": [{"name": "A"}, {"name": "B"}]},
        }
    )
    assert p.index is None and p.analysis_table.file == "chart.csv"
