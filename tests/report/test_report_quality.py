"""Endpoint definitions and record accounting in the report (unit level and the table study).

The tables are built from hand-made load and endpoint results, so their bodies are fixed
snapshots (snapshots/*.txt; rewrite with RETROSTUDY_UPDATE_SNAPSHOTS=1 and check by eye).
"""

import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from retrostudy.data.load import Finding, TableCount
from retrostudy.errors import Problem
from retrostudy.report.html import breakable
from retrostudy.report.quality import (
    BAD_INPUT_KEY,
    RECORDS_KEY,
    REJECTIONS_KEY,
    Quality,
    record_counts,
    tables,
    to_json,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _load(**counts):
    dup = Problem(
        message="exact duplicate of row 3",
        file="tumor_assessments.csv",
        row=4,
        column="date",
        value="2015-01-02",
        code="duplicate_row",
    )
    return SimpleNamespace(
        counts={k: TableCount(read=r, loaded=lo, rejected=rj) for k, (r, lo, rj) in counts.items()},
        problems=(Finding(problem=dup, severity="quarantine", table="tumor_assessments", count=2),)
        * 2,  # two examples of one class: one row in the table
    )


def _endpoints():
    counts = pd.DataFrame(
        [
            ("assessment_before_index", "tumor_assessments", 3, 2, "ignored (baseline)"),
            ("no_post_baseline_assessment", "tumor_assessments", 0, 1, "PFS censored at index"),
        ],
        columns=["rule", "scope", "n_records", "n_patients", "action"],
    )
    return SimpleNamespace(
        counts=counts,
        definitions={"pfs": "PFS <b>rule</b> & more", "os": "Overall survival: death."},
    )


QUALITY = Quality(
    load=_load(patients=(10, 10, 0), tumor_assessments=(40, 38, 2)), endpoints=_endpoints()
)
SUPP_OFF = SimpleNamespace(threshold=0, mask="<{threshold}")
PROTOCOL = SimpleNamespace(analyses=SimpleNamespace(survival=[]))


@pytest.mark.parametrize("key", [RECORDS_KEY, REJECTIONS_KEY, BAD_INPUT_KEY])
def test_quality_table_body_matches_snapshot(key):
    text = tables(QUALITY)[key].to_text()
    path = SNAPSHOTS / f"{key}.txt"
    if os.environ.get("RETROSTUDY_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_read_equals_loaded_plus_rejected_is_checked():
    assert record_counts(QUALITY.load)["tumor_assessments"] == {
        "read": 40,
        "loaded": 38,
        "rejected": 2,
    }
    with pytest.raises(AssertionError, match="5 rows read but 3 loaded"):
        record_counts(_load(patients=(5, 3, 1)))


def test_json_has_definitions_and_accounting():
    defs, quality = to_json(QUALITY, PROTOCOL, SUPP_OFF)
    assert defs == {"pfs": "PFS <b>rule</b> & more", "os": "Overall survival: death."}
    assert quality["source"] == "records"
    assert quality["records"]["tumor_assessments"] == {"read": 40, "loaded": 38, "rejected": 2}
    assert quality["load_problems"] == [
        {
            "table": "tumor_assessments",
            "code": "duplicate_row",
            "severity": "quarantine",
            "occurrences": 2,
            "example": "tumor_assessments.csv, row 4: exact duplicate of row 3",
        }
    ]
    assert [(r["rule"], r["n_records"], r["n_patients"]) for r in quality["bad_input"]] == [
        ("assessment_before_index", 3, 2),
        ("no_post_baseline_assessment", 0, 1),
    ]


def test_patient_counts_masked_when_sharing():
    supp = SimpleNamespace(threshold=5, mask="<{threshold}")
    _, quality = to_json(QUALITY, PROTOCOL, supp)
    assert [r["n_patients"] for r in quality["bad_input"]] == ["<5", "<5"]
    assert [r["n_records"] for r in quality["bad_input"]] == [3, 0]  # rows, not patients
    from retrostudy.report.masking import suppress_table

    shown, n = suppress_table(tables(QUALITY)[BAD_INPUT_KEY], 5, "<{threshold}")
    assert n == 2 and [r.cells[2].text for r in shown.rows] == ["<5", "<5"]


def test_nothing_to_account_for_an_analysis_table_study():
    q = Quality(analysis_table="seed_like.csv")
    protocol = SimpleNamespace(
        analyses=SimpleNamespace(survival=[SimpleNamespace(endpoint="pfs", text="PFS")])
    )
    defs, quality = to_json(q, protocol, SUPP_OFF)
    assert "columns pfs_days and pfs_event of the analysis table seed_like.csv" in defs["pfs"]
    assert quality == {
        "source": "analysis_table",
        "analysis_table": "seed_like.csv",
        "records": None,
        "load_problems": [],
        "bad_input": [],
    }
    assert tables(q) == {}


def test_breakable_escapes_and_adds_break_opportunities():
    out = str(breakable("flow.excluded.received_neither_x <b>&</b> 0.2512 p<0.05"))
    assert out == (
        "flow.<wbr>excluded.<wbr>received_<wbr>neither_<wbr>x &lt;b&gt;&amp;&lt;/<wbr>b&gt; "
        "0.2512 p&lt;0.05"
    )


def test_table_study_report_has_both_sections(study, report_dir):
    html = (report_dir / "supplement.html").read_text(encoding="utf-8")
    assert "Methods: endpoint definitions" in html
    assert "Data quality and record accounting" in html
    assert "no record-level accounting" in html
    res = study.results
    assert res["data_quality"]["source"] == "analysis_table"
    assert set(res["endpoint_definitions"]) == {
        s.endpoint for s in study.protocol.analyses.survival
    }
