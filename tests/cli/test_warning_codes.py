"""Warning codes: one registry, stable, documented, and every warning the analyses write
has one (RS-W000 would mean a new kind of warning without a code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrostudy.warning_codes import REGISTRY, UNKNOWN, check_codes, code_of, markdown_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "warnings.md"


def test_codes_are_unique_and_well_formed():
    codes = [k.code for k in REGISTRY]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"RS-W\d{3}", c) and c != UNKNOWN for c in codes)


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.code)
def test_each_example_gets_its_own_code(kind):
    assert code_of(kind.example) == kind.code


def test_docs_table_is_the_registry():
    assert markdown_table() in DOCS.read_text(encoding="utf-8")


def test_unknown_sentence_and_unknown_code():
    assert code_of("something nobody registered") == UNKNOWN
    assert check_codes(["rs-w001", " RS-W025 "]) == {"RS-W001", "RS-W025"}
    with pytest.raises(Exception, match="unknown warning code"):
        check_codes(["RS-W9999"])


@pytest.fixture(scope="module")
def analyses():
    import pandas as pd

    from retrostudy.analysis import run_analyses
    from retrostudy.protocol import load_protocol

    study = Path(__file__).resolve().parents[1] / "analysis" / "data" / "study.toml"
    return run_analyses(load_protocol(study), pd.read_csv(study.with_name("seed_like.csv")))


def test_every_warning_of_a_real_study_has_a_code(analyses):
    """The hand-built 42-patient study (tests/analysis/data) raises warnings of several
    kinds; each is recognised."""
    assert analyses.warnings
    assert [w for w in analyses.warnings if code_of(w) == UNKNOWN] == []
