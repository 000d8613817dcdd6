"""Score and information of the Efron/Breslow engine against a naive O(n^2) implementation.

The naive version loops over the distinct death times and, within a tie group of ``d``
deaths, over Efron's ``d`` terms, forming each risk set's sums directly from its rows
(Therneau & Grambsch 2000, sec. 3.3). Random data with heavy ties and case weights, not a
study; the engine's blocked cumulative sums and BLAS ``syrk`` Gram terms must agree to
rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from retrostudy.stats._cox_fit import evaluate, prepare, sort_order


def naive_efron(beta, time, event, x, w, efron=True):
    """Log partial likelihood, score and information by direct sums over risk sets."""
    p = x.shape[1]
    r = w * np.exp(x @ beta)
    loglik, u, imat = 0.0, np.zeros(p), np.zeros((p, p))
    for t in np.unique(time[event == 1]):
        dead = (time == t) & (event == 1)
        risk = time >= t
        d = int(dead.sum())
        wbar = w[dead].sum() / d
        s0, s1 = r[risk].sum(), r[risk] @ x[risk]
        s2 = (x[risk] * r[risk, None]).T @ x[risk]
        d0, d1 = r[dead].sum(), r[dead] @ x[dead]
        d2 = (x[dead] * r[dead, None]).T @ x[dead]
        loglik += float(w[dead] @ (x[dead] @ beta))
        u += w[dead] @ x[dead]
        for k in range(d):
            f = k / d if efron else 0.0
            den = s0 - f * d0
            mean = (s1 - f * d1) / den
            loglik -= wbar * np.log(den)
            u -= wbar * mean
            imat += wbar * ((s2 - f * d2) / den - np.outer(mean, mean))
    return loglik, u, imat


@pytest.mark.parametrize("efron", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_score_and_information_against_naive(seed, efron):
    rng = np.random.default_rng(seed)
    n, p = 300, 4
    x = rng.normal(size=(n, p))
    x[:, 3] = rng.integers(0, 2, n)
    time = rng.integers(1, 25, n).astype(float)  # heavy ties
    event = (rng.random(n) < 0.7).astype(np.int8)
    w = rng.integers(1, 4, n).astype(float)
    beta = rng.normal(scale=0.4, size=p)
    strata = np.zeros(n, np.int64)
    order = sort_order(time, strata)
    xs = np.asfortranarray(x[order])
    sd = prepare(time, event, xs, w, strata, order, efron=efron)
    terms = evaluate(beta, sd)
    xc = x - sd.means  # the engine centres the columns; the likelihood is shift-invariant
    loglik, u, imat = naive_efron(beta, time, event, xc, w, efron)
    np.testing.assert_allclose(terms.loglik, loglik, rtol=1e-11)
    np.testing.assert_allclose(terms.u, u, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(terms.imat, imat, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(terms.imat, terms.imat.T, rtol=1e-14, atol=1e-12)
