"""Cox fits are computed in row blocks; a tie group spanning a block boundary at the end of
the sorted data (the smallest times, tied) must not break them (it did, at 265k rows)."""

import numpy as np
import pytest

from retrostudy.stats import _cox_fit
from retrostudy.stats.cox import cox_ph


def _data():
    rng = np.random.default_rng(7)
    n_distinct, n_tied = 3000, 1500  # sorted by time descending: the tied block comes last
    time = np.concatenate([10.0 + rng.permutation(n_distinct), np.full(n_tied, 1.0)])
    event = rng.integers(0, 2, time.size)
    x = rng.normal(size=time.size) + 0.3 * event
    return {"t": time, "e": event, "x": x}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_blocked_fit_equals_one_block_when_the_last_tie_group_spans_blocks(monkeypatch, ties):
    data = _data()
    whole = cox_ph(data, time="t", event="e", covariates=["x"], ties=ties)
    monkeypatch.setattr(_cox_fit, "_CHUNK", 1024)  # block starts inside the last tie group
    blocked = cox_ph(data, time="t", event="e", covariates=["x"], ties=ties)
    np.testing.assert_allclose(blocked.coef, whole.coef, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(blocked.var, whole.var, rtol=1e-10, atol=1e-14)
    assert blocked.loglik == pytest.approx(whole.loglik, rel=1e-12)
