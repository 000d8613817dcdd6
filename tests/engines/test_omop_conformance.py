"""The seed study from an OMOP CDM in Parquet (with oncology episodes): mapped by DuckDB, and
mapped by Spark reading the Parquet files itself; identical attrition, dataset and
results.json (up to provenance)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from engine_helpers import STUDY_ENGINES, backend_for

from retrostudy.pipeline import run_study
from retrostudy.protocol import parse_protocol
from retrostudy.report.results_json import dumps

SEED = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
LYMPHOMA = "transformed follicular lymphoma"  # the seed's other tumour (no default concept)


@pytest.fixture(scope="module")
def omop_protocol(tmp_path_factory):
    from retrostudy.synth import generate_seed_study
    from retrostudy.synth.omop import canonical_to_omop
    from retrostudy.synth.omop_cdm import write_omop

    root = tmp_path_factory.mktemp("omop")
    write_omop(canonical_to_omop(generate_seed_study().tables, episodes=True), root / "cdm",
               format="parquet")
    raw = tomllib.loads(SEED.read_text(encoding="utf-8"))
    raw["data"] = {"format": "omop", "path": "cdm",
                   "omop": {"patient_id": "person_source_value",
                            "conditions": {f"retrostudy:{LYMPHOMA}": LYMPHOMA}}}
    return parse_protocol(raw, base_dir=root)


@pytest.fixture(scope="module")
def reference(omop_protocol):
    return run_study(omop_protocol, engine="duckdb")


@pytest.fixture(scope="module", params=STUDY_ENGINES)
def other(request, tmp_path_factory, omop_protocol):
    return run_study(omop_protocol, engine=backend_for(request.param, request, tmp_path_factory))


def _without_provenance(results: dict) -> str:
    return dumps({k: v for k, v in results.items() if k != "provenance"})


def test_omop_study_is_identical(reference, other):
    assert reference.attrition.analysed == 42  # the seed's flow, from the CDM
    lines = reference.results["data_quality"]["episode_lines"]
    assert lines["matched"] == lines["same_drugs"] == lines["derived_lines"] > 0
    assert other.attrition == reference.attrition
    pd.testing.assert_frame_equal(other.dataset, reference.dataset, check_exact=True)
    pd.testing.assert_frame_equal(other.endpoints.counts, reference.endpoints.counts,
                                  check_exact=True)
    assert dict(other.load.counts) == dict(reference.load.counts)
    assert _without_provenance(other.results) == _without_provenance(reference.results)
