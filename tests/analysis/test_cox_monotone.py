"""A group with no events has a monotone Cox likelihood: the report says so, never a huge HR."""

import math

from retrostudy.analysis import run_analyses


def test_group_without_events_gives_not_estimable_hr_and_a_warning(protocol, dataset):
    data = dataset.copy()
    data.loc[data.group == "Tmab/Pmab", "pfs_event"] = 0  # no event in one group
    # filterwarnings=error: a RuntimeWarning escaping from the stats layer would fail here
    result = run_analyses(protocol, data)
    ep = result.endpoints[0]
    hr = ep.group_hr("unadjusted")
    assert all(math.isnan(getattr(hr, k))
               for k in ("hazard_ratio", "conf_low", "conf_high", "p_value"))
    unadjusted = next(m for m in ep.cox if m.name == "unadjusted")
    assert unadjusted.monotone and unadjusted.to_json()["monotone"] is True
    assert any("unadjusted Cox model has a monotone likelihood" in w for w in ep.warnings)


def test_ordinary_data_is_not_flagged(analyses):
    ep = analyses.endpoints[0]
    assert not any(m.monotone for m in ep.cox)
    assert not any("monotone" in w for w in ep.warnings)
