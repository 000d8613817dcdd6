"""The compiled Cox kernel (stats._cox_kernel) against the numpy engine it replaces for large
fits: the same log-likelihood, score and information at any beta, and the same fitted
model, on random data (not the example study) with and without tied times, strata, case
weights, delayed entry, Efron and Breslow, p = 1, 5, 20. Also the dispatch: below
``COMPILED_MIN_ROWS`` rows the numpy engine runs, so small studies keep their digits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from retrostudy.stats import _cox_fit, cox_ph
from retrostudy.stats._cox_design import build_design, centre
from retrostudy.stats._cox_ties import prepare, sort_order

TOL = 1e-12


def _data(n, p, *, days, strata, weights, entry, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, 0] = rng.integers(0, 2, n)  # a binary covariate as in a treatment comparison
    beta = rng.normal(scale=0.4, size=p)
    t_event = rng.exponential(np.exp(-(x @ beta)) * 300.0)
    t_cens = rng.exponential(450.0, n)
    time = np.minimum(t_event, t_cens)
    if days:
        time = np.ceil(time)
    data = {"time": time, "event": (t_event <= t_cens).astype(np.int8)}
    data.update({f"x{j}": x[:, j] for j in range(p)})
    if strata:
        data["site"] = rng.integers(0, 3, n)
    if weights:
        data["w"] = rng.uniform(0.5, 3.0, n)
    if entry:  # delayed entry: each row enters strictly before its time, some at 0
        start = time * rng.uniform(0.0, 0.8, n) * (rng.random(n) < 0.6)
        data["start"] = np.floor(start) if days else start
    return data


CASES = [  # (p, days, strata, weights, entry, ties)
    (1, True, False, False, False, "efron"),
    (1, False, False, False, False, "breslow"),
    (5, True, False, False, False, "efron"),
    (5, True, False, False, False, "breslow"),
    (5, False, False, False, False, "efron"),
    (5, True, True, True, False, "efron"),
    (5, False, True, False, True, "breslow"),
    (5, True, True, True, True, "efron"),
    (20, True, False, False, False, "efron"),
    (20, False, True, True, False, "breslow"),
    (20, True, False, False, True, "efron"),
]


def _sorted(data, p, ties, *, strata, weights, entry):
    n = data["time"].size
    s = data["site"] if strata else np.zeros(n, np.int64)
    w = data["w"] if weights else None
    order = sort_order(data["time"], s)
    design = build_design(data, [f"x{j}" for j in range(p)], None, n, order)
    means = centre(design.x, None if w is None else w[order])
    return prepare(data["time"], data["event"], design.x, w, s, order, efron=ties == "efron",
                   entry=data["start"] if entry else None, means=means)


def _close(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) <= TOL * max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize(("p", "days", "strata", "weights", "entry", "ties"), CASES)
def test_kernel_evaluation_equals_numpy(monkeypatch, p, days, strata, weights, entry, ties):
    data = _data(3000, p, days=days, strata=strata, weights=weights, entry=entry, seed=p + 7)
    sd = _sorted(data, p, ties, strata=strata, weights=weights, entry=entry)
    rng = np.random.default_rng(11)
    for beta in (np.zeros(p), rng.normal(scale=0.3, size=p)):
        monkeypatch.setattr(_cox_fit, "ENGINE", "numpy")
        ref = _cox_fit.evaluate(beta, sd)
        monkeypatch.setattr(_cox_fit, "ENGINE", "compiled")
        got = _cox_fit.evaluate(beta, sd)
        assert abs(got.loglik - ref.loglik) <= TOL * abs(ref.loglik)
        assert _close(got.u, ref.u)
        assert _close(got.imat, ref.imat)
        assert _close(got.den, ref.den)
        assert _close(got.risk, ref.risk)


def _fit(data, p, ties, strata, weights, entry):
    return cox_ph(data, time="time", event="event", covariates=[f"x{j}" for j in range(p)],
                  ties=ties, strata="site" if strata else None,
                  weights="w" if weights else None, entry="start" if entry else None)


@pytest.mark.parametrize(("p", "days", "strata", "weights", "entry", "ties"), CASES)
def test_kernel_fit_equals_numpy_fit(monkeypatch, p, days, strata, weights, entry, ties):
    data = _data(4000, p, days=days, strata=strata, weights=weights, entry=entry, seed=p + 3)
    monkeypatch.setattr(_cox_fit, "ENGINE", "numpy")
    ref = _fit(data, p, ties, strata, weights, entry)
    monkeypatch.setattr(_cox_fit, "ENGINE", "compiled")
    got = _fit(data, p, ties, strata, weights, entry)
    assert got.iterations == ref.iterations
    assert _close(got.coef, ref.coef)
    assert _close(got.var, ref.var)  # robust (weights) or model-based
    for a, b in ((got.loglik, ref.loglik), (got.loglik_null, ref.loglik_null),
                 (got.score_test.statistic, ref.score_test.statistic),
                 (got.wald_test.statistic, ref.wald_test.statistic)):
        assert abs(a - b) <= TOL * max(1.0, abs(b))


def test_kernel_follows_a_diverging_fit_like_numpy(monkeypatch):
    """A covariate that separates the deaths: risks underflow to 0 as beta grows, Newton
    halves its steps on non-finite values; both engines walk the same path."""
    rng = np.random.default_rng(2)
    n = 400
    x = rng.normal(size=n)
    time = np.arange(n, 0, -1.0)
    event = np.ones(n, np.int8)
    data = {"time": time, "event": event, "x": np.sort(x), "z": x}
    fits = []
    for engine in ("numpy", "compiled"):
        monkeypatch.setattr(_cox_fit, "ENGINE", engine)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(cox_ph(data, time="time", event="event", covariates=["x", "z"]))
    ref, got = fits
    assert ref.monotone and got.monotone
    assert got.iterations == ref.iterations
    assert np.allclose(got.coef, ref.coef, rtol=1e-9, atol=0)


def test_small_fits_run_numpy_and_large_ones_the_kernel(monkeypatch):
    """ENGINE "auto": the kernel from COMPILED_MIN_ROWS rows on; below it the numpy engine,
    so a small study's numbers are exactly those of ENGINE="numpy"."""
    calls = []
    real = _cox_fit._evaluate_compiled
    monkeypatch.setattr(_cox_fit, "_evaluate_compiled",
                        lambda *a: calls.append(a[1].x.shape[0]) or real(*a))
    monkeypatch.setattr(_cox_fit, "COMPILED_MIN_ROWS", 2000)
    small = _data(1999, 3, days=True, strata=False, weights=False, entry=False, seed=1)
    large = _data(2000, 3, days=True, strata=False, weights=False, entry=False, seed=1)
    auto = _fit(small, 3, "efron", False, False, False)
    assert calls == []
    monkeypatch.setattr(_cox_fit, "ENGINE", "numpy")
    assert np.array_equal(auto.coef, _fit(small, 3, "efron", False, False, False).coef)
    monkeypatch.setattr(_cox_fit, "ENGINE", "auto")
    _fit(large, 3, "efron", False, False, False)
    assert calls and set(calls) == {2000}


def test_unknown_engine_is_an_error(monkeypatch):
    monkeypatch.setattr(_cox_fit, "ENGINE", "fortran")
    data = _data(50, 1, days=True, strata=False, weights=False, entry=False, seed=1)
    with pytest.raises(ValueError, match="ENGINE must be"):
        _fit(data, 1, "efron", False, False, False)
