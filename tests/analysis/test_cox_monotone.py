"""A group with no events has a monotone Cox likelihood: the report says so, never a huge HR;
the endpoint's models then report Firth's penalised estimate
(tests/analysis/test_model_checks.py)."""

import math

from retrostudy.analysis import run_analyses


def test_group_without_events_gives_firth_hr_and_a_warning(protocol, dataset):
    data = dataset.copy()
    data.loc[data.group == "Tmab/Pmab", "pfs_event"] = 0  # no event in one group
    # filterwarnings=error: a RuntimeWarning escaping from the stats layer would fail here
    result = run_analyses(protocol, data)
    ep = result.endpoints[0]
    hr = ep.group_hr("unadjusted")
    assert all(math.isfinite(getattr(hr, k))
               for k in ("hazard_ratio", "conf_low", "conf_high", "p_value"))
    unadjusted = next(m for m in ep.cox if m.name == "unadjusted")
    assert unadjusted.monotone and unadjusted.to_json()["monotone"] is True
    assert unadjusted.method == "firth"
    assert any("unadjusted Cox model has a monotone likelihood" in w for w in ep.warnings)


def test_other_analyses_keep_ne_under_a_monotone_likelihood():
    """fit_model without firth_if_monotone (landmark, complete-case models) keeps NE."""
    import numpy as np
    import pandas as pd

    from retrostudy.analysis._stats import Conventions
    from retrostudy.analysis.cox import fit_model

    d = pd.DataFrame({"group": ["A"] * 6 + ["B"] * 6, "t_days": np.arange(1, 13),
                      "t_event": [1, 0, 1, 1, 0, 1] + [0] * 6})

    class Spec:
        endpoint = "t"
        reference: dict = {}

    conv = Conventions(profile="r", conf_type="log", ties="efron", conf_level=0.95,
                       days_per_month=30.4375)
    m = fit_model(d, "unadjusted", ["group"], Spec, "A", conv)
    assert m.monotone and m.method == "standard" and math.isnan(m.coefficients[0].hazard_ratio)


def test_ordinary_data_is_not_flagged(analyses):
    ep = analyses.endpoints[0]
    assert not any(m.monotone for m in ep.cox)
    assert not any("monotone" in w for w in ep.warnings)
