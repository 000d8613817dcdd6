"""Numbers at risk against R's counts (survival::lung and survival::veteran).

tests/reference/numbers_at_risk.R writes numbers_at_risk.json with R's
``summary(survfit(...), times = t, extend = TRUE)$n.risk``; CI reads the JSON, R is not needed.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.analysis._stats import Conventions
from retrostudy.analysis.survival import numbers_at_risk
from retrostudy.stats import kaplan_meier

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "reference" / "numbers_at_risk.json").read_text()
)
CASES = {c["name"]: c for c in REFERENCE["cases"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_counts_equal_r(name):
    case = CASES[name]
    time, group = np.asarray(case["time"], float), np.asarray(case["group"])
    for level, expected in case["n_at_risk"].items():
        assert numbers_at_risk(time[group == level], case["times"]) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_counts_equal_the_stats_layer(name):
    case = CASES[name]
    time, status, group = (np.asarray(case[k]) for k in ("time", "status", "group"))
    for level, expected in case["n_at_risk"].items():
        fit = kaplan_meier(time[group == level], status[group == level])
        assert (
            np.asarray(fit.at(np.asarray(case["times"], float)).n_at_risk).astype(int).tolist()
            == expected
        )


def test_figure_prints_r_counts_under_the_ticks():
    """The analysis counts the patients at risk at [report.km]'s breaks (here every 100 days
    up to 1100); the KM figure only draws them: each count sits at its tick's x position,
    and equals R's."""
    import pandas as pd

    from retrostudy.analysis.endpoint import analyse_endpoint
    from retrostudy.protocol.analyses import SurvivalAnalysis
    from retrostudy.protocol.report import KMFigure
    from retrostudy.report.figures.km import draw_km

    case = CASES["lung_by_sex_every_100_days"]
    time, status, group = (np.asarray(case[k]) for k in ("time", "status", "group"))
    conv = Conventions(
        profile="r", conf_type="log", ties="efron", conf_level=0.95, days_per_month=100.0
    )
    data = pd.DataFrame({"os_days": time.astype(float), "os_event": status.astype(int),
                         "group": group.astype(str)})
    res = analyse_endpoint(data, ["1", "2"], SurvivalAnalysis(endpoint="os", label="OS"), "1",
                           conv, 10.0, risk_step=1.0, risk_max_months=11.0)
    assert res.at_risk.months == tuple(float(t) / 100 for t in case["times"])
    assert {g: list(c) for g, c in res.at_risk.counts.items()} == case["n_at_risk"]
    # the figure's own options no longer decide the counts: it draws the result's
    fig = draw_km(res, {}, KMFigure(break_months=3.0, max_months=5.0))
    risk = fig.figure.axes[1]
    got = {}
    for text in risk.texts:
        x, y = text.get_position()
        if text.get_transform() == risk.transData:  # counts; group names sit in axes coordinates
            got.setdefault(round(y), []).append((round(x, 6), int(text.get_text())))
    for row, level in enumerate(("1", "2")):
        xs, counts = zip(*sorted(got[row]), strict=True)
        assert list(xs) == [float(t) / 100 for t in case["times"]]
        assert list(counts) == case["n_at_risk"][level]
    assert list(fig.figure.axes[0].get_xticks()) == list(xs)
