"""Notebook views of the stats results: to_frame, _repr_html_, KaplanMeier.plot.

Data: a small unsorted sample with ties, censoring and a label needing HTML escaping (not
the T-DM1 example). The frames must hold exactly the result arrays; the HTML must escape
user text; the at-risk row must sit at the requested times with KaplanMeier.at's counts.
"""

import subprocess
import sys

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier, logrank_test

TIME = np.array([9, 3, 3, 12, 5, 7, 7, 2, 15, 4, 8, 11])
EVENT = np.array([1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1])
GROUP = np.array(["<b>A&B</b>", "ctl"] * 6)


def test_importing_stats_loads_neither_pandas_nor_matplotlib():
    code = ("import sys, retrostudy.stats, retrostudy\n"
            "retrostudy.kaplan_meier\n"
            "print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_km_to_frame_holds_the_result_arrays():
    km = kaplan_meier(TIME, EVENT)
    frame = km.to_frame()
    assert list(frame.columns) == ["time", "n_at_risk", "n_events", "n_censored", "survival",
                                   "std_err", "conf_low", "conf_high"]
    for column in frame.columns:
        np.testing.assert_array_equal(frame[column].to_numpy(), getattr(km, column))


def test_km_html_states_the_conventions_and_the_median():
    km = kaplan_meier(TIME, EVENT, conf_type="log-log")
    text = km._repr_html_()
    assert "conf_type=&#x27;log-log&#x27;" in text and "variance=&#x27;greenwood&#x27;" in text
    assert f"median {km.median().estimate:.4g}" in text
    assert text.count("<tr>") == 1 + km.time.size  # header + one row per time


def test_logrank_to_frame_and_escaped_html():
    lr = logrank_test(TIME, EVENT, GROUP)
    frame = lr.to_frame()
    assert list(frame.columns) == ["group", "n", "observed", "expected"]
    np.testing.assert_array_equal(frame["group"].to_numpy(), lr.groups)
    for column in ("n", "observed", "expected"):
        np.testing.assert_array_equal(frame[column].to_numpy(), getattr(lr, column))
    text = lr._repr_html_()
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in text and "<b>A" not in text
    assert f"p = {lr.p_value:.4g}" in text


def test_cox_to_frame_holds_the_coefficients_and_html_escapes_names():
    data = {"time": TIME, "status": EVENT, "<arm>": (GROUP == "ctl").astype(float),
            "age": np.array([61, 50, 72, 45, 66, 58, 70, 49, 55, 63, 68, 52.0])}
    fit = cox_ph(data, time="time", event="status", covariates=["<arm>", "age"])
    frame = fit.to_frame()
    assert list(frame["term"]) == [c.name for c in fit.coefficients] == ["<arm>", "age"]
    for column in ("coef", "hazard_ratio", "std_err", "conf_low", "conf_high", "z",
                   "p_value"):
        assert frame[column].tolist() == [getattr(c, column) for c in fit.coefficients]
    np.testing.assert_array_equal(frame["coef"].to_numpy(), fit.coef)
    text = fit._repr_html_()
    assert "&lt;arm&gt;" in text and "<arm>" not in text
    assert "ties=&#x27;efron&#x27;" in text and f"n = {fit.n}, events = {fit.n_events}" in text


@pytest.fixture
def axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def _rows(ax):
    rows = {}
    for t in ax.texts:
        gid = str(t.get_gid())
        if "-row-" in gid and t.get_text().isdigit():
            rows.setdefault(gid, []).append((t.get_position()[0], int(t.get_text()),
                                             t.get_position()[1]))
    return rows


def test_plot_draws_the_curve_and_the_numbers_at_risk_at_the_given_times(axes):
    km = kaplan_meier(TIME, EVENT)
    times = [0, 4, 8, 12]
    assert km.plot(ax=axes, at_risk=times, label="all") is axes
    (row,) = _rows(axes).values()
    assert [x for x, _, _ in row] == times
    # by hand: times >= 0, 4, 8, 12 among the 12 sorted times 2 3 3 4 5 7 7 8 9 11 12 15
    assert [n for _, n, _ in row] == km.at(times).n_at_risk.tolist() == [12, 9, 5, 2]
    # the step curve starts at S(0) = 1 and ends at the last estimate
    x, y = axes.lines[0].get_data()
    assert (x[0], y[0]) == (0.0, 1.0) and y[-1] == km.survival[-1]


def test_plot_stacks_one_at_risk_row_per_curve_at_the_x_ticks(axes):
    for g in np.unique(GROUP):
        keep = GROUP == g
        kaplan_meier(TIME[keep], EVENT[keep]).plot(ax=axes, label=g)
    rows = _rows(axes)
    assert len(rows) == 2
    (first, second) = (rows[k] for k in sorted(rows))
    assert first[0][2] > second[0][2]  # the second curve's row sits below the first
    ticks = [t for t in axes.get_xticks() if axes.get_xlim()[0] <= t <= axes.get_xlim()[1]]
    assert [x for x, _, _ in first] == ticks
    labels = [t.get_text() for t in axes.texts]
    assert "<b>A&B</b>" in labels and "ctl" in labels and "Number at risk" in labels


def test_a_longer_second_curve_moves_both_rows_to_the_new_ticks(axes):
    short = kaplan_meier([10, 20, 30, 40], [1, 0, 1, 1])
    long = kaplan_meier([100, 300, 500, 900, 950], [1, 1, 0, 1, 0])
    short.plot(ax=axes, label="short")
    long.plot(ax=axes, label="long")
    lo, hi = axes.get_xlim()
    ticks = [t for t in axes.get_xticks() if max(lo, 0) <= t <= hi]
    first, second = (_rows(axes)[k] for k in sorted(_rows(axes)))
    assert [x for x, _, _ in first] == [x for x, _, _ in second] == ticks
    assert [n for _, n, _ in first] == short.at(ticks).n_at_risk.tolist()
    assert [n for _, n, _ in second] == long.at(ticks).n_at_risk.tolist()
    assert sum(t.get_text() == "Number at risk" for t in axes.texts) == 1
