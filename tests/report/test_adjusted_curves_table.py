"""The adjusted comparison's RMST / cumulative-incidence table and the trimmed counts of the
balance table, on the simulated cohort of tests/reference/adjusted_curves.csv (not the T-DM1
example): every printed number and every CI method comes from the result object."""

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "analysis"))
from secondary_data import make_protocol  # noqa: E402

from retrostudy.analysis import run_analyses  # noqa: E402
from retrostudy.report import fmt  # noqa: E402
from retrostudy.report.pvalues import TEST_NAMES  # noqa: E402
from retrostudy.report.tables import analysis_tables  # noqa: E402

CSV = Path(__file__).parents[1] / "reference" / "adjusted_curves.csv"


def _run(competing=True, **adjusted):
    analyses = {
        "survival": [{"endpoint": "pfs", "landmarks": [6, 12]}],
        "adjusted": {"covariates": ["age", "visceral", "ecog"],
                     "methods": ["iptw", "matching"], **adjusted},
    }
    if competing:
        analyses["competing"] = {"endpoint": "pfs", "deaths_from": "pfs_standard",
                                 "landmarks": [6, 12]}
    d = pd.read_csv(CSV)
    d["visceral"] = d["visceral"].astype(bool)
    return run_analyses(make_protocol(analyses), d)


@pytest.fixture(scope="module")
def run():
    return _run(trim=[0.1, 0.8])


def test_rmst_and_cif_cells_are_the_result_objects(run):
    table = analysis_tables(run)["adjusted_curves_pfs"]
    res = run.adjusted
    assert "cumulative incidence" in table.title
    assert table.columns[3] == "Progression at 6 months, % (95% CI)"
    heads = [r for r in table.rows if r.heading]
    assert [r.label for r in heads] == ["Crude", "IPTW", "Matched"]
    for row, method in zip(heads, ("crude", "iptw", "matching"), strict=True):
        rm = res.comparison("pfs", method).rmst
        assert row.cells[1].text == fmt.estimate_ci(rm.difference, rm.conf_low, rm.conf_high, 2)
        assert row.cells[2].text.startswith(fmt.p_value(rm.p_value, 4))
    # one test mark per variance, each named in a footnote beside its CI statement
    notes = " ".join(table.footnotes)
    for key in ("rmst_wald", "rmst_wald_robust", "rmst_wald_cluster"):
        assert TEST_NAMES[key] in notes
    assert "IPTW, the robust infinitesimal-jackknife variance" in notes
    assert "Matched, the robust infinitesimal-jackknife variance summed within matched" in notes
    cif = res.comparison("pfs", "iptw").cumulative_incidence.groups["A"].landmarks[0]
    iptw_a = table.rows[[r.label for r in table.rows].index("IPTW") + 1]
    assert iptw_a.label == "A"
    assert iptw_a.cells[3].text == fmt.estimate_ci(100 * cif.incidence,
                                                   100 * cif.conf_low,
                                                   100 * cif.conf_high, 1)


def test_balance_table_counts_the_trimmed_per_group(run):
    table = analysis_tables(run)["balance"]
    labels = [r.label for r in table.rows]
    i = labels.index("Trimmed (weight 0)")
    iptw_col = 1 + list(run.adjusted.methods).index("iptw")
    for row, g in zip(table.rows[i + 1:i + 3], ("A", "B"), strict=True):
        k = run.adjusted.samples.by_method["iptw"][g].trimmed
        assert row.label == g and row.cells[iptw_col].text == str(k) and k > 0
        assert row.cells[iptw_col].count == k  # a patient count: small-cell suppression
    assert any("outside [0.1, 0.8], given weight 0" in n for n in table.footnotes)


def test_without_trim_or_competing_risks():
    run = _run(competing=False)
    tables = analysis_tables(run)
    assert "Trimmed (weight 0)" not in [r.label for r in tables["balance"].rows]
    assert "trimmed" not in run.to_json()["adjusted"]["samples"]["iptw"]["A"]
    table = tables["adjusted_curves_pfs"]
    assert "cumulative incidence" not in table.title and len(table.columns) == 3
    assert run.adjusted.comparison("pfs", "iptw").cumulative_incidence is None
