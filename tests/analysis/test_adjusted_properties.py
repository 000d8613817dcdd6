"""Properties of the adjusted comparison that must hold whatever the data (hypothesis).

- Rescaling a continuous covariate (``scale``) rescales its coefficient only: the scores,
  the IPT weights and their hazard ratios are unchanged (logistic regression is
  equivariant under linear maps of a column). Matched sets are not compared: patients with
  the same covariates have the same score, and which of two equally near controls is taken
  then turns on the last bit of the logit.
- The order of the patients in the dataset does not matter for IPTW (matching is excluded:
  MatchIt breaks exact distance ties by data order, and so do we).
"""

import numpy as np
import pytest
from adjusted_helpers import dataset, protocol_with
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.analysis._stats import conventions
from retrostudy.analysis.adjusted import run_adjusted


def _adjusted(protocol, data):
    block = protocol.analyses
    return run_adjusted(
        block.adjusted,
        data,
        ["Tmab/Pmab", "Tmab"],
        "Tmab",
        conventions(block),
        block.survival,
        {},
        {},
    )


BASE = ["age", "prior_regimens", {"name": "hr_status", "reference": "negative"}]


@settings(max_examples=5, deadline=None)
@given(scale=st.floats(min_value=0.01, max_value=1000))
def test_scale_changes_nothing_but_the_coefficient(scale):
    d = dataset()
    a = _adjusted(protocol_with(covariates=BASE, missing="error", methods=["iptw"]), d)
    scaled = [{"name": "age", "scale": scale}, *BASE[1:]]
    b = _adjusted(protocol_with(covariates=scaled, missing="error", methods=["iptw"]), d)
    np.testing.assert_allclose(b.ps, a.ps, rtol=1e-7)
    np.testing.assert_allclose(b.weights["iptw"], a.weights["iptw"], rtol=1e-7)
    assert b.ps_model[1].coef == pytest.approx(a.ps_model[1].coef * scale, rel=1e-6)
    for ca, cb in zip(a.comparisons, b.comparisons, strict=True):
        assert cb.hazard_ratio.hazard_ratio == pytest.approx(
            ca.hazard_ratio.hazard_ratio, rel=1e-6, nan_ok=True
        )


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_patient_order_does_not_matter_for_iptw(seed):
    d = dataset()
    perm = np.random.default_rng(seed).permutation(len(d))
    protocol = protocol_with(covariates=BASE, missing="error", methods=["iptw"])
    a = _adjusted(protocol, d)
    b = _adjusted(protocol, d.iloc[perm].reset_index(drop=True))
    np.testing.assert_allclose(b.ps, a.ps[perm], rtol=1e-9)
    np.testing.assert_allclose(b.weights["iptw"], a.weights["iptw"][perm], rtol=1e-9)
    ca, cb = a.comparison("pfs", "iptw"), b.comparison("pfs", "iptw")
    for key in ("hazard_ratio", "conf_low", "conf_high", "p_value"):
        assert getattr(cb.hazard_ratio, key) == pytest.approx(getattr(ca.hazard_ratio, key),
                                                            rel=1e-9)
    assert cb.test.p_value == pytest.approx(ca.test.p_value, rel=1e-9)
    for ga, gb in zip(ca.groups, cb.groups, strict=True):
        assert gb.median == pytest.approx(ga.median, rel=1e-12, nan_ok=True)
