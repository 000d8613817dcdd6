"""Survival analyses: each number equals a direct call of retrostudy.stats on the same data."""

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier, logrank_test

PER = 30.4375


def _group(dataset, g):
    d = dataset[dataset.group == g]
    return d.pfs_days.to_numpy(), d.pfs_event.to_numpy()


def test_medians_and_landmarks_equal_direct_kaplan_meier(analyses, dataset):
    ep = analyses.endpoints[0]
    for g in ep.groups:
        t, e = _group(dataset, g.group)
        fit = kaplan_meier(t, e, conf_type="log")
        q = fit.median()
        assert g.median == pytest.approx(
            (q.estimate / PER, q.conf_low / PER, q.conf_high / PER), nan_ok=True
        )
        at = fit.at(np.array([6 * PER, 12 * PER]))
        assert g.landmarks[6.0] == pytest.approx((at.survival[0], at.conf_low[0], at.conf_high[0]))
        assert (g.n, g.n_events) == (len(t), int(e.sum()))


def test_logrank_equals_direct_call(analyses, dataset):
    lr = logrank_test(dataset.pfs_days, dataset.pfs_event, dataset.group)
    assert analyses.endpoints[0].logrank.p_value == pytest.approx(lr.p_value, rel=1e-12)


def test_unadjusted_hr_uses_the_protocol_reference(analyses, dataset):
    hr = analyses.endpoints[0].group_hr("unadjusted")
    assert hr.level == "Tmab/Pmab"  # Tmab is the reference, as in the seed
    data = {
        "time": dataset.pfs_days.to_numpy(),
        "event": dataset.pfs_event.to_numpy(),
        "group": dataset.group.to_numpy(object),
    }
    fit = cox_ph(
        data,
        time="time",
        event="event",
        covariates=["group"],
        levels={"group": ["Tmab", "Tmab/Pmab"]},
    )
    assert hr.hazard_ratio == pytest.approx(fit.coefficients[0].hazard_ratio, rel=1e-10)
    assert hr.hazard_ratio > 1


def test_epv_below_10_is_a_warning_not_an_exception(analyses, tables):
    adjusted = analyses.endpoints[0].model("adjusted")
    assert adjusted.n_events / len(adjusted.coefficients) < 10
    assert any("events per term" in w for w in analyses.warnings)
    assert any("events per term" in f for f in tables["cox_pfs"].footnotes)


def test_followup_observed_time_is_median_and_range(analyses, dataset):
    fu = {f.group: f for f in analyses.followup.groups}
    t, _ = _group(dataset, "Tmab")
    assert (fu["Tmab"].median, fu["Tmab"].low, fu["Tmab"].high) == pytest.approx(
        (np.median(t) / PER, t.min() / PER, t.max() / PER)
    )


def test_conventions_follow_the_profile(protocol, dataset):
    from retrostudy.analysis import run_analyses

    sas = protocol.model_copy(
        update={"analyses": protocol.analyses.model_copy(update={"profile": "sas"})}
    )
    conv = run_analyses(sas, dataset).conventions
    assert (conv.conf_type, conv.ties) == ("log-log", "breslow")
