"""The [endpoints] protocol block: parsing, defaults, strictness and JSON round trip."""

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from retrostudy.errors import ProtocolError
from retrostudy.protocol.endpoints import EndpointsBlock
from retrostudy.protocol.load import load_protocol, parse_protocol

SEED = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"

TOML = """
[endpoints]
days_per_month = 30.4375

[endpoints.pfs]
kind = "pfs"
events = ["progression"]

[endpoints.pfs_std]
kind = "pfs"
events = ["progression", "death"]
death_window_days = 30
censor_at_new_therapy = true
missed_assessments = { interval_days = 42 }

[endpoints.bor]
kind = "bor"
"""


def test_parse_defaults_and_round_trip():
    block = EndpointsBlock.model_validate(tomllib.loads(TOML)["endpoints"])
    assert list(block.items) == ["pfs", "pfs_std", "bor"]
    std = block.items["pfs_std"]
    assert std.missed_assessments.max_missed == 2 and std.missed_assessments.limit_days == 84
    assert block.items["bor"].sd_min_days == 42 and block.items["bor"].confirm_days == 28
    dumped = block.model_dump(mode="json")
    assert dumped["pfs"]["events"] == ["progression"] and dumped["days_per_month"] == 30.4375
    assert EndpointsBlock.model_validate(dumped) == block
    assert list(block.of_kind("pfs")) == ["pfs", "pfs_std"]


@pytest.mark.parametrize(("raw", "message"), [
    ({"pfs": {"kind": "pfs", "event": ["death"]}}, "Extra inputs are not permitted"),
    ({"pfs": {"kind": "pfs", "events": ["death"]}}, "events must include 'progression'"),
    ({"pfs": {"kind": "pfs", "events": ["progression"], "death_window_days": 30}},
     "death_window_days needs 'death' in events"),
    ({"x": {"kind": "qol"}}, "does not match any of the expected tags"),
    ({"PFS": {"kind": "pfs"}}, "endpoint name 'PFS' must match"),
    ({"bor": {"kind": "bor", "confirm_days": 0}}, "greater than or equal to 1"),
    ({"rates": {"kind": "rates"}}, "rates.response_from = 'bor' is not a 'bor' endpoint"),
    ({"fu": {"kind": "followup", "observation": "pfs"}},
     r"fu: kind = 'followup' is a per-group summary, configured in \[analyses.followup\]"),
    ({"d": {"kind": "discontinuation"}}, r"configured in \[analyses.discontinuation\]"),
    ({"bor": {"kind": "bor"}, "rates": {"kind": "rates", "denominator": "evaluable"}},
     r"rates.denominator moved to \[analyses.response\] denominator"),
])
def test_invalid_blocks(raw, message):
    with pytest.raises(ValidationError, match=message):
        EndpointsBlock.model_validate(raw)


def test_protocol_error_names_the_key():
    with pytest.raises(ProtocolError, match=r"key 'endpoints\.pfs\.bogus': unknown key 'bogus'"):
        parse_protocol({"study": {"title": "t"}, "endpoints": {"pfs": {"kind": "pfs",
                                                                         "bogus": 1}}})


def test_seed_protocol_endpoints():
    block = load_protocol(SEED).endpoints
    assert block.items["pfs"].events == ("progression",)
    assert block.items["bor"].confirmation is False
    assert block.items["rates"].sd_duration_days == 183
    assert block.items["ttd"].drug == "trastuzumab emtansine"
