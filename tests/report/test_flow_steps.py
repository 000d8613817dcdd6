"""The flow (Fig. 1, results.json ``flow``, the attrition rows) on a study that is not the
example: an eribulin cohort from a chart-review table with an inclusion criterion, a
criterion that removes nobody and one with its own ``excluded_label`` (issue 16 item 3).

An inclusion step is shown by what its removed patients failed ("Not: ..."), never under
"Excluded:" with the inclusion's own wording; a step that removed nobody is listed with
n = 0 (STROBE item 13: numbers at each stage).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from retrostudy.protocol.load import parse_protocol

ECOG = [0, 1, 2, 0, 1, 3, 0, 1, 0, 1, 2, 0, 1, 0, 1, 0]  # 3 patients with PS >= 2
AGE = [50, 61, 72, 45, 58, 66, 70, 39, 81, 55, 63, 47, 52, 68, 74, 59]  # one over 80


def _table(folder):
    n = len(ECOG)
    frame = pd.DataFrame(
        {
            "patient_id": [f"E{i:02d}" for i in range(n)],
            "group": ["weekly" if i % 2 else "three-weekly" for i in range(n)],
            "index_date": pd.date_range("2019-01-07", periods=n, freq="14D").strftime("%Y-%m-%d"),
            "ecog": ECOG,
            "age": AGE,
            "prior_eribulin": ["no"] * n,  # nobody: the step removes 0
            "os_days": [30 * (i + 3) for i in range(n)],
            "os_event": [i % 3 != 0 for i in range(n)],
        }
    )
    frame.to_csv(folder / "chart.csv", index=False)


def _protocol(folder):
    return parse_protocol(
        {
            "study": {"title": "Eribulin schedules", "synthetic": True},
            "analysis_table": {
                "file": "chart.csv",
                "label": "Women who started eribulin",
                "criteria": [
                    {"label": "ECOG PS 0-1 at start", "action": "include",
                     "when": {"column": "ecog", "one_of": [0, 1]}},
                    {"label": "Eribulin before", "action": "exclude",
                     "when": {"column": "prior_eribulin", "equals": "yes"}},
                    {"label": "Aged 80 or younger", "action": "include",
                     "excluded_label": "Older than 80", "when": {"column": "age", "max": 80}},
                ],
            },
            "groups": {"reference": "three-weekly",
                       "group": [{"name": "three-weekly"}, {"name": "weekly"}]},
            "analyses": {"survival": [{"endpoint": "os", "label": "Overall survival"}]},
            "report": {"figure_formats": ["png"]},
        },
        base_dir=folder,
    )


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from retrostudy.pipeline import run_study

    folder = tmp_path_factory.mktemp("flow_steps")
    _table(folder)
    return run_study(_protocol(folder), out=folder / "out"), folder / "out"


def test_the_attrition_names_what_the_removed_patients_failed(study):
    result, _ = study
    steps = [(s.label, s.kind, s.n_excluded, s.removed) for s in result.attrition.steps]
    assert steps == [
        ("ECOG PS 0-1 at start", "include", 3, "Not: ECOG PS 0-1 at start"),
        ("Eribulin before", "exclude", 0, "Eribulin before"),
        ("Aged 80 or younger", "include", 1, "Older than 80"),
    ]
    rows = [r for r in result.attrition.rows() if r["kind"] in ("include", "exclude")]
    assert [(r["excluded_label"], r["n_excluded"], r["n_remaining"]) for r in rows] == [
        ("Not: ECOG PS 0-1 at start", 3, 13),
        ("Eribulin before", 0, 13),
        ("Older than 80", 1, 12),
    ]


def test_results_json_lists_every_step_with_the_removed_patients_label(study):
    _, out = study
    flow = json.loads((out / "results.json").read_text(encoding="utf-8"))["flow"]
    assert flow["n_identified"] == 16 and flow["n_analysed"] == 12
    assert flow["exclusions"] == [
        {"label": "Not: ECOG PS 0-1 at start", "criterion": "ECOG PS 0-1 at start",
         "kind": "include", "n_excluded": 3, "n_remaining": 13},
        {"label": "Eribulin before", "criterion": "Eribulin before", "kind": "exclude",
         "n_excluded": 0, "n_remaining": 13},
        {"label": "Older than 80", "criterion": "Aged 80 or younger", "kind": "include",
         "n_excluded": 1, "n_remaining": 12},
    ]


def test_the_figure_draws_every_step_by_what_was_failed(study):
    result, _ = study
    fig = result.figures["figure1_flow"].figure
    text = " ".join(" ".join(t.get_text().split()) for ax in fig.axes for t in ax.texts)
    assert "Not: ECOG PS 0-1 at start (n = 3)" in text
    assert "Eribulin before (n = 0)" in text
    assert "Older than 80 (n = 1)" in text
    assert "\u2022 ECOG PS 0-1" not in text and "Aged 80 or younger" not in text


def test_published_keys_follow_protocol_order_and_the_criterion_label(study):
    from retrostudy.report.flow import flow_from_attrition
    from retrostudy.report.published import _flow_keys

    result, _ = study
    keys: dict = {}
    _flow_keys(flow_from_attrition(result.attrition), keys)
    assert keys["flow.excluded.2"] == 0 and keys["flow.excluded.3"] == 1
    assert keys["flow.excluded.aged_80_or_younger"] == 1


def test_excluded_label_is_an_optional_non_empty_string(tmp_path):
    raw = {
        "study": {"title": "x"},
        "analysis_table": {"file": "chart.csv", "criteria": [
            {"label": "a", "action": "include", "excluded_label": "",
             "when": {"column": "ecog", "max": 1}}]},
    }
    from retrostudy.errors import ProtocolError

    with pytest.raises(ProtocolError) as info:
        parse_protocol(raw, base_dir=tmp_path)
    assert "analysis_table.criteria.0.excluded_label" in str(info.value)
