"""Gray's test and cmprsk's cumulative-incidence variance against cmprsk 2.2-11 and survival 3.5-3.

Reference values are in ``tests/reference/competing.json``, written with the data it used by
``tests/reference/competing.R`` (needs R with survival, cmprsk, MASS and jsonlite; CI never
runs R)::

    Rscript tests/reference/competing.R

Data: survival's ``mgus2`` (plasma-cell malignancy 1 vs death without it 2; groups sex and
three age bands; strata age >= 70 and sex), ``rotterdam`` (recurrence 1 vs death without
recurrence 2; groups chemo, hormon, grade, size; strata meno, grade), MASS's ``Melanoma``
(melanoma death 1, other death 3, censoring code 2; groups sex and ulcer), a small tied set,
a one-record-per-group set and a seeded set with four groups, three causes, two strata and
many ties; rho in {-0.5, 0, 0.5, 0.75, 1, 2}; a set where the pooled incidence reaches 1 before the
last event (rho 0 and -1); 120 small fuzz samples (223 tests; 14 where cmprsk's variance
is singular, 2 where it is indefinite and cmprsk prints a negative statistic: we raise).
Deterministic values are compared at rtol
1e-8 (observed ~1e-13). Also: a case worked by hand, the log-rank score as the special case
without competing events, an independent loop implementation on seeded data, hypothesis
properties and every input error.
"""

import json
from fractions import Fraction as Fr
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from retrostudy.stats import cumulative_incidence, gray_test, logrank_test

with (Path(__file__).parents[1] / "reference" / "competing.json").open() as fh:
    REF = json.load(fh)
RTOL = 1e-8

GRAY = [(c, i) for c in REF["gray"] for i in range(len(c["causes"]))]


def _data(name):
    return {k: np.asarray(v) for k, v in REF["data"][name].items()}


def _run(case, cause):
    d = _data(case["data"])
    return gray_test(d["time"], d["status"], d[case["group"]], cause=cause,
                     censor=case["censor"], rho=case["rho"],
                     strata=None if case["strata"] is None else d[case["strata"]])


@pytest.mark.parametrize(("case", "i"), GRAY,
                         ids=[f"{c['name']}-cause{c['causes'][i]}" for c, i in GRAY])
def test_matches_cmprsk_cuminc_tests(case, i):
    res = _run(case, int(case["causes"][i]))
    assert res.df == case["df"][i]
    np.testing.assert_allclose(res.statistic, case["stat"][i], rtol=RTOL)
    np.testing.assert_allclose(res.p_value, case["p_upper"][i], rtol=RTOL)
    np.testing.assert_allclose(res.p_value, case["pv"][i], atol=1e-15)  # R: 1 - pchisq
    assert res.rho == case["rho"] and res.cause == int(case["causes"][i])
    assert res.method == "Gray (1988) K-sample test, cmprsk::cuminc"
    assert len(res.groups) == res.df + 1 and res.scores.sum() == pytest.approx(0, abs=1e-9)


FUZZ = [(f, i) for f in REF["fuzz"] for i in range(len(f["causes"]))]


@pytest.mark.parametrize(("case", "i"), FUZZ, ids=[f"{f['sample']}-{i}" for f, i in FUZZ])
def test_matches_cmprsk_on_small_tied_samples(case, i):
    """120 small samples (3-25 rows, times 1-6, 2-3 groups, rho -1..2): equal to cmprsk, and an
    error exactly where cmprsk's variance is singular (its stat -1, stored as null) or
    indefinite (a negative statistic)."""
    d = _data("fuzz")
    rows = d["sample"] == case["sample"]
    args = (d["time"][rows], d["status"][rows], d["group"][rows])
    kw = dict(cause=int(case["causes"][i]), rho=case["rho"])
    if case["stat"][i] is None:
        with pytest.raises(ValueError, match="variance of Gray's scores is singular"):
            gray_test(*args, **kw)
    elif case["stat"][i] < 0:  # cmprsk's variance estimate is indefinite: we refuse
        with pytest.raises(ValueError, match=rf"not positive definite .* cmprsk reports the "
                                             rf"meaningless statistic {case['stat'][i]:.6g}\)"):
            gray_test(*args, **kw)
    else:
        res = gray_test(*args, **kw)
        assert res.df == case["df"][i]
        np.testing.assert_allclose(res.statistic, case["stat"][i], rtol=RTOL, atol=1e-10)


CUMINC = [(c, cur) for c in REF["cuminc"] for cur in c["curves"]]


def _group_curve(case, group, variance):
    d = _data(case["data"])
    status = np.where(d["status"] == case["censor"], 0, d["status"])
    keep = d[case["group"]].astype(str) == group
    causes = sorted(set(status[status > 0].tolist()))
    res = cumulative_incidence(d["time"][keep], status[keep], causes=causes, timefix=False,
                               variance=variance)
    return res, causes


@pytest.mark.parametrize(("case", "curve"), CUMINC,
                         ids=[f"{c['name']}-{u['group']}-{u['cause']}" for c, u in CUMINC])
def test_cmprsk_variance_matches_cuminc(case, curve):
    """cuminc's est and var at each step time (the value after the jump)."""
    res, causes = _group_curve(case, curve["group"], "cmprsk")
    assert res.variance == "cmprsk (Gray delta method)"
    j = causes.index(int(curve["cause"]))
    at = np.searchsorted(res.time, curve["time"], side="right") - 1
    est = np.where(at >= 0, res.incidence[np.maximum(at, 0), j], 0.0)
    var = np.where(at >= 0, res.std_err[np.maximum(at, 0), j] ** 2, 0.0)
    np.testing.assert_allclose(est, curve["est"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(var, curve["var"], rtol=RTOL, atol=1e-16)


MULTISTATE = [(c, m) for c in REF["cuminc"] for m in c["survfit"]]


@pytest.mark.parametrize(("case", "fit"), MULTISTATE,
                         ids=[f"{c['name']}-{m['group']}" for c, m in MULTISTATE])
def test_ij_variance_matches_multistate_survfit_per_group(case, fit):
    """The default variance stays R survival's IJ: same estimate as cmprsk, other SE."""
    res, causes = _group_curve(case, fit["group"], "ij")
    assert [int(s) for s in fit["states"][1:]] == causes
    np.testing.assert_array_equal(res.time, fit["time"])
    for j in range(len(causes)):
        np.testing.assert_allclose(res.incidence[:, j], fit["pstate"][j + 1], rtol=1e-10,
                                   atol=1e-15)
        np.testing.assert_allclose(res.std_err[:, j], fit["std_err"][j + 1], rtol=1e-8,
                                   atol=1e-15)


def test_ij_and_cmprsk_variances_differ_but_not_the_estimate():
    case = next(c for c in REF["cuminc"] if c["name"] == "mgus2_sex")
    ij, _ = _group_curve(case, "M", "ij")
    gray, _ = _group_curve(case, "M", "cmprsk")
    np.testing.assert_array_equal(ij.incidence, gray.incidence)
    assert np.abs(ij.std_err - gray.std_err).max() > 1e-3


def test_by_hand_one_record_per_group():
    """a fails of cause 1 at t=1, b is censored at t=2 (cmprsk: stat 1, p 0.3173105).

    At t=1: Y = (1, 1), S(t-) = (1, 1), so h = Y/S = (1, 1), sum 2; pooled F jumps 0 -> 1/2.
    Score of a: 1 - 1 * 1/2 = 1/2. a = diag(h) - h h'/2 = [[1/2, -1/2], [-1/2, 1/2]],
    c = a * d1 / (2 (1 - 0)) = a/2. Cause-1 term, group a (S_a(t) = 0: t4 = 1, t3 = 1/2):
    B = a[:, a] - c[:, a] = (1/4, -1/4) -> V += 1/32, v2 = 1/8, v3_a = 1/2. Group b
    (S_b = 1: t4 = 1 - (1 - 1/2) = 1/2, t3 = 1/2): B = a[0, b] - c[0, b]/2 = -3/8 ->
    V += 9/128, v2 = -3/32, v3_b = 1/8. Closing terms c'diag(v3)c + 2 c'v2: 1/32 + 1/128
    + 2 (1/32 + 3/128) = 19/128. V = 1/32 + 9/128 + 19/128 = 1/4; statistic (1/2)^2 / (1/4).
    """
    score, var = Fr(1, 2), Fr(1, 32) + Fr(9, 128) + Fr(19, 128)
    assert var == Fr(1, 4)
    res = gray_test([1, 2], [1, 0], ["a", "b"])
    assert res.scores[0] == pytest.approx(float(score), rel=1e-15)
    assert res.variance[0, 0] == pytest.approx(float(var), rel=1e-15)
    assert res.statistic == pytest.approx(float(score**2 / var), rel=1e-15)
    case = next(c for c in REF["gray"] if c["name"] == "tiny")
    assert case["stat"] == [1] and res.p_value == pytest.approx(case["pv"][0], rel=1e-12)


def test_score_is_the_logrank_score_without_competing_events():
    """With one cause and rho = 0, R_g = Y_g, so the scores are log-rank's O - E."""
    rng = np.random.default_rng(7)
    time = rng.integers(1, 20, 120).astype(float)
    status = rng.choice([0, 1], 120, p=[0.3, 0.7])
    group = rng.choice(["x", "y", "z"], 120)
    res = gray_test(time, status, group)
    lr = logrank_test(time, status, group, timefix=False)
    np.testing.assert_allclose(res.scores, lr.observed - lr.expected, rtol=1e-10, atol=1e-12)


def _counts(time, status, group, groups, t, cause):
    """At risk, events of the cause and of other causes per group at time t (plain loops)."""
    rows = list(zip(time, status, group, strict=True))
    y = [sum(1 for ti, _, gi in rows if ti >= t and gi == g) for g in groups]
    d1 = [sum(1 for ti, si, gi in rows if ti == t and si == cause and gi == g) for g in groups]
    d2 = [sum(1 for ti, si, gi in rows if ti == t and si not in (0, cause) and gi == g)
          for g in groups]
    return y, d1, d2


def _cause_terms(acc, g, t4, t3, a, c):
    k = len(a)
    acc["v3"][g] += t4 * t4 * t3
    for i in range(k):
        acc["v2"][i][g] += (a[i][g] - t4 * c[i][g]) * t4 * t3
        for j in range(k):
            acc["v"][i][j] += (a[i][g] - t4 * c[i][g]) * (a[j][g] - t4 * c[j][g]) * t3


def _other_terms(acc, g, e, c):
    k = len(c)
    acc["v3"][g] += e
    for i in range(k):
        acc["v2"][i][g] -= c[i][g] * e
        for j in range(k):
            acc["v"][i][j] += c[i][g] * c[j][g] * e


def _step(acc, y, d1, d2, rho):
    """One event time: scores, the running c matrix and the variance accumulators."""
    k = len(y)
    s_prev, f_prev, fm, c = acc["s"], acc["f1"], acc["fm"], acc["c"]
    h = [y[g] / s_prev[g] if y[g] else 0.0 for g in range(k)]
    tr, nd1 = sum(h), sum(d1)
    tq = sum(h[g] * (1 - f_prev[g]) for g in range(k))
    s_now = [s_prev[g] * (1 - (d1[g] + d2[g]) / y[g]) if y[g] else s_prev[g] for g in range(k)]
    f, fb = fm + nd1 / tr, (1 - fm) ** rho
    a = [[fb * ((h[i] if i == j else 0.0) - h[i] * h[j] / tr) for j in range(k)]
         for i in range(k)]
    for i in range(k):
        acc["score"][i] += fb * (d1[i] - nd1 * h[i] * (1 - f_prev[i]) / tq)
        for j in range(k):
            c[i][j] += a[i][j] * nd1 / (tr * (1 - fm)) if nd1 else 0.0
    for g in range(k):
        if nd1 and y[g]:
            t4 = 1 - (1 - f) / s_now[g] if s_now[g] > 0 else 1.0
            t5 = 1 - (nd1 - 1) / (tr * s_prev[g] - 1) if nd1 > 1 else 1.0
            _cause_terms(acc, g, t4, t5 * s_prev[g] * nd1 / (tr * y[g]), a, c)
        if d2[g] and s_now[g] > 0:
            t5 = 1 - (d2[g] - 1) / (y[g] - 1) if d2[g] > 1 else 1.0
            e = ((1 - f) / s_now[g]) ** 2 * t5 * s_prev[g] ** 2 * d2[g] / y[g] ** 2
            _other_terms(acc, g, e, c)
    acc["f1"] = [f_prev[g] + (s_prev[g] * d1[g] / y[g] if y[g] else 0.0) for g in range(k)]
    acc["s"], acc["fm"] = s_now, f


def naive_gray(time, status, group, cause, rho):
    """Gray's score and variance by explicit loops over times and groups (cmprsk's recursion,
    written as scalars: no arrays over time), for one stratum; status 0 = censored."""
    groups = sorted(set(group))
    k = len(groups)
    acc = {"s": [1.0] * k, "f1": [0.0] * k, "fm": 0.0, "score": [0.0] * k, "v3": [0.0] * k,
           "c": [[0.0] * k for _ in range(k)], "v": [[0.0] * k for _ in range(k)],
           "v2": [[0.0] * k for _ in range(k)]}
    for t in sorted(set(time)):
        y, d1, d2 = _counts(time, status, group, groups, t, cause)
        if sum(d1) + sum(d2):
            _step(acc, y, d1, d2, rho)
    c, v2, v3, v = acc["c"], acc["v2"], acc["v3"], acc["v"]
    for i in range(k):
        for j in range(k):
            v[i][j] += sum(c[i][g] * c[j][g] * v3[g] + c[i][g] * v2[j][g] + c[j][g] * v2[i][g]
                           for g in range(k))
    s = np.array(acc["score"][:-1])
    vv = np.array(v)[:-1, :-1]
    return np.array(acc["score"]), vv, float(s @ np.linalg.solve(vv, s))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rho", [0.0, 1.5])
def test_against_a_naive_loop(seed, rho):
    rng = np.random.default_rng(seed)
    n = 90
    time = rng.integers(1, 25, n).astype(float).tolist()
    status = rng.choice([0, 1, 2, 3], n, p=[0.3, 0.35, 0.2, 0.15]).tolist()
    group = rng.choice(["a", "b", "c"], n).tolist()
    scores, var, stat = naive_gray(time, status, group, 1, rho)
    res = gray_test(time, status, group, cause=1, rho=rho)
    np.testing.assert_allclose(res.scores, scores, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.variance, var, rtol=1e-10, atol=1e-12)
    assert res.statistic == pytest.approx(stat, rel=1e-10)


def test_strata_add_scores_and_variances():
    rng = np.random.default_rng(11)
    n = 150
    time = rng.integers(1, 30, n).astype(float)
    status = rng.choice([0, 1, 2], n)
    group = rng.choice([1, 2], n)
    stratum = rng.choice(["u", "v"], n)
    both = gray_test(time, status, group, strata=stratum, rho=0.5)
    parts = [gray_test(time[stratum == s], status[stratum == s], group[stratum == s], rho=0.5)
             for s in ("u", "v")]
    np.testing.assert_allclose(both.scores, sum(p.scores for p in parts), rtol=1e-12)
    np.testing.assert_allclose(both.variance, sum(p.variance for p in parts), rtol=1e-12)
    assert both.strata == ("u", "v")


samples = st.lists(st.tuples(st.integers(1, 12), st.sampled_from([0, 1, 2, 2, 1]),
                             st.sampled_from("abc")), min_size=6, max_size=60)


def _arrays(rows):
    return (np.array([r[0] for r in rows], float), np.array([r[1] for r in rows]),
            np.array([r[2] for r in rows]))


def _gray(*args, **kw):
    try:
        return gray_test(*args, **kw)
    except ValueError as exc:  # no event of the cause, one group, or a singular variance
        assume(False)
        raise AssertionError from exc


@settings(max_examples=120, deadline=None)
@given(samples, st.sampled_from([0.0, 0.5, 2.0]))
def test_properties(rows, rho):
    time, status, group = _arrays(rows)
    res = _gray(time, status, group, rho=rho)
    assert res.statistic >= -1e-10
    assert 0 <= res.p_value <= 1
    # relabelling (and so reordering) the groups does not change the statistic
    relabel = {"a": "z", "b": "y", "c": "x"}
    other = gray_test(time, status, np.array([relabel[g] for g in group]), rho=rho)
    assert other.statistic == pytest.approx(res.statistic, rel=1e-7, abs=1e-9)
    # swapping the two cause codes and asking for the other cause: the same test
    swapped = np.where(status == 1, 2, np.where(status == 2, 1, 0))
    same = gray_test(time, swapped, group, cause=2, rho=rho)
    assert same.statistic == pytest.approx(res.statistic, rel=1e-12, abs=1e-12)
    # row order is irrelevant
    perm = np.random.default_rng(len(rows)).permutation(len(rows))
    shuffled = gray_test(time[perm], status[perm], group[perm], rho=rho)
    assert shuffled.statistic == pytest.approx(res.statistic, rel=1e-9, abs=1e-12)


def test_other_codes_strings_and_censoring_code():
    time = [1, 2, 3, 4, 5, 6, 7, 8]
    status = ["alive", "pcm", "death", "pcm", "alive", "death", "pcm", "pcm"]
    group = ["F", "M", "F", "M", "F", "M", "F", "M"]
    res = gray_test(time, status, group, cause="pcm", censor="alive")
    num = gray_test(time, [0, 1, 2, 1, 0, 2, 1, 1], group, cause=1)
    assert res.statistic == pytest.approx(num.statistic, rel=1e-14)
    assert res.n_events.tolist() == [1, 3] and res.n_competing.tolist() == [1, 1]


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(cause=3), r"cause 3 does not occur in status; the event codes present are \[1, 2\]"),
    (dict(causes=[1]), r"status has value 2 \(first at position 2\) that is neither the "
                       r"censoring code 0 nor one of the causes \[1\]"),
    (dict(group=["a"] * 6), r"group has a single level \('a'\); Gray's test needs at least two"),
    (dict(time=[1, 2, np.nan, 4, 5, 6]), r"time has 1 missing or infinite value"),
    (dict(time=[1, 2, -3, 4, 5, 6]), r"time must be >= 0; position 2 is -3"),
    (dict(status=[1, 0, np.nan, 1, 2, 0]), r"status has missing values at positions \[2\]"),
    (dict(group=["a", "b", None, "a", "b", "a"]), r"group has missing \(None\) values"),
    (dict(group=["a", "b"]), r"group must be one-dimensional with 6 values"),
    (dict(status=[1, 0, 2]), r"status must be one-dimensional with 6 values"),
    (dict(rho=np.inf), r"rho must be a finite number, got inf"),
    (dict(status=np.array([0, "death", 1, 1, 2, 0], dtype=object), causes=[1, 2]),
     r"status has value 'death' \(first at position 1\) that is neither the censoring code 0"),
    (dict(status=["1", "0", "2", "1", "2", "0"]),
     r"cause 1 does not occur in status; the event codes present are \['0', '1', '2'\] \(censoring "
     r"code 0\); status holds text, so give cause and censor as text"),
    (dict(strata=[1, 2, np.nan, 1, 1, 2]), r"strata has missing values at positions \[2\]"),
])
def test_errors(kwargs, match):
    args = dict(time=[1, 2, 3, 4, 5, 6], status=[1, 0, 2, 1, 2, 0],
                group=["a", "b", "a", "b", "a", "b"])
    args.update(kwargs)
    time, status, group = args.pop("time"), args.pop("status"), args.pop("group")
    with pytest.raises(ValueError, match=match):
        gray_test(time, status, group, **args)


def test_singular_variance_is_an_error():
    """Group b leaves before the first event: its score and variance are 0 (cmprsk: -1)."""
    with pytest.raises(ValueError, match="cause 1: the variance of Gray's scores is singular"):
        gray_test([1, 5, 6, 7], [0, 1, 2, 1], ["b", "a", "a", "a"])


def test_cumulative_incidence_variance_option_error():
    with pytest.raises(ValueError, match=r"variance must be one of \['cmprsk', 'ij'\]"):
        cumulative_incidence([1, 2], [1, 2], variance="delta")


def test_pooled_incidence_rounding_above_one_with_rho():
    # Everyone fails: the pooled F sums to 1 + 1e-16 at the last time, and (1 - F) ** 0.5
    # of that tiny negative number was NaN (found by test_properties). The weight there is
    # 0, as at F = 1. cmprsk 2.2-11: cuminc(c(1,1,1,1,2,3), rep(1,6), c(rep("a",4),
    # rep("b",2)), rho=0.5)$Tests gives stat 5, pv 0.0253473186774682, df 1.
    res = gray_test([1, 1, 1, 1, 2, 3], [1] * 6, ["a"] * 4 + ["b"] * 2, rho=0.5)
    assert res.df == 1
    assert res.statistic == pytest.approx(5.0, rel=1e-12)
    assert res.p_value == pytest.approx(0.0253473186774682, rel=1e-12)


def test_pooled_incidence_reaching_one_is_refused_like_cmprsk():
    # found by test_properties: with rho = 0 the weight stays 1 once the pooled F reaches 1,
    # so the variance is inf - inf. cmprsk::cuminc(t, s, g, rho = 0) stops with
    # "NA/NaN/Inf in foreign function call"; we refuse with the reason, and no RuntimeWarning
    time = [1, 1, 1, 1, 1, 2, 3, 4]
    status = [0, 1, 1, 1, 1, 1, 1, 1]
    group = ["c", "a", "a", "b", "c", "a", "b", "b"]
    with pytest.raises(ValueError, match=r"not finite \(the pooled cumulative incidence reaches 1"):
        gray_test(time, status, group)
    weighted = gray_test(time, status, group, rho=0.5)  # weight 0 there: finite
    assert np.isfinite(weighted.statistic) and 0 <= weighted.p_value <= 1
