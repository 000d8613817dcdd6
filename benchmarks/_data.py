"""Generated data shared by ``run.py`` and ``profile_hot.py`` (same seed, same shapes)."""

from __future__ import annotations

import numpy as np

SEED = 20261207


def cox_arrays(n: int, p: int, *, days: bool, seed: int = SEED):
    """``p`` standard-normal covariates, exponential event times with log-hazard ``x' b``,
    exponential censoring (about 30 %); ``days`` rounds the times up to whole days (mean
    event time about a year), which gives heavy ties."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    beta = rng.normal(scale=0.3, size=p)
    t_event = rng.exponential(np.exp(-(x @ beta)))
    t_cens = rng.exponential(2.0, n)
    time_ = np.minimum(t_event, t_cens)
    event = (t_event <= t_cens).astype(np.int8)
    if days:
        time_ = np.ceil(time_ * 365.0)
    return time_, event, x


def cox_data(n: int, p: int, *, days: bool, seed: int = SEED):
    time_, event, x = cox_arrays(n, p, days=days, seed=seed)
    cov = [f"x{j}" for j in range(p)]
    data = {"time": time_, "event": event, **{c: np.ascontiguousarray(x[:, j])
                                                for j, c in enumerate(cov)}}
    return data, cov


def logistic_data(n: int, p: int, seed: int = SEED):
    """``p`` covariates (half normal, half 0/1) and a treatment drawn from a logistic model."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, p // 2:] = (x[:, p // 2:] > 0.3).astype(float)
    beta = rng.normal(scale=0.4, size=p)
    t = (rng.random(n) < 1 / (1 + np.exp(-(x @ beta - 0.2)))).astype(float)
    return x, t


def survival_days(n: int, seed: int = SEED):
    """Exponential times (mean 365 days) rounded up to days, ~70 % events, two groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n).astype(np.int8)
    t = rng.exponential(365.0 * np.where(group == 1, 1.2, 1.0))
    c = rng.exponential(365.0 / 0.43, n)
    time_ = np.ceil(np.minimum(t, c)).astype(np.int64)
    event = (t <= c).astype(np.int8)
    return time_, event, group
