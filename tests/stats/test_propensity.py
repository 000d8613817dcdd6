"""Propensity scores: hand-derived cases, an independent naive matcher, properties, errors.

The R parity tests are in ``test_propensity_reference.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats import (
    balance_table,
    kaplan_meier,
    logistic_regression,
    match_nearest,
    propensity_score,
    ps_weights,
)


def two_by_two(a, b, c, d):
    """x = 1: a with y = 1, b with y = 0; x = 0: c with y = 1, d with y = 0."""
    x = np.array([1] * (a + b) + [0] * (c + d), float)
    y = np.array([1] * a + [0] * b + [1] * c + [0] * d, float)
    return x, y


# ---- logistic regression: closed forms ------------------------------------------------------

def test_ml_on_a_two_by_two_table_is_the_log_odds_ratio():
    """R's stopping rule (relative deviance change < 1e-8) leaves the estimates ~1e-7 from
    the exact maximum; we follow R's iterates, so compare the closed form at 1e-5."""
    x, y = two_by_two(12, 5, 7, 16)
    fit = logistic_regression(x, y, names=["x"])
    assert fit.names == ("(Intercept)", "x")
    assert fit.coef[0] == pytest.approx(math.log(7 / 16), rel=1e-5)
    assert fit.coef[1] == pytest.approx(math.log(12 * 16 / (5 * 7)), rel=1e-5)
    assert fit.std_err[1] == pytest.approx(math.sqrt(1 / 12 + 1 / 5 + 1 / 7 + 1 / 16), rel=1e-5)
    assert fit.std_err[0] == pytest.approx(math.sqrt(1 / 7 + 1 / 16), rel=1e-5)
    # log-likelihood of the saturated cell proportions
    ll = 12 * math.log(12 / 17) + 5 * math.log(5 / 17) + 7 * math.log(7 / 23) + 16 * math.log(
        16 / 23)
    assert fit.loglik == pytest.approx(ll, rel=1e-10)  # flat at the maximum
    assert fit.deviance == pytest.approx(-2 * ll, rel=1e-10)
    assert not fit.separation and fit.method == "ml"


@pytest.mark.parametrize("cells", [(12, 5, 7, 16), (9, 0, 4, 11), (0, 6, 5, 5)])
def test_firth_on_a_two_by_two_table_adds_one_half_to_each_cell(cells):
    """With one binary covariate Firth's estimate is the ML estimate of the table with 1/2
    added to every cell (Firth 1993; Heinze & Schemper 2002), finite with an empty cell."""
    a, b, c, d = cells
    x, y = two_by_two(a, b, c, d)
    fit = logistic_regression(x, y, names=["x"], firth=True)
    assert fit.method == "firth" and fit.converged
    assert fit.coef[0] == pytest.approx(math.log((c + 0.5) / (d + 0.5)), rel=1e-9)
    assert fit.coef[1] == pytest.approx(
        math.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))), rel=1e-9)
    assert fit.separation == (0 in cells)


def test_an_empty_cell_switches_to_firth_with_a_warning():
    x, y = two_by_two(9, 0, 4, 11)  # every x = 1 unit has y = 1: quasi-complete separation
    fit = logistic_regression(x, y, names=["stage4"])
    assert fit.separation and fit.method == "firth"
    assert any("separating terms: stage4" in w for w in fit.warnings)
    assert any("Firth" in w for w in fit.warnings)
    ml = logistic_regression(x, y, names=["stage4"], firth=False)
    assert ml.method == "ml" and ml.separation and ml.coef[1] > 15  # diverging, flagged


def test_integer_weights_equal_replicated_rows():
    """Same maximum; R's start differs ((w y + 1/2)/(w + 1)) and R stops on a relative
    deviance change < 1e-8, so the two stopped iterates agree to ~1e-5, the likelihood to
    rounding."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 2))
    y = (rng.random(30) < 1 / (1 + np.exp(-x[:, 0]))).astype(float)
    w = rng.integers(1, 4, 30)
    fit_w = logistic_regression(x, y, weights=w)
    fit_r = logistic_regression(np.repeat(x, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(fit_w.coef, fit_r.coef, rtol=1e-4)
    np.testing.assert_allclose(fit_w.std_err, fit_r.std_err, rtol=1e-4)
    assert fit_w.loglik == pytest.approx(fit_r.loglik, rel=1e-10)


def test_firth_integer_weights_equal_replicated_rows():
    """Firth with case weights uses W = diag(w p (1 - p)) in the penalty, as ``logistf``, so
    integer weights are frequency weights (converged to a score < 1e-10: tight)."""
    x, y = two_by_two(9, 0, 4, 11)
    z = np.linspace(-1, 1, x.size)
    xx = np.column_stack([x, z])
    w = np.arange(x.size) % 3 + 1
    fit_w = logistic_regression(xx, y, weights=w, firth=True)
    fit_r = logistic_regression(np.repeat(xx, w, axis=0), np.repeat(y, w), firth=True)
    np.testing.assert_allclose(fit_w.coef, fit_r.coef, rtol=1e-9)
    np.testing.assert_allclose(fit_w.std_err, fit_r.std_err, rtol=1e-9)
    assert fit_w.loglik_penalised == pytest.approx(fit_r.loglik_penalised, rel=1e-12)


# ---- weights: by hand -----------------------------------------------------------------------

PS = np.array([0.2, 0.5, 0.8, 0.25, 0.5, 0.6])
T = np.array([1, 1, 1, 0, 0, 0])


def test_ate_weights_by_hand():
    w = ps_weights(PS, T, estimand="ATE", stabilized=False)
    np.testing.assert_allclose(w.weights, [5, 2, 1.25, 4 / 3, 2, 2.5])
    s = ps_weights(PS, T, estimand="ATE", stabilized=True)
    np.testing.assert_allclose(s.weights, np.array([5, 2, 1.25, 4 / 3, 2, 2.5]) / 2)
    assert s.p_treated == 0.5 and s.stabilized and s.trim is None and not s.trimmed.any()
    ess_t = (5 + 2 + 1.25) ** 2 / (25 + 4 + 1.5625)
    assert s.effective_n["treated"] == pytest.approx(ess_t)


def test_att_weights_by_hand():
    w = ps_weights(PS, T, estimand="ATT", stabilized=False)
    np.testing.assert_allclose(w.weights, [1, 1, 1, 1 / 3, 1, 1.5])
    s = ps_weights(PS, T, estimand="ATT", stabilized=True)
    np.testing.assert_allclose(s.weights, [1, 1, 1, 1 / 3 * 3 / (17 / 6), 3 / (17 / 6),
                                           1.5 * 3 / (17 / 6)])
    assert s.weights[T == 0].sum() == pytest.approx(3.0)
    assert s.effective_n["treated"] == 3.0


def test_trimming_zeroes_and_restabilises():
    w = ps_weights(PS, T, estimand="ATE", stabilized=True, trim=(0.21, 0.79))
    np.testing.assert_array_equal(w.trimmed, [True, False, True, False, False, False])
    assert w.n_trimmed == {"treated": 2, "control": 0}
    assert w.p_treated == pytest.approx(1 / 4)
    np.testing.assert_allclose(w.weights, [0, 2 / 4, 0, 4 / 3 * 3 / 4, 2 * 3 / 4, 2.5 * 3 / 4])


# ---- matching: by hand and against a naive matcher -----------------------------------------

def test_matching_by_hand():
    # logits: treated 3.0, 1.0, 0.0; controls 0.2, 0.9, 2.0, 5.0 (SD irrelevant: caliper None)
    logit = np.array([3.0, 0.2, 1.0, 0.9, 0.0, 2.0, 5.0])
    t = np.array([1, 0, 1, 0, 1, 0, 0])
    m = match_nearest(logit, t, caliper=None, order="largest")
    # 3.0 -> 2.0 (unit 5); 1.0 -> 0.9 (unit 3); 0.0 -> 0.2 (unit 1)
    assert m.pairs.tolist() == [[0, 5], [2, 3], [4, 1]]
    np.testing.assert_array_equal(m.weights, [1, 1, 1, 1, 1, 1, 0])
    assert m.subclass.tolist() == [0, 2, 1, 1, 2, 0, -1]
    assert m.n_matched == {"treated": 3, "control": 3}
    assert m.n_unmatched == {"treated": 0, "control": 1}
    sd = np.std(logit, ddof=1)
    c = match_nearest(logit, t, caliper=0.15 / sd, order="largest")  # width 0.15 on the logit
    assert c.caliper_width == pytest.approx(0.15)
    assert c.pairs.tolist() == [[2, 3]]  # |3-2| = 1, |0-0.2| = 0.2 exceed 0.15


def test_matching_order_and_replacement_by_hand():
    logit = np.array([1.0, 1.1, 0.5, 1.2])
    t = np.array([1, 0, 1, 0])
    # largest first: 1.0 takes 1.1; 0.5 takes 1.2 (the only one left)
    assert match_nearest(logit, t, caliper=None).pairs.tolist() == [[0, 1], [2, 3]]
    # smallest first: 0.5 takes 1.1, then 1.0 takes 1.2
    assert match_nearest(logit, t, caliper=None, order="smallest").pairs.tolist() == [
        [0, 3], [2, 1]]
    r = match_nearest(logit, t, caliper=None, replace=True)
    assert r.pairs.tolist() == [[0, 1], [2, 1]]
    # control 1 used twice: weight 2 rescaled to the 1 distinct matched control
    np.testing.assert_allclose(r.weights, [1, 1, 1, 0])
    assert (r.subclass == -1).all() and r.order == "data"


def test_exact_ties_go_to_the_first_control_in_the_data():
    logit = np.array([0.0, 1.0, 1.0, -1.0, 5.0])
    t = np.array([0, 0, 1, 0, 0])
    assert match_nearest(logit, t, caliper=None).pairs.tolist() == [[2, 1]]
    logit = np.array([1.5, 1.0, 0.5, 5.0])  # 0.5 below and above unit 1
    t = np.array([0, 1, 0, 0])
    assert match_nearest(logit, t, caliper=None).pairs.tolist() == [[1, 0]]


def naive_match(logit, t, width, replace, order):
    """O(n1 n0) transcription of the rule: nearest available control, ties to the lowest
    index, none beyond the caliper."""
    tr = np.flatnonzero(t == 1)
    if order == "largest":
        tr = tr[np.argsort(-logit[tr], kind="stable")]
    elif order == "smallest":
        tr = tr[np.argsort(logit[tr], kind="stable")]
    used, pairs = set(), []
    for i in tr:
        best = None
        for j in np.flatnonzero(t == 0):
            if j in used and not replace:
                continue
            dist = abs(logit[j] - logit[i])
            if dist <= width and (best is None or dist < best[0]):
                best = (dist, j)
        if best is not None:
            used.add(best[1])
            pairs.append((int(i), int(best[1])))
    return sorted(pairs)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-8, 8), st.booleans()), min_size=2, max_size=40),
       st.sampled_from([None, 0.3, 1.0]), st.booleans(),
       st.sampled_from(["largest", "smallest", "data"]))
def test_matching_equals_the_naive_matcher(units, caliper, replace, order):
    """Integer logits force many exact ties."""
    logit = np.array([u[0] for u in units], float) / 4
    t = np.array([u[1] for u in units], int)
    if t.all() or not t.any():
        return
    width = np.inf if caliper is None or np.ptp(logit) == 0 else caliper * np.std(logit, ddof=1)
    expected = naive_match(logit, t, width, replace, order)
    if not expected:
        with pytest.raises(ValueError, match="no treated unit has a control within"):
            match_nearest(logit, t, caliper=caliper, replace=replace, order=order)
        return
    m = match_nearest(logit, t, caliper=caliper, replace=replace, order=order)
    assert sorted(map(tuple, m.pairs.tolist())) == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 80), st.booleans())
def test_matching_properties(seed, n, replace):
    rng = np.random.default_rng(seed)
    logit = rng.normal(size=n)
    t = rng.random(n) < 0.4
    t[:2] = [True, False]
    logit[1] = logit[0]  # at least one pair exists
    m = match_nearest(logit, t, caliper=0.2, replace=replace)
    tr, ct = m.pairs[:, 0], m.pairs[:, 1]
    assert t[tr].all() and not t[ct].any()
    assert np.unique(tr).size == tr.size  # each treated unit at most once
    if not replace:
        assert np.unique(ct).size == ct.size  # 1:1
        np.testing.assert_array_equal(m.subclass[tr], m.subclass[ct])
    assert (np.abs(logit[tr] - logit[ct]) <= m.caliper_width).all()
    assert (m.weights >= 0).all() and set(np.flatnonzero(m.weights)) == set(tr) | set(ct)
    assert m.weights[~t].sum() == pytest.approx(np.unique(ct).size)
    # permutation invariance ("largest" depends on values, not positions)
    perm = rng.permutation(n)
    mp = match_nearest(logit[perm], t[perm], caliper=0.2, replace=replace)
    back = {(int(perm[a]), int(perm[b])) for a, b in mp.pairs}
    assert back == set(map(tuple, m.pairs.tolist()))
    np.testing.assert_allclose(mp.weights, m.weights[perm])


def test_random_order_is_reproducible_with_a_seed():
    rng = np.random.default_rng(5)
    logit = rng.normal(size=60)
    t = np.arange(60) % 3 == 0
    a = match_nearest(logit, t, caliper=None, order="random", seed=11)
    b = match_nearest(logit, t, caliper=None, order="random", seed=11)
    np.testing.assert_array_equal(a.pairs, b.pairs)
    assert a.order == "random" and a.n_matched == {"treated": 20, "control": 20}


# ---- weights: properties --------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5))
def test_ate_weighted_arms_reproduce_the_pooled_mean(seed, k):
    """With a saturated PS model (dummies of one categorical covariate) the ML fitted
    values are the cell proportions, so each ATE-weighted arm has exactly the pooled
    distribution, and the ATT-weighted controls the treated one (up to R's IRLS stopping
    rule, ~1e-8 in the fitted values)."""
    rng = np.random.default_rng(seed)
    level = np.concatenate([np.repeat(np.arange(k), 2), rng.integers(0, k, 40)])
    t = np.concatenate([np.tile([1, 0], k), rng.random(40) < 0.3 + 0.1 * (level[2 * k:] % 3)])
    x = (level[:, None] == np.arange(1, k)).astype(float)
    ps = propensity_score(x, t)
    for stab in (True, False):
        w = ps_weights(ps.ps, t, estimand="ATE", stabilized=stab).weights
        assert (w > 0).all()
        for arm in (t == 1, t == 0):
            np.testing.assert_allclose(np.average(x[arm], axis=0, weights=w[arm]),
                                       x.mean(axis=0), rtol=1e-6)
        b = balance_table(x, t, names=[f"l{j}" for j in range(1, k)], weights=w)
        np.testing.assert_allclose(b.smd_after, 0.0, atol=1e-6)
        a = ps_weights(ps.ps, t, estimand="ATT", stabilized=stab).weights
        np.testing.assert_allclose(np.average(x[t == 0], axis=0, weights=a[t == 0]),
                                   x[t == 1].mean(axis=0), rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 0.99), min_size=2, max_size=30), st.integers(0, 1000))
def test_weights_are_positive_and_permutation_invariant(ps, seed):
    ps = np.array(ps)
    t = np.arange(ps.size) % 2
    perm = np.random.default_rng(seed).permutation(ps.size)
    for est in ("ATE", "ATT"):
        for stab in (True, False):
            w = ps_weights(ps, t, estimand=est, stabilized=stab)
            assert (w.weights > 0).all()
            wp = ps_weights(ps[perm], t[perm], estimand=est, stabilized=stab)
            np.testing.assert_allclose(wp.weights, w.weights[perm], rtol=1e-12)
            assert 1 <= w.effective_n["treated"] <= (t == 1).sum() + 1e-9


# ---- balance: by hand -----------------------------------------------------------------------

def test_balance_by_hand():
    x = np.array([[1.0, 1], [2, 0], [3, 1], [2, 0], [4, 0], [6, 1]])
    t = np.array([1, 1, 1, 0, 0, 0])
    w = np.array([1, 1, 2, 1, 1, 0])
    b = balance_table(x, t, names=["age", "male"], weights=w)
    np.testing.assert_array_equal(b.binary, [False, True])
    # age: treated mean 2 (var 1), control 4 (var 4); pooled SD sqrt(2.5)
    assert b.smd_before[0] == pytest.approx(-2 / math.sqrt(2.5))
    # weighted: treated (1 + 2 + 6)/4 = 2.25, control (2 + 4)/2 = 3
    assert b.smd_after[0] == pytest.approx(-0.75 / math.sqrt(2.5))
    # male: p1 = 2/3, p0 = 1/3, denominator sqrt((2/9 + 2/9)/2)
    assert b.smd_before[1] == pytest.approx((1 / 3) / math.sqrt(2 / 9))
    assert b.mean_treated_after[1] == pytest.approx(3 / 4)
    assert b.mean_control_after[1] == 0.0
    assert b.variance_ratio_before[0] == pytest.approx(1 / 4) and math.isnan(
        b.variance_ratio_before[1])
    # reliability-weighted variances: treated sum w (x - 2.25)^2 = 2.75 over 4 - 6/4 -> 1.1;
    # control (weights 1, 1, 0) 2 over 2 - 2/2 -> 2
    assert b.variance_ratio_after[0] == pytest.approx(1.1 / 2)
    assert b.variance_ratio[0] == b.variance_ratio_after[0]
    att = balance_table(x, t, names=["age", "male"], estimand="ATT")
    assert att.smd_before[0] == pytest.approx(-2.0) and att.smd_after is None
    rows = b.rows()
    assert rows[1]["variance_ratio_before"] is None and rows[0]["name"] == "age"
    assert rows[0]["balanced"] is False and set(rows[0]) >= {"smd_before", "smd_after"}


def test_constant_covariate_has_smd_zero():
    b = balance_table(np.ones((4, 1)) * 3, [1, 0, 1, 0], names=["c"], weights=[1, 1, 2, 2])
    assert b.smd_before[0] == 0.0 and b.smd_after[0] == 0.0


# ---- the KM quantile fix found by the rotterdam reference ------------------------------------

def test_median_limit_on_a_band_that_rises_again():
    """The weighted (robust) log band's upper limit falls to 0.472 at t = 7 and rises to
    0.555 at t = 9. R 4.2.2 / survival 3.5-3:
    ``quantile(survfit(Surv(1:10, c(1,1,1,0,1,1,1,0,1,0)) ~ 1, weights =
    c(3,1,5,1,5,4,2,4,1,1)), 0.5)`` gives 5 [5, 7]; R's approx() sorts the band by value,
    and an increasing-array search gave NA."""
    km = kaplan_meier(np.arange(1.0, 11.0), [1, 1, 1, 0, 1, 1, 1, 0, 1, 0],
                      weights=[3, 1, 5, 1, 5, 4, 2, 4, 1, 1])
    assert km.conf_high[8] > km.conf_high[6]
    m = km.median()
    assert (m.estimate, m.conf_low, m.conf_high) == (5.0, 5.0, 7.0)


# ---- bad input ------------------------------------------------------------------------------

X = np.array([[0.1], [0.5], [0.3], [0.9], [0.2], [0.7]])
Y = np.array([1, 0, 1, 0, 0, 1])


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    (dict(X=[[np.nan]] * 6), ValueError, "X has 6 missing or infinite"),
    (dict(y=[1, 0, 2, 0, 0, 1]), ValueError, "y must be 0/1.*position 2 is 2.0"),
    (dict(y=[1, 0, np.nan, 0, 0, 1]), ValueError, "y has 1 missing"),
    (dict(y=[1] * 6), ValueError, "no units with value 0"),
    (dict(y=[0] * 6), ValueError, "no units with value 1"),
    (dict(y=[1, 0, 1]), ValueError, "X has 6 rows but the outcome has 3"),
    (dict(X=np.array([["a"]] * 6)), TypeError, "X must be numeric"),
    (dict(X=np.hstack([X, 2 * X])), ValueError, "rank deficient"),
    (dict(X=np.ones((6, 1))), ValueError, "rank deficient"),
    (dict(names=["a", "b"]), ValueError, "names has 2 entries but X has 1"),
    (dict(weights=[1, 1, 0, 1, 1, 1]), ValueError, "weights must be finite and > 0"),
])
def test_logistic_errors(kwargs, exc, match):
    args = dict(X=X, y=Y) | kwargs
    X_, y_ = args.pop("X"), args.pop("y")
    with pytest.raises(exc, match=match):
        logistic_regression(X_, y_, **args)


def test_propensity_score_names_the_treatment():
    with pytest.raises(ValueError, match="treated must be 0/1"):
        propensity_score(X, [1, 0, 1, 0, 0, 3])


@pytest.mark.parametrize(("ps", "kwargs", "exc", "match"), [
    ([0.2, 0.5, 0.0, 0.3], {}, ValueError, "strictly between 0 and 1; position 2 is 0.0"),
    ([0.2, 1.0, 0.5, 0.3], {}, ValueError, "positivity"),
    ([0.2, np.nan, 0.5, 0.3], {}, ValueError, "ps has 1 missing"),
    ([0.2, 0.5, 0.5], {}, ValueError, "ps has 3 values but treated has 4"),
    ([0.2, 0.5, 0.6, 0.3], dict(estimand="ATM"), ValueError, "estimand must be one of"),
    ([0.2, 0.5, 0.6, 0.3], dict(trim=(0.9, 0.1)), ValueError, "0 <= lower < upper <= 1"),
    ([0.2, 0.5, 0.6, 0.3], dict(trim=0.1), TypeError, "trim must be a pair"),
    ([0.2, 0.5, 0.6, 0.3], dict(trim=(0.4, 0.9)), ValueError, "removes every treated unit"),
])
def test_weight_errors(ps, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ps_weights(ps, [1, 0, 0, 1], **kwargs)


@pytest.mark.parametrize(("logit", "treated", "kwargs", "exc", "match"), [
    ([0.1, 0.2, 0.3], [1, 0, 1], dict(caliper=0), ValueError, "caliper must be > 0"),
    ([0.1, 0.2, 0.3], [1, 0, 1], dict(caliper=-0.2), ValueError, "caliper must be > 0"),
    ([0.1, 0.2, 0.3], [1, 0, 1], dict(caliper="0.2"), TypeError, "caliper must be a number"),
    ([0.1, 0.2, 0.3], [1, 0, 1], dict(order="best"), ValueError, "order must be one of"),
    ([0.1, np.nan, 0.3], [1, 0, 1], {}, ValueError, "logit has 1 missing"),
    ([0.1, 0.3], [1, 0, 1], {}, ValueError, "logit has 2 values but treated has 3"),
    ([0.1, 0.2, 0.3], [1, 1, 1], {}, ValueError, "no units with value 0"),
    ([0.0, 5.0, 10.0], [1, 0, 1], dict(caliper=0.01), ValueError,
     "no treated unit has a control within"),
])
def test_matching_errors(logit, treated, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        match_nearest(logit, treated, **kwargs)


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    (dict(weights=[1, -1, 1, 1]), ValueError, "weights must be finite and >= 0"),
    (dict(weights=[0, 1, 0, 1]), ValueError, "weights are 0 for every treated unit"),
    (dict(weights=[1, 1, 1]), ValueError, "weights must have 4 values"),
    (dict(binary=[True]), ValueError, "'a' is marked binary but is not 0/1"),
    (dict(estimand="ATM"), ValueError, "estimand must be one of"),
    (dict(threshold=0), ValueError, "threshold must be > 0"),
    (dict(names=["a", "b"]), ValueError, "names has 2 entries but X has 1"),
])
def test_balance_errors(kwargs, exc, match):
    args = dict(names=["a"]) | kwargs
    with pytest.raises(exc, match=match):
        balance_table([[0.5], [1.5], [2.0], [3.0]], [1, 0, 1, 0], **args)


def test_balance_rejects_missing_covariates():
    with pytest.raises(ValueError, match="row 1, column a"):
        balance_table([[0.5], [np.nan], [2.0], [3.0]], [1, 0, 1, 0], names=["a"])
