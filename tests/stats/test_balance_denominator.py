"""The SMD denominator of balance_table: pooled or treated SD, named in the result.

Reference: ``balance`` in ``tests/reference/edge_cases.json`` (``Rscript
tests/reference/edge_cases.R``): 140 simulated patients, a continuous, a 0/1 and a count
covariate; 1:1 nearest-neighbour matching by MatchIt (ATT) and ATE inverse-probability
weights. The R script computes the SMDs by hand with the SD of the treated group and the
pooled SD, both from the unmatched sample (cobalt's ``s.d.denom = "treated"``, its default
for a matchit ATT object, and ``"pooled"``; ``binary = "std"``); MatchIt's own
``summary(m)`` SMDs (treated SD for the ATT) are a second, independent check.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import balance_table

with (Path(__file__).parents[1] / "reference" / "edge_cases.json").open() as fh:
    REF = json.load(fh)["balance"]
X = np.column_stack([np.asarray(REF["data"][k], float) for k in REF["names"]])
T = np.asarray(REF["data"]["treat"]) == 1
W_MATCH = np.asarray(REF["matching_weights"], float)
W_ATE = np.asarray(REF["ate_weights"], float)


def _table(weights, **kw):
    return balance_table(X, T, names=REF["names"], weights=weights, **kw)


def test_matched_sample_with_the_treated_sd_is_cobalts_and_matchits():
    bal = _table(W_MATCH, sd_denom="treated")
    assert bal.sd_denom == "treated"
    assert bal.binary.tolist() == REF["binary"]
    np.testing.assert_allclose(bal.sd_denominator, REF["sd_treated"], rtol=1e-13)
    np.testing.assert_allclose(bal.smd_before, REF["smd_before_treated"], rtol=1e-12)
    np.testing.assert_allclose(bal.smd_after, REF["smd_matched_treated"], rtol=1e-12)
    np.testing.assert_allclose(bal.smd_before, REF["matchit_smd_all"], rtol=1e-10)
    np.testing.assert_allclose(bal.smd_after, REF["matchit_smd_matched"], rtol=1e-10)


def test_att_estimand_defaults_to_the_treated_sd():
    bal = _table(W_MATCH, estimand="ATT")
    assert bal.sd_denom == "treated"
    np.testing.assert_allclose(bal.smd_after, REF["smd_matched_treated"], rtol=1e-12)


def test_pooled_sd_is_the_ate_default():
    bal = _table(W_MATCH)
    assert bal.sd_denom == "pooled" and bal.estimand == "ATE"
    np.testing.assert_allclose(bal.sd_denominator, REF["sd_pooled"], rtol=1e-13)
    np.testing.assert_allclose(bal.smd_after, REF["smd_matched_pooled"], rtol=1e-12)
    np.testing.assert_allclose(bal.smd_before, REF["smd_before_pooled"], rtol=1e-12)
    ate = _table(W_ATE, sd_denom="pooled")
    np.testing.assert_allclose(ate.smd_after, REF["smd_ate_pooled"], rtol=1e-12)


def test_the_denominators_differ_on_this_sample():
    """Not a vacuous choice: the treated SD of x1 differs from the pooled one by > 1%."""
    treated, pooled = (_table(W_MATCH, sd_denom=d) for d in ("treated", "pooled"))
    assert abs(treated.smd_after[0] / pooled.smd_after[0] - 1) > 0.01


def test_independent_numpy_denominators():
    x1, x0 = X[T], X[~T]
    p1, p0 = x1[:, 1].mean(), x0[:, 1].mean()
    s1 = np.array([x1[:, 0].std(ddof=1), np.sqrt(p1 * (1 - p1)), x1[:, 2].std(ddof=1)])
    s0 = np.array([x0[:, 0].std(ddof=1), np.sqrt(p0 * (1 - p0)), x0[:, 2].std(ddof=1)])
    np.testing.assert_allclose(_table(None, sd_denom="treated").sd_denominator, s1, rtol=1e-13)
    np.testing.assert_allclose(_table(None, sd_denom="pooled").sd_denominator,
                               np.sqrt((s1**2 + s0**2) / 2), rtol=1e-13)


def test_unknown_denominator_is_refused():
    with pytest.raises(ValueError,
                       match=r"sd_denom must be one of \('pooled', 'treated', 'control'\)"):
        _table(None, sd_denom="untreated")
