"""The seed protocol on every engine: identical attrition, analysis dataset, endpoint
frames, bad-input counts and results.json (up to provenance), compared exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from engine_helpers import STUDY_ENGINES, backend_for

from retrostudy.pipeline import run_study
from retrostudy.report.results_json import dumps

SEED = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"


def _without_provenance(results: dict) -> str:
    return dumps({k: v for k, v in results.items() if k != "provenance"})


@pytest.fixture(scope="module")
def reference(example_study):
    return example_study  # DuckDB in memory, run once for the session (tests/conftest.py)


@pytest.fixture(scope="module", params=STUDY_ENGINES)
def other(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    backend = backend_for(request.param, request, tmp_path_factory)
    return request.param, run_study(SEED, engine=backend, out=out), out


def test_attrition_is_identical(reference, other):
    _, result, _ = other
    assert result.attrition == reference[0].attrition
    assert result.attrition.identified == 49 and result.attrition.analysed == 42


def test_analysis_dataset_is_identical(reference, other):
    _, result, _ = other
    pd.testing.assert_frame_equal(result.dataset, reference[0].dataset, check_exact=True)


def test_endpoint_frames_and_counts_are_identical(reference, other):
    _, result, _ = other
    ref = reference[0].endpoints
    pd.testing.assert_frame_equal(result.endpoints.data, ref.data, check_exact=True)
    pd.testing.assert_frame_equal(result.endpoints.counts, ref.counts, check_exact=True)


def test_record_accounting_is_identical(reference, other):
    _, result, _ = other
    assert dict(result.load.counts) == dict(reference[0].load.counts)
    assert result.load.problems == reference[0].load.problems


def test_results_json_is_identical_up_to_provenance(reference, other):
    name, result, out = other
    ref_text = (reference[1] / "results.json").read_text(encoding="utf-8")
    text = (out / "results.json").read_text(encoding="utf-8")
    assert _without_provenance(json.loads(text)) == _without_provenance(json.loads(ref_text))
    assert _without_provenance(result.results) == _without_provenance(reference[0].results)
    assert json.loads(text)["provenance"]["engine"] == ("spark" if name == "spark" else "duckdb")
