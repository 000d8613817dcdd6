"""docs/extending.md, "Add an analysis": its example runs as written.

The module, the registry entry, the table builder and its BUILDERS line are read from the
markdown (so the page and this test cannot drift), registered for the test only, and run on
eight hand-built patients (not the model study). The expected rates and CI limits are worked
out by hand: with k = 0 events the exact Poisson upper limit is -ln(a/2) patient-months'
worth of events, with k = 1 the lower limit is -ln(1 - a/2) and the upper limit m solves
exp(-m) (1 + m) = a/2 (the chi-square CDF with 4 degrees of freedom).
"""

from __future__ import annotations

import math
import re
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from secondary_data import make_protocol

from retrostudy.analysis import registry, run_analyses
from retrostudy.analysis.registry import Analysis, SectionSpec
from retrostudy.report import tables as report_tables
from retrostudy.report.tables import BUILDERS, analysis_tables

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
DPM = 30.4375


def _block(tag: str) -> str:
    m = re.search(rf"<!-- {tag} -->\n```python\n(.*?)```", DOC, re.S)
    assert m, f"docs/extending.md has no {tag!r} code block"
    return m.group(1)


def _files(tag: str) -> list[str]:
    m = re.search(rf"<!-- {tag} -->\n((?:- .*\n(?:  .*\n)*)+)", DOC)
    assert m, f"docs/extending.md has no {tag!r} file list"
    return re.findall(r"^- `([^`]+)`", m.group(1), re.M)


@pytest.fixture
def registered(monkeypatch):
    """The example's module, registry entry and table builder, registered as the doc says."""
    module = types.ModuleType("retrostudy.analysis.event_rates")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # a dataclass needs its module
    exec(compile(_block("extending-analysis: module"), "event_rates.py", "exec"),
         module.__dict__)
    entry = eval(_block("extending-analysis: registry"),
                 {"Analysis": Analysis, "SectionSpec": SectionSpec, "event_rates": module})
    monkeypatch.setattr(registry, "REGISTRY", (*registry.REGISTRY, entry))
    report = {}
    exec(compile(_block("extending-analysis: report"), "event_rates_table.py", "exec"), report)
    line = eval("{" + _block("extending-analysis: builder") + "}", report)
    for name, build in line.items():
        monkeypatch.setitem(BUILDERS, name, build)
    return module


# months of follow-up and event per patient: group A 1 event in 20 patient-months, B none
DATA = pd.DataFrame({
    "patient_id": [f"p{i}" for i in range(8)],
    "group": ["A"] * 4 + ["B"] * 4,
    "pfs_days": [m * DPM for m in (2, 3, 5, 10, 4, 6, 5, 5)],
    "pfs_event": [1, 0, 0, 0, 0, 0, 0, 0],
})


def test_the_example_analysis_runs_and_writes_results_json(registered):
    a = run_analyses(make_protocol({"survival": [{"endpoint": "pfs"}]}), DATA)
    rates = {r["group"]: r for r in a.to_json()["event_rates"]}
    alpha = 0.05
    assert rates["A"]["events"] == 1 and rates["A"]["patient_months"] == pytest.approx(20)
    assert rates["A"]["per_100_patient_months"] == pytest.approx(5.0)
    assert rates["A"]["conf_low"] == pytest.approx(100 * -math.log(1 - alpha / 2) / 20)
    m = rates["A"]["conf_high"] * 20 / 100
    assert math.exp(-m) * (1 + m) == pytest.approx(alpha / 2, rel=1e-9)
    assert rates["B"]["per_100_patient_months"] == 0 and rates["B"]["conf_low"] == 0
    assert rates["B"]["conf_high"] == pytest.approx(100 * -math.log(alpha / 2) / 20)


def test_the_report_prints_the_numbers_the_analysis_computed(registered):
    a = run_analyses(make_protocol({"survival": [{"endpoint": "pfs"}]}), DATA)
    table = analysis_tables(a)["event_rates"]
    assert [r.label for r in table.rows] == ["pfs: A", "pfs: B"]
    assert table.rows[0].cells[2].text.startswith("5.00 (")
    assert table.rows[1].cells[0].count == 0
    assert "Per 100 patient-months (95% CI)" in table.columns


def test_the_supplement_prints_it_where_the_entry_says(registered):
    """The registry entry's ``section`` places the table in the supplement (report/sections.py
    is not edited): between the endpoints' sections (50) and follow-up (90)."""
    from types import SimpleNamespace

    from retrostudy.report.sections import supplement_sections

    a = run_analyses(make_protocol({"survival": [{"endpoint": "pfs"}],
                                    "followup": {"observation": "pfs",
                                                 "reverse_km_of": "pfs"}}), DATA)
    tables = analysis_tables(a)
    ctx = SimpleNamespace(analyses=a, protocol=make_protocol({}), flow=None, quality=None)
    sections = supplement_sections(ctx, tables, {}, {}, set())
    anchors = [s.anchor for s in sections]
    assert anchors.index("ep-pfs") < anchors.index("event-rates") < anchors.index("followup")
    rates = sections[anchors.index("event-rates")]
    assert rates.title == "Event rates"
    assert [i.table.key for i in rates.items] == ["event_rates"]


def test_without_the_entry_nothing_changes():
    a = run_analyses(make_protocol({"survival": [{"endpoint": "pfs"}]}), DATA)
    assert "event_rates" not in a.to_json() and "event_rates" not in analysis_tables(a)


def test_the_files_a_new_analysis_touches_exist():
    """Each file the steps name exists (a module ``<name>`` read as rmst, an analysis added
    that way; a new test file's folder), and the registry and the report's builders know
    each analysis by one name."""
    listed = _files("extending-analysis: files")
    assert len(listed) == 6
    paths = [ROOT / n.replace("<name>", "rmst") for n in listed if "test_<name>" not in n]
    assert [p for p in paths if not p.exists()] == []
    assert [(ROOT / n).parent.is_dir() for n in listed if "test_<name>" in n] == [True]
    assert {a.name for a in registry.REGISTRY} >= set(report_tables.BUILDERS)
