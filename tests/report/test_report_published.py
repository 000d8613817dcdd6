"""Published vs reproduced: the key paths the report computes, and the comparison table."""

import pytest

from retrostudy.protocol.published import PublishedBlock, compare_published
from retrostudy.report.flow import Flow, FlowStep
from retrostudy.report.published import comparison_table, flat_results, label_names

FLOW = Flow(
    source="s",
    n_identified=49,
    steps=(FlowStep(label="Received T-DM1 as prior treatment", n_excluded=2, n_remaining=47),),
    n_analysed=47,
    groups=(("Tmab/Pmab", 18), ("Tmab", 24)),
)


def test_flat_results_use_the_agreed_key_paths(analyses):
    flat = flat_results(analyses, FLOW)
    assert flat["flow.identified"] == 49
    assert flat["flow.excluded.1"] == flat["flow.excluded.received_t_dm1_as_prior_treatment"] == 2
    assert flat["groups.Tmab.n"] == 24
    assert flat["table1.ecog.1.Tmab"] == 10 and flat["table1.visceral.true.Tmab/Pmab"] == 13
    assert flat["table1.age.median.overall"] == pytest.approx(60.5)  # numpy median of all 42 ages
    assert flat["response.trr.Tmab/Pmab.n"] == 2
    assert flat["response.dcr.Tmab.percent"] == pytest.approx(62.5)
    assert flat["response.bor.PD.Tmab/Pmab.n"] == 10
    ep = analyses.endpoints[0]
    assert flat["pfs.logrank.p_value"] == ep.logrank.p_value
    assert flat["cox.adjusted.hazard_ratio"] == ep.group_hr("adjusted").hazard_ratio
    assert flat["pfs.median.Tmab"] == ep.groups[1].median[0]


def test_comparison_table_flags_each_number(analyses):
    block = PublishedBlock(
        values=[
            {"what": "response.trr.p_value", "value": "0.2566"},
            {"what": "table1.hr_status.p_value", "value": "0.4740"},
            {"what": "flow.excluded.unknown", "value": 3},
        ]
    )
    comparisons = compare_published(block, flat_results(analyses, FLOW))
    table = comparison_table(comparisons, "the seed", label_names(analyses, FLOW))
    body = table.body()
    # no label given: the row reads with the study's own labels, not the key path
    assert body[0] == ["Tumour response rate, p value", "0.2566", "0.2566", "\u2713 match", "", ""]
    assert body[1][1:5] == ["0.4740", "0.2123", "\u2717 differs", "\u22120.26168"]
    assert body[2][0] == "excluded, unknown" and body[2][2:4] == ["", "not computed"]
    assert table.footnotes[0].startswith("1 of 3 printed numbers reproduced")
