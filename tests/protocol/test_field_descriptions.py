"""Every key of the blocks the app's cohort and endpoints pages show has its documented
meaning in the protocol model (a field ``description``), and ``retrostudy schema`` carries
it, so an editor and the app show the meaning beside each key."""

from __future__ import annotations

import pytest

from retrostudy.protocol import adjusted, analyses, cohort, conditions, endpoints, report

BLOCKS = [
    cohort.IndexBlock, cohort.Criterion, cohort.Group, cohort.GroupsBlock,
    *endpoints.SPEC_MODELS, endpoints.EndpointsBlock, endpoints.MissedAssessments,
    analyses.AnalysesBlock, analyses.SurvivalAnalysis, analyses.ResponseAnalysis,
    analyses.FollowUp, adjusted.AdjustedAnalysis, report.ReportBlock,
    conditions.DrugCondition, conditions.DiagnosisCondition, conditions.BiomarkerCondition,
    conditions.ObservationCondition, conditions.AgeCondition, conditions.AgeRange,
]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.__name__)
def test_every_key_has_a_plain_words_meaning(block):
    missing = [name for name, field in block.model_fields.items()
               if not (field.description or "").strip()]
    assert not missing, f"{block.__name__}: keys without a description: {missing}"
    for name, field in block.model_fields.items():
        text = " ".join(field.description.split())
        assert len(text) >= 12 and text.rstrip(".") != text, (block.__name__, name, text)


def test_the_json_schema_carries_the_meanings():
    from retrostudy.cli.schema import protocol_schema

    schema = protocol_schema()
    defs = schema.get("$defs", {})
    for block in (cohort.IndexBlock, analyses.SurvivalAnalysis, report.ReportBlock):
        props = defs[block.__name__]["properties"]
        for name, field in block.model_fields.items():
            key = field.alias or name
            assert props[key].get("description") == field.description, (block.__name__, key)
