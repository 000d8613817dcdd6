"""Numbers at risk against R's counts (survival::lung and survival::veteran).

tests/reference/numbers_at_risk.R writes numbers_at_risk.json with R's
``summary(survfit(...), times = t, extend = TRUE)$n.risk``; CI reads the JSON, R is not needed.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.analysis._stats import Conventions
from retrostudy.analysis.survival import group_survival, numbers_at_risk
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
    """The KM figure's risk table: each count sits at its tick's x position, and equals R's."""
    from types import SimpleNamespace

    from retrostudy.protocol.report import KMFigure
    from retrostudy.report.figures.km import draw_km

    case = CASES["lung_by_sex_every_100_days"]
    time, status, group = (np.asarray(case[k]) for k in ("time", "status", "group"))
    conv = Conventions(
        profile="r", conf_type="log", ties="efron", conf_level=0.95, days_per_month=100.0
    )
    groups = tuple(
        group_survival(g, time[group == g], status[group == g], conv, []) for g in ("1", "2")
    )
    res = SimpleNamespace(
        groups=groups,
        label="OS",
        endpoint="os",
        reference="1",
        logrank=SimpleNamespace(p_value=0.001),
        test="logrank",
        group_hr=lambda name: None,
    )
    fig = draw_km(res, {}, KMFigure(break_months=1.0, max_months=11.0))
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
