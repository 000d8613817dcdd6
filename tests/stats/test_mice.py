"""Chained-equation imputation: properties, recovery under MAR, and the missingness table.

mice's draws are other random numbers, so value-by-value parity with R is not possible; the
pooled formulas are checked against R in test_mice_pool.py. Here: observed values are kept,
pmm imputes only observed values, a seed reproduces, and on simulated data where values are
missing at random given an observed covariate the imputations recover what the complete-case
estimate gets wrong (a linear mean, a binary proportion, a 3-level distribution).
"""

import numpy as np
import pytest

from retrostudy.stats import logistic_regression
from retrostudy.stats.mice import mice
from retrostudy.stats.missingness import missingness_table
from retrostudy.stats.pool import pool_logistic


def _simulated(n=1500, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 10 + 2 * x + rng.normal(size=n)
    z = np.where(rng.random(n) < 1 / (1 + np.exp(-(1.5 * x))), "yes", "no").astype(object)
    u = rng.random(n)
    cut = np.cumsum(np.exp(np.column_stack([np.zeros(n), x, -x])), axis=1)
    k = (u[:, None] * cut[:, -1:] > cut).sum(axis=1)
    w = np.array(["a", "b", "c"], object)[k]
    p_miss = 1 / (1 + np.exp(-(x - 0.5)))  # MAR: depends on the observed x only
    full = {"x": x, "y": y.copy(), "z": z.copy(), "w": w.copy()}
    y[rng.random(n) < p_miss] = np.nan
    z[rng.random(n) < p_miss] = None
    w[rng.random(n) < p_miss] = None
    return {"x": x, "y": y, "z": z, "w": w}, full


def test_observed_kept_and_only_observed_values_imputed():
    data, _ = _simulated(400)
    imp = mice(data, m=3, iterations=3, seed=11)
    assert dict(imp.method) == {"y": "pmm", "z": "logreg", "w": "polyreg"}
    obs_y = set(data["y"][~np.isnan(data["y"])].tolist())
    for d in imp.completed():
        assert not np.isnan(d["y"]).any()
        assert set(d["z"].tolist()) <= {"no", "yes"} and set(d["w"].tolist()) <= set("abc")
        keep = ~np.isnan(data["y"])
        np.testing.assert_array_equal(d["y"][keep], data["y"][keep])
        np.testing.assert_array_equal(d["x"], data["x"])
        assert set(d["y"][~keep].tolist()) <= obs_y
        zk = np.array([v is not None for v in data["z"]])
        assert (d["z"][zk] == data["z"][zk]).all()


def test_seed_reproduces_and_differs():
    data, _ = _simulated(300)
    a = mice(data, m=2, iterations=2, seed=5)
    b = mice(data, m=2, iterations=2, seed=5)
    c = mice(data, m=2, iterations=2, seed=6)
    np.testing.assert_array_equal(a.imputed["y"], b.imputed["y"])
    assert not np.array_equal(a.imputed["y"], c.imputed["y"])
    assert not np.array_equal(a.imputed["y"][0], a.imputed["y"][1])  # chains differ


def test_recovers_mar_means_where_complete_cases_are_biased():
    data, full = _simulated()
    imp = mice(data, m=5, iterations=5, seed=2024)
    cc = np.nanmean(data["y"])
    mi = np.mean([d["y"].mean() for d in imp.completed()])
    truth = full["y"].mean()
    assert abs(cc - truth) > 0.3  # missing more often at large x: complete cases too low
    assert abs(mi - truth) < 0.1
    zt = np.mean(full["z"] == "yes")
    zmi = np.mean([np.mean(d["z"] == "yes") for d in imp.completed()])
    zcc = np.mean(data["z"][np.array([v is not None for v in data["z"]])] == "yes")
    assert abs(zcc - zt) > 0.05 and abs(zmi - zt) < 0.03
    for lev in "abc":
        t = np.mean(full["w"] == lev)
        got = np.mean([np.mean(d["w"] == lev) for d in imp.completed()])
        assert abs(got - t) < 0.03, lev
    assert imp.chain_mean["y"].shape == (5, 5)


def test_pooled_logistic_on_imputed_data_near_truth():
    data, _ = _simulated(2000, seed=9)
    imp = mice(data, m=5, iterations=5, seed=1)
    fits = [logistic_regression(d["x"][:, None], (d["z"] == "yes").astype(float), names=["x"])
            for d in imp.completed()]
    (_, slope) = pool_logistic(fits)
    assert slope.conf_low < 1.5 < slope.conf_high and slope.b > 0 and 0 < slope.fmi < 1


def test_bad_settings_are_refused():
    data, _ = _simulated(100)
    with pytest.raises(ValueError, match="categorical; pmm"):
        mice(data, method={"z": "pmm"})
    with pytest.raises(ValueError, match="two levels"):
        mice(data, method={"w": "logreg"})
    with pytest.raises(ValueError, match="unknown columns"):
        mice(data, method={"nope": "pmm"})
    with pytest.raises(ValueError, match="no observed values"):
        mice({"x": np.arange(4.0), "y": np.full(4, np.nan)})
    with pytest.raises(ValueError, match="not imputed"):
        mice(data, method={"z": "none"})
    with pytest.raises(ValueError, match="row 2"):
        mice({"x": np.array([1.0, 2.0, np.inf, np.nan])})


def test_missingness_table_counts_by_hand():
    data = {"g": ["A", "A", "B", "B", "B"], "age": [50.0, np.nan, 60.0, np.nan, np.nan],
            "ecog": ["0", None, "1", "1", None], "sex": np.array([0, 1, 0, 1, 1])}
    t = missingness_table(data, ["age", "ecog", "sex"], group="g")
    assert t.groups == ("A", "B")
    assert (t.cell("age", "A").n_missing, t.cell("age", "A").percent_missing) == (1, 50.0)
    assert t.cell("age", "B").n_missing == 2 and t.cell("ecog", "B").n_missing == 1
    assert t.cell("age").n == 5 and t.cell("age").n_missing == 3
    assert t.cell("sex").n_missing == 0
    assert dict(t.complete_cases) == {"A": 1, "B": 1, None: 2}
    with pytest.raises(ValueError, match="missing at row 1"):
        missingness_table({"g": ["A", None], "x": [1.0, 2.0]}, ["x"], group="g")
