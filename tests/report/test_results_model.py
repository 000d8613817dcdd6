"""results.json is described completely by the pydantic models of
retrostudy.report.results_model: the shipped example validates (every analysis block is on
in it: adjusted, RMST, competing risks, subgroups, sensitivity, published comparison), and a
results.json with an undocumented key or a wrong type fails, naming the key path.

Other studies validate where they already run: the second example
(tests/examples/test_second_example.py), the minimal protocol
(tests/report/test_minimal_protocol.py), the suppressed study
(tests/report/test_suppression.py) and the degenerate cohorts
(tests/report/degenerate_helpers.py, assert_no_silent_nan).
"""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from retrostudy.report.results_model import Results, results_json_schema, validate_results


@pytest.fixture(scope="module")
def example_json(example_study):
    _, out = example_study
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_the_example_results_json_validates(example_study, example_json):
    result, out = example_study
    model = validate_results((out / "results.json").read_text(encoding="utf-8"))
    assert isinstance(model, Results)
    # every optional analysis of the example is present, so it is checked, not skipped
    a = model.analyses
    assert a is not None and a.adjusted is not None and a.rmst and a.subgroups
    assert a.competing_risks is not None and a.sensitivity is not None
    assert model.published_comparison is not None
    assert model.published_comparison.published and model.published_comparison.comparators
    # the in-memory results (numpy values, NaN) validate as they are written
    validate_results(result.results)


def test_the_models_round_trip_the_example(example_json):
    """Nothing is dropped or renamed: dumping the validated model gives the file back
    (optional keys the writer leaves out stay out)."""
    model = validate_results(example_json)
    assert model.model_dump(mode="json", exclude_unset=True) == example_json


def _fails(data: dict, *where: str) -> str:
    with pytest.raises(ValidationError) as info:
        validate_results(data)
    message = str(info.value)
    for part in where:
        assert part in message, message
    return message


def test_an_undocumented_key_fails_naming_its_path(example_json):
    data = copy.deepcopy(example_json)
    data["analyses"]["endpoints"]["pfs"]["groups"]["Tmab"]["mean_months"] = 3.0
    _fails(data, "analyses.endpoints.pfs.groups.Tmab.mean_months",
           "Extra inputs are not permitted")
    top = copy.deepcopy(example_json) | {"run_at": "2026-01-01"}
    _fails(top, "run_at", "Extra inputs are not permitted")


def test_a_wrong_type_fails_naming_its_path(example_json):
    data = copy.deepcopy(example_json)
    data["analyses"]["endpoints"]["pfs"]["cox"][0]["n_events"] = "38"
    _fails(data, "analyses.endpoints.pfs.cox.0.n_events", "valid integer")
    data = copy.deepcopy(example_json)
    data["flow"]["exclusions"][0]["kind"] = "dropped"
    _fails(data, "flow.exclusions.0.kind", "'include', 'exclude', 'unassigned' or 'overlap'")
    data = copy.deepcopy(example_json)
    del data["analyses"]["adjusted"]["flags"]["separation"]
    _fails(data, "analyses.adjusted.flags.separation", "Field required")


def test_json_schema_forbids_unknown_keys_everywhere():
    schema = results_json_schema()
    assert schema["additionalProperties"] is False
    models = schema["$defs"]
    # every object of ours is closed (Comparator, from the protocol, is closed too)
    assert all(d.get("additionalProperties") is False for d in models.values()
               if d.get("type") == "object"), [k for k, d in models.items()
                                               if d.get("additionalProperties") is not False]
    assert "Results" not in models and schema["title"] == "retrostudy results.json"


def test_a_key_left_out_when_unused_is_not_null(example_json):
    """`adjusted` is absent without [analyses.adjusted]; written as null it is an error
    (what a reader sees absent and null must mean one thing)."""
    data = copy.deepcopy(example_json)
    del data["analyses"]["adjusted"]
    assert validate_results(data).analyses.adjusted is None
    data["analyses"]["adjusted"] = None
    _fails(data, "analyses", "adjusted: null where the key is left out")
