"""Numbers the report prints but does not compute: numbers at risk under the KM and CIF
figures (at [report.km]'s breaks), the overall follow-up of the published comparison and the
patients per group are counted in analysis, and equal a direct count on the same data."""

from types import SimpleNamespace

import numpy as np
import pytest
from secondary_data import make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.analysis.survival import risk_breaks

PER = 30.4375  # days per month of the default conventions


@pytest.fixture(scope="module")
def data():
    d = make_data(seed=11, n=90)
    d.loc[d.index % 9 == 0, "group"] = None  # patients outside every group
    return d


@pytest.fixture(scope="module")
def result(data):
    protocol = make_protocol(
        {"survival": [{"endpoint": "pfs"}, {"endpoint": "os"}],
         "competing": {"endpoint": "pfs"},
         "followup": {"observation": "os", "reverse_km_of": "os"}},
        km={"break_months": 2.5, "max_months": 11.0},
    )
    return run_analyses(protocol, data)


def _at_risk(days, t_days) -> int:
    return int((np.asarray(days, float) >= t_days).sum())


def test_km_numbers_at_risk_at_the_report_breaks(result, data):
    for res in result.endpoints:
        months = [0.0, 2.5, 5.0, 7.5, 10.0]  # every 2.5 months up to max_months = 11
        assert res.at_risk.months == tuple(months)
        assert res.at_risk.max_months == 11.0
        for g in ("A", "B"):
            d = data[data["group"] == g].dropna(subset=[f"{res.endpoint}_days"])
            days = d[f"{res.endpoint}_days"]
            assert list(res.at_risk.counts[g]) == [_at_risk(days, m * PER) for m in months]


def test_cif_numbers_at_risk_up_to_the_longest_curve(result, data):
    comp = result.secondary.competing
    longest = max(float(c.time.max()) for c in comp.curves.values())
    assert comp.at_risk.max_months == longest  # the CIF figure ignores max_months
    assert comp.at_risk.months == tuple(risk_breaks(longest, 2.5).tolist())
    for g in comp.curves:
        days = data.loc[data["group"] == g, "pfs_days"].dropna()
        assert list(comp.at_risk.counts[g]) == [_at_risk(days, m * PER)
                                                for m in comp.at_risk.months]


def test_overall_followup_is_every_patient_and_feeds_the_published_comparison(result, data):
    from retrostudy.report.published import flat_results

    months = data["os_days"].dropna().to_numpy(float) / PER
    o = result.followup.overall
    assert (o.n, o.median, o.low, o.high) == pytest.approx(
        (months.size, np.median(months), months.min(), months.max()))
    assert o.n > sum(g.n for g in result.followup.groups)  # the group-less patients too
    flat = flat_results(result, None)  # no dataset: the report reads the analysis' numbers
    assert flat["followup.median.overall"] == o.median
    assert (flat["followup.min.overall"], flat["followup.max.overall"]) == (o.low, o.high)
    assert "overall" not in result.to_json()["followup"]["groups"]  # results.json unchanged


def test_group_sizes_without_a_flow_are_the_analysis_counts(result, data):
    from retrostudy.report.disclosure import group_sizes

    sizes = group_sizes(SimpleNamespace(analyses=result, flow=None))  # no dataset either
    for g in ("A", "B"):
        assert sizes[f"n:{g}"][1] == int((data["group"] == g).sum()) == result.n[g]
    assert sizes["n:all:Total"][1] == int(data["group"].notna().sum())


def test_patients_outside_every_group_are_not_a_logrank_group(result, data):
    """The log-rank test compares the study's groups only: the patients without a group
    (here every ninth) are neither a third group nor counted among the expected events."""
    from retrostudy.stats import logrank_test

    for res in result.endpoints:
        assert [str(g) for g in np.atleast_1d(res.logrank.groups)] == ["A", "B"]
        d = data[data["group"].isin(["A", "B"])].dropna(subset=[f"{res.endpoint}_days"])
        want = logrank_test(d[f"{res.endpoint}_days"].to_numpy(float),
                            d[f"{res.endpoint}_event"].to_numpy(int),
                            d["group"].to_numpy(object))
        assert res.logrank.statistic == want.statistic
