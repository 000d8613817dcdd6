"""R's ``ties="exact"`` partial likelihood (the discrete / conditional-logistic likelihood).

For a tie group with ``d`` deaths among the ``m`` subjects at risk, the contribution is

    ``sum_{deaths} eta_j - log B(d, m)``,  ``B(k, m) = sum over k-subsets of {1..m} of prod r_j``

with ``r_j = exp(eta_j)``. ``B`` obeys ``B(k, j) = B(k, j-1) + r_j B(k-1, j-1)`` (Gail, Lubin &
Rubinstein, Biometrika 1981;68:703), so for each ``k`` the whole row ``B(k, .)`` is one
cumulative sum of ``r * B(k-1, .)`` shifted by one. The first and second derivatives obey
the same recursion with the product rule. The loop is over tie groups and over ``k``; each
step is vectorised over the risk set. R: ``coxph(..., ties="exact")`` (``src/coxexact.c``).
Case weights are not part of this likelihood and are rejected by the front end.
"""

from __future__ import annotations

import numpy as np

from ._cox_fit import Sorted, Terms


def _shifted(a: np.ndarray, first) -> np.ndarray:
    """``a`` moved down one position along axis 0, ``first`` in position 0."""
    out = np.empty_like(a)
    out[0] = first
    out[1:] = a[:-1]
    return out


def _group_terms(x: np.ndarray, eta: np.ndarray, d: int):
    """log B(d, m), dB/B and d2B/B for one risk set (rows of x, eta)."""
    shift = eta.max()
    r = np.exp(eta - shift)
    m, p = x.shape
    b = np.ones(m)
    db = np.zeros((m, p))
    d2b = np.zeros((m, p, p))
    xx = x[:, :, None] * x[:, None, :]
    for k in range(1, d + 1):
        first = 1.0 if k == 1 else 0.0
        bs, dbs, d2bs = _shifted(b, first), _shifted(db, 0.0), _shifted(d2b, 0.0)
        cross = x[:, :, None] * dbs[:, None, :]
        d2b = np.cumsum(r[:, None, None] * (xx * bs[:, None, None] + cross
                                              + cross.transpose(0, 2, 1) + d2bs), axis=0)
        db = np.cumsum(r[:, None] * (x * bs[:, None] + dbs), axis=0)
        b = np.cumsum(r * bs)
    total, g1, g2 = b[-1], db[-1] / b[-1], d2b[-1] / b[-1]
    return np.log(total) + d * shift, g1, g2


def evaluate_exact(beta: np.ndarray, sd: Sorted, *, info: bool = True) -> Terms:
    """Exact partial likelihood, score and information at ``beta`` (sorted data)."""
    eta = sd.x @ beta
    p = beta.size
    loglik = float(eta[sd.dead].sum())
    u = sd.x[sd.dead].sum(axis=0)
    imat = np.zeros((p, p))
    n = sd.x.shape[0]
    bounds = np.append(sd.starts, n)
    for g in np.flatnonzero(sd.nd):
        lo = sd.starts[sd.sfirst[sd.gstrat[g]]]
        hi = bounds[g + 1]
        logb, mean, second = _group_terms(sd.x[lo:hi], eta[lo:hi], int(sd.nd[g]))
        loglik -= logb
        u = u - mean
        imat += second - np.outer(mean, mean)
    empty = np.zeros(0)
    return Terms(loglik, u, imat, np.exp(eta), empty, np.zeros((0, p)), empty)
