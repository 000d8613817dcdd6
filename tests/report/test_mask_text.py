"""Free-text warnings under small-cell suppression: counts below the threshold are masked."""

from __future__ import annotations

import pytest

from retrostudy.report.suppression import mask_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11 of 18 patients found no match", "11 of 18 patients found no match"),
        ("6 of 18 and 20 of 24 patients", "<11 of 18 and 20 of 24 patients"),
        ("ESS 8.4 of 24; range 0.307-0.912", "ESS 8.4 of 24; range 0.307-0.912"),
        ("patient P007 (figureS1), 3 events", "patient P007 (figureS1), <11 events"),
        ("0 events in Tmab", "0 events in Tmab"),
        ("the 7 matched patients.", "the <11 matched patients."),
    ],
)
def test_mask_text(text, expected):
    assert mask_text(text, 11, "<{threshold}") == expected


def test_mask_text_off_without_threshold():
    assert mask_text("3 of 5", 0, "<{threshold}") == "3 of 5"


def test_report_warnings_are_masked(tmp_path):
    from pathlib import Path

    from retrostudy.pipeline import run_study
    from retrostudy.protocol.load import load_protocol

    study_toml = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
    protocol = load_protocol(study_toml)
    report = protocol.report.model_copy(
        update={"suppression": protocol.report.suppression.model_copy(update={"threshold": 11})}
    )
    study = run_study(protocol.model_copy(update={"report": report}))
    raw = " ".join(study.analyses.warnings)
    shown = " ".join(study.results["warnings"])
    assert "11 of 18 Tmab/Pmab" in raw and "6 of 18 Tmab/Pmab" in raw
    assert "6 of 18" not in shown and "<11 of 18 Tmab/Pmab" in shown
