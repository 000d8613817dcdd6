"""Bad input to kaplan_meier, logrank_test and get_profile: a ValueError naming the
argument and the problem (tier 5), each message asserted."""

import re

import numpy as np
import pytest

from retrostudy.stats import get_profile, kaplan_meier, logrank_test

T = [1, 2, 3, 4]
E = [1, 0, 1, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": [1, -2, 3, 4]}, "time must be >= 0; position 1 is -2.0"),
        (
            {"time": [1, np.nan, 3, 4]},
            "time has 1 missing or infinite value(s) (first at position 1: nan)",
        ),
        (
            {"time": [1, 2, np.inf, 4]},
            "time has 1 missing or infinite value(s) (first at position 2: inf)",
        ),
        ({"time": [], "event": []}, "time is empty; at least one observation is needed"),
        ({"event": [1, 2, 0, 1]}, "event must be 0 (censored) or 1 (event); position 1 is 2.0"),
        ({"event": [1, 0, 1]}, "event has 3 values but time has 4; lengths must match"),
        ({"weights": [1, 0, 1, 1]}, "weights must be finite and > 0; position 1 is 0.0"),
        ({"weights": [1, 1, -1, 1]}, "weights must be finite and > 0; position 2 is -1.0"),
        ({"weights": [1, 1]}, "weights has 2 values but time has 4; lengths must match"),
        (
            {"conf_type": "logit"},
            "conf_type must be one of 'log', 'log-log', 'plain', 'none'; got 'logit'",
        ),
        ({"conf_level": 95}, "conf_level must be between 0 and 1, got 95"),
        ({"conf_level": 0}, "conf_level must be between 0 and 1, got 0"),
        ({"time": [[1, 2], [3, 4]]}, "time must be one-dimensional, got shape (2, 2)"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_kaplan_meier_rejects(kwargs, message):
    args = {"time": T, "event": E} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        kaplan_meier(args.pop("time"), args.pop("event"), **args)


@pytest.mark.parametrize("p", [0, 1, -0.1, 1.5])
def test_quantile_p_outside_unit_interval(p):
    km = kaplan_meier(T, E)
    message = f"p must be strictly between 0 and 1, got {float(p)}"
    with pytest.raises(ValueError, match=re.escape(message)):
        km.quantile(p)


def test_at_and_rmst_reject_bad_times():
    km = kaplan_meier(T, E)
    with pytest.raises(ValueError, match="times must be finite and >= 0"):
        km.at([1, -1])
    with pytest.raises(ValueError, match=re.escape("tau must be finite and > 0, got 0.0")):
        km.rmst(0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"group": [1, 1, 1, 1]},
            "group has a single level (1); the log-rank test needs at least two groups",
        ),
        ({"group": [1, 2, 1]}, "group must be one-dimensional with 4 values, got shape (3,)"),
        ({"group": [1.0, np.nan, 2.0, 1.0]}, "group has missing values at positions [1]"),
        ({"strata": ["a", None, "b", "a"]}, "strata has missing (None) values"),
        ({"rho": -1}, "rho must be finite and >= 0, got -1.0"),
        ({"time": [1, 2, -3, 4]}, "time must be >= 0; position 2 is -3.0"),
        ({"event": [1, 0, 1, 0.5]}, "event must be 0 (censored) or 1 (event); position 3 is 0.5"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_logrank_rejects(kwargs, message):
    args = {"time": T, "event": E, "group": [1, 2, 1, 2]} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        logrank_test(args.pop("time"), args.pop("event"), args.pop("group"), **args)


def test_logrank_singular_variance_is_not_estimable():
    """R's survdiff stops ("system is exactly singular"); we say why, p NaN, no exception."""
    res = logrank_test([0, 0], [1, 1], ["a", "b"])
    assert "the log-rank variance matrix is singular" in res.not_estimable
    assert (res.statistic, res.df) == (0.0, 0) and np.isnan(res.p_value)


def test_logrank_without_events_is_not_estimable():
    """R's survdiff: chisq 0 on -1 df, p NA (tests/reference/degenerate.json)."""
    res = logrank_test(T, [0, 0, 0, 0], [1, 2, 1, 2])
    assert res.not_estimable.startswith("no events in any group")
    assert (res.statistic, res.df) == (0.0, 0) and np.isnan(res.p_value)


def test_unknown_profile_lists_known_ones():
    with pytest.raises(
        ValueError,
        match=re.escape("unknown profile 'stata'; known profiles: 'r', 'sas', 'ezr'"),
    ):
        get_profile("stata")


def test_profiles():
    r, sas, ezr = (get_profile(n) for n in ("r", "SAS", "ezr"))
    assert (r.conf_type, r.ties, r.chisq_correct) == ("log", "efron", False)
    assert (sas.conf_type, sas.ties, sas.chisq_correct) == ("log-log", "breslow", False)
    assert (ezr.conf_type, ezr.ties, ezr.chisq_correct) == ("log-log", "breslow", True)
    km = kaplan_meier(T, E, conf_type=ezr.conf_type)
    assert km.conf_type == "log-log"
