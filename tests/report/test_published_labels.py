"""Published vs reproduced and literature comparators as a reader sees them, on a study that
is not the T-DM1 example: a lung-cancer cohort with groups "EGFR" and "ALK", a categorical
and an ``among`` (duration among the exposed) Table 1 row, labelled and unlabelled numbers,
and comparators of three endpoint types."""

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from retrostudy.protocol.published import (
    Comparator,
    ComparatorsBlock,
    PublishedBlock,
    compare_published,
)
from retrostudy.report.flow import Flow, FlowStep
from retrostudy.report.html import breakable
from retrostudy.report.published import (
    comparator_groups,
    comparators_table,
    comparison_table,
    describe,
    flat_results,
    label_names,
)

FLOW = Flow(
    source="s",
    n_identified=30,
    steps=(FlowStep(label="Under 18 at diagnosis", n_excluded=3, n_remaining=27),),
    n_analysed=27,
    groups=(("EGFR", 15), ("ALK", 12)),
)
TABLE1 = [
    {"variable": "smoking", "label": "Smoking history", "kind": "categorical",
     "values": ["never", "former"], "levels": ["Never smoker", "Former smoker"],
     "counts": {"EGFR": [9, 6], "ALK": [10, 2]}, "p_value": 0.2},
    {"variable": "ever_tki", "label": "Prior TKI", "kind": "binary",
     "values": ["true", "false"], "levels": ["Yes", "No"],
     "counts": {"EGFR": [5, 10], "ALK": [4, 8]}, "p_value": None},
    {"variable": "tki_days", "label": "Duration (months)", "kind": "continuous",
     "among": "ever_tki", "p_value": None,
     "groups": {"EGFR": {"median": 4.5, "min": 1.0, "max": 9.0},
                "ALK": {"median": 7.25, "min": 2.0, "max": 12.0},
                "overall": {"median": 5.0, "min": 1.0, "max": 12.0}}},
]


class _Result:
    """A typed analysis result as the report reads it here: through its JSON view."""

    def __init__(self, data):
        self.data = data

    def to_json(self):
        return self.data


ANALYSES = SimpleNamespace(
    table1=_Result(TABLE1),
    response=_Result({"rates": [{"name": "response", "label": "Objective response rate",
                         "p_value": 0.5, "groups": {"EGFR": {"x": 6, "n": 15},
                                                    "ALK": {"x": 3, "n": 12}}}],
              "best_response": {"PR": {"EGFR": 6, "ALK": 3}, "PD": {"EGFR": 9, "ALK": 9}}}),
    endpoints=[],
    followup=None,
    discontinuation=_Result({"discontinued": {"EGFR": 8, "ALK": 2},
                             "reasons": {"toxicity": {"EGFR": 3, "ALK": 1}}}),
    conventions=None,
)


def test_flat_results_cover_among_rows_percentages_and_overall_counts():
    flat = flat_results(ANALYSES, FLOW)
    # an ``among`` row (duration of a prior drug among the exposed) is compared too
    assert flat["table1.tki_days.median.ALK"] == 7.25
    assert flat["table1.tki_days.max.overall"] == 12.0
    # category counts and percentages per group and overall (of the non-missing)
    assert flat["table1.smoking.former.ALK"] == 2
    assert flat["table1.smoking.former.ALK.percent"] == pytest.approx(100 * 2 / 12)
    assert flat["table1.smoking.never.overall"] == 19
    assert flat["table1.smoking.never.overall.percent"] == pytest.approx(100 * 19 / 27)
    assert flat["response.bor.PR.EGFR.percent"] == pytest.approx(40.0)
    assert flat["discontinuation.toxicity.percent"] == pytest.approx(40.0)


def test_labels_come_from_the_protocol_and_fall_back_readably():
    block = PublishedBlock(values=[
        {"what": "flow.excluded.under_18_at_diagnosis", "value": 3, "where": "Fig. 1",
         "label": "excluded, younger than 18"},
        {"what": "table1.tki_days.median.ALK", "value": "7.3", "where": "Table 1"},
        {"what": "table1.smoking.former.ALK.percent", "value": 17, "where": "Table 1"},
        {"what": "flow.excluded.1", "value": 3},
        {"what": "table1.pack_years.median.EGFR", "value": 20, "where": "Table 1",
         "note": "not a variable of this protocol"},
    ])
    names = label_names(ANALYSES, FLOW)
    table = comparison_table(compare_published(block, flat_results(ANALYSES, FLOW)), None, names)
    labels = [r.label for r in table.rows]
    assert labels[0] == "Fig. 1: excluded, younger than 18"  # the protocol's own words
    # without a label: the study's labels (an among row named with its parent row)
    assert labels[1] == "Table 1: Prior TKI: Duration (months), median, ALK"
    assert labels[2] == "Table 1: Smoking history: Former smoker, ALK, %"
    assert labels[3] == "excluded, Under 18 at diagnosis"
    # an unknown variable still reads as words, never as a dotted key
    assert labels[4] == "Table 1: pack years, median, EGFR"
    assert not any("." in lab.split(": ")[-1].replace("Fig. 1", "") for lab in labels)
    body = table.body()
    assert body[1][1:4] == ["7.3", "7.3", "\u2713 match"]  # 7.25 rounds half up to 7.3
    assert body[2][1:5] == ["17", "17", "\u2713 match", ""]
    assert body[4][2:] == ["", "not computed", "", "not a variable of this protocol"]


def test_describe_without_any_study_labels():
    assert describe("table1.smoking.former.ALK") == "smoking: former, ALK"
    assert describe("response.trr.EGFR.percent") == "tumour response rate, EGFR, %"
    assert describe("os.conf_high.ALK") == "os, upper 95% CI limit, ALK"
    assert describe("cox.adjusted.hazard_ratio") == "hazard ratio (adjusted Cox model)"
    assert describe("groups.ALK.n") == "ALK, number of patients"


def _study(name, endpoint_type, median, **extra):
    return Comparator(study=name, design="d", population="p", endpoint_type=endpoint_type,
                      endpoint=f"{endpoint_type} as defined", median=median,
                      source="publisher page", evidence="V", **extra)


STUDIES = (
    _study("TrialA", "pfs", 10.0, doi="10.1000/xyz123", registry="NCT01234567"),
    _study("CohortB", "rwpfs", 6.0),
    _study("ClaimsC", "ttd", 5.0, registry="ISRCTN12345678"),
    _study("TrialD", "pfs", 9.0),
)


def test_comparators_are_grouped_by_endpoint_type_and_carry_links():
    own = [("rwpfs", "PFS, EGFR", 7.0, 5.0, 9.0)]
    groups = comparator_groups(STUDIES, own)
    assert [g[0] for g in groups] == ["pfs", "rwpfs", "ttd"]
    for t, _heading, own_rows, members in groups:
        assert {s.endpoint_type for s in members} == {t}  # no group mixes types
        assert all(r[0] == t for r in own_rows)
    assert groups[1][2] == own and groups[0][2] == []  # the cohort only beside its own type
    table = comparators_table(STUDIES, own)
    headings = [r.label for r in table.rows if r.heading]
    assert headings == ["Progression-free survival in clinical trials",
                        "Real-world progression-free survival",
                        "Time on treatment (time to treatment discontinuation)"]
    notes = "\n".join(table.footnotes)
    assert "https://doi.org/10.1000/xyz123" in notes
    assert "https://clinicaltrials.gov/study/NCT01234567" in notes
    assert "ISRCTN12345678" in notes  # another registry's id: shown, not linked


def test_comparator_figure_has_one_axis_per_endpoint_type():
    from retrostudy.report.figures.forest import draw_comparators

    rows = [(h, s.study, s.median, None, None, False)
            for _t, h, _o, members in comparator_groups(STUDIES, []) for s in members]
    fig = draw_comparators(rows, number="9").figure
    assert len(fig.axes) == 3
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[1] == "Real-world progression-free survival"


def test_comparator_links_are_validated():
    with pytest.raises(ValidationError):
        _study("X", "pfs", 1.0, doi="https://doi.org/10.1000/x")  # the DOI, not a URL
    with pytest.raises(ValidationError):
        _study("X", "pfs", 1.0, registry="NCT 123")
    assert ComparatorsBlock(this_study={"pfs": "rwpfs"}).this_study == {"pfs": "rwpfs"}


def test_html_links_are_escaped_and_noopener():
    out = str(breakable('Source: <i>x</i> https://doi.org/10.1000/a"b<c> and javascript:alert(1)'))
    assert '<a href="https://doi.org/10.1000/a" rel="noopener">' in out
    assert "&lt;i&gt;" in out and "<i>" not in out
    assert 'href="javascript' not in out
