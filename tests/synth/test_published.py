"""The [published] and [comparators] blocks and compare_published (precision-aware matching)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from retrostudy.protocol.load import load_protocol
from retrostudy.protocol.published import (
    Comparator,
    ComparatorsBlock,
    PublishedBlock,
    PublishedValue,
    compare_published,
)

SEED = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"


def _block(*values) -> PublishedBlock:
    return PublishedBlock(values=[PublishedValue(what=w, value=v) for w, v in values])


def test_match_at_printed_precision():
    block = _block(
        ("pfs.median.Tmab", 7.8),
        ("table1.hr_status.p_value", "0.4740"),
        ("flow.identified", 49),
        ("response.trr.Tmab.percent", "25.0"),
    )
    got = compare_published(
        block,
        {
            "pfs.median.Tmab": 7.8212,
            "table1.hr_status.p_value": 0.21232,
            "flow.identified": 49,
            "response.trr.Tmab.percent": 24.96,
        },
    )
    assert [(c.what, c.decimals, c.status) for c in got] == [
        ("pfs.median.Tmab", 1, "match"),
        ("table1.hr_status.p_value", 4, "differs"),
        ("flow.identified", 0, "match"),
        ("response.trr.Tmab.percent", 1, "match"),
    ]
    assert got[1].difference == pytest.approx(0.21232 - 0.474)


def test_rounding_is_half_up_at_the_printed_digit():
    block = _block(("x.a", 2.8), ("x.b", 2.8))
    a, b = compare_published(block, {"x.a": 2.85, "x.b": 2.75})
    assert (a.match, b.match) == (False, True)  # 2.85 -> 2.9; 2.75 -> 2.8


def test_missing_or_nan_is_not_computed():
    block = _block(("cox.adjusted.hazard_ratio", 3.07), ("cox.unadjusted.hazard_ratio", 2.83))
    a, b = compare_published(block, {"cox.unadjusted.hazard_ratio": float("nan")})
    assert (a.status, a.match, a.reproduced) == ("not_computed", False, None)
    assert b.status == "not_computed"


def test_explicit_decimals_win():
    block = PublishedBlock(
        values=[PublishedValue(what="pfs.logrank.p_value", value=0.003, decimals=4)]
    )
    (c,) = compare_published(block, {"pfs.logrank.p_value": 0.00304})
    assert c.decimals == 4 and c.match


def test_published_errors():
    with pytest.raises(ValidationError, match="repeated"):
        _block(("flow.identified", 49), ("flow.identified", 48))
    with pytest.raises(ValidationError, match="must be a number"):
        PublishedValue(what="flow.identified", value="forty-nine")
    with pytest.raises(ValidationError, match="pattern"):
        PublishedValue(what="identified", value=49)
    with pytest.raises(ValidationError, match="Extra inputs"):
        PublishedValue(what="flow.identified", value=49, tolerance=1)


def _comparator(**changes):
    base = dict(
        study="X",
        design="RCT",
        population="HER2+ MBC",
        endpoint_type="pfs",
        endpoint="PFS",
        median=6.0,
        conf_low=5.0,
        conf_high=7.0,
        source="https://x",
        evidence="V",
    )
    return Comparator(**(base | changes))


def test_comparator_validation():
    assert _comparator().median == 6.0
    with pytest.raises(ValidationError, match="conf_low <= median"):
        _comparator(conf_low=6.5)
    with pytest.raises(ValidationError, match="hr_comparison"):
        _comparator(hazard_ratio=0.6)
    with pytest.raises(ValidationError, match="needs its median"):
        _comparator(median=None)
    with pytest.raises(ValidationError, match="endpoint_type"):
        _comparator(endpoint_type="progression")
    with pytest.raises(ValidationError, match="evidence"):
        _comparator(evidence="Z")


def test_seed_example_blocks():
    protocol = load_protocol(SEED)
    keys = [v.what for v in protocol.published.values]
    for key in (
        "flow.identified",
        "flow.analysed",
        "groups.Tmab/Pmab.n",
        "pfs.median.Tmab",
        "pfs.logrank.p_value",
        "cox.unadjusted.hazard_ratio",
        "cox.adjusted.conf_high",
        "response.trr.p_value",
        "table1.hr_status.p_value",
    ):
        assert key in keys
    studies = {c.study.split(" ")[0] for c in protocol.comparators.studies}
    assert {
        "EMILIA",
        "TH3RESA",
        "KAMILLA",
        "DESTINY-Breast03",
        "Dzimitrowicz",
        "Vici",
        "Fabi",
        "Conte",
        "Michel",
        "Australian",
    } <= studies
    hr_p = next(v for v in protocol.published.values if v.what == "table1.hr_status.p_value")
    (c,) = compare_published(PublishedBlock(values=[hr_p]), {hr_p.what: 0.2123})
    assert c.status == "differs" and c.decimals == 4


def test_blocks_round_trip_json():
    protocol = load_protocol(SEED)
    for block, cls in (
        (protocol.published, PublishedBlock),
        (protocol.comparators, ComparatorsBlock),
    ):
        assert cls.model_validate_json(block.model_dump_json()) == block
