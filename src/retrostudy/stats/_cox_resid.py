"""Score residuals and the robust (sandwich) variance of the Cox model.

Score residual of row i (per unit case weight), for Efron's terms ``k`` of tie group ``g``
with hazard increment ``h_gk = (W_g/d_g) / den_gk`` and mean ``m_gk``:

    ``L_i = delta_i (x_i - mbar_g(i)) - exp(eta_i) sum_{g at risk} sum_k c_ik h_gk (x_i - m_gk)``

where ``mbar_g`` is the average of the ``d_g`` term means and ``c_ik`` is 1 for a subject
still at risk after the tie and ``1 - k/d`` for one of the tied deaths (Efron's fractional
presence; 1 for Breslow). ``sum_i w_i L_i`` is the score ``U``. This is
``residuals(fit, type="score")`` of R's survival (``src/coxscore2.c``).

Robust variance (Lin & Wei, JASA 1989;84:1074): ``D = diag(w) L V`` ("dfbeta" residuals),
summed within clusters, ``V_robust = D' D``. R switches to it for ``cluster()``,
``robust=TRUE`` or non-integer weights, and then also prints a robust score test
``U0' (D0' D0)^-1 U0`` from the weighted score residuals at beta = 0.
"""

from __future__ import annotations

import numpy as np

from ._cox_fit import Sorted, Terms, at_risk_rows


def score_residuals(terms: Terms, sd: Sorted) -> np.ndarray:
    """Unweighted score residuals (n, p) in sorted row order."""
    dg, frac = sd.dgroup, sd.frac
    ngroups = sd.starts.size
    p = sd.x.shape[1]
    h = terms.wtave / terms.den
    hd = h * (1.0 - frac)

    def by_group(weights, mean=None):
        if mean is None:
            return np.bincount(dg, weights=weights, minlength=ngroups)
        out = np.zeros((ngroups, p))
        for j in range(p):
            out[:, j] = np.bincount(dg, weights=weights * mean[:, j], minlength=ngroups)
        return out

    hg, hdg = by_group(h), by_group(hd)
    mg, mdg = by_group(h, terms.mean), by_group(hd, terms.mean)
    a = at_risk_rows(hg, sd)  # with delayed entry, only the groups where the row is at risk
    b = at_risk_rows(mg, sd)
    dead = sd.dead
    a[dead] -= (hg - hdg)[dg]
    b[dead] -= (mg - mdg)[dg]
    risk = terms.risk / sd.w  # exp(eta)
    resid = -risk[:, None] * (sd.x * a[:, None] - b)
    nd = np.maximum(sd.nd, 1)
    mbar = by_group(np.ones(dead.size), terms.mean) / nd[:, None]
    resid[dead] += sd.x[dead] - mbar[dg]
    return resid


def collapse(values: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """Sum rows within clusters (``cluster`` holds codes 0..K-1 in the same row order)."""
    if cluster is None:
        return values
    k = int(cluster.max()) + 1
    out = np.empty((k, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(cluster, weights=values[:, j], minlength=k)
    return out


def robust_variance(terms: Terms, sd: Sorted, var: np.ndarray,
                    cluster: np.ndarray | None) -> np.ndarray:
    """Sandwich variance ``D' D`` with ``D`` the weighted dfbeta residuals by cluster."""
    dfbeta = collapse(score_residuals(terms, sd) * sd.w[:, None], cluster) @ var
    return dfbeta.T @ dfbeta


def robust_score(terms0: Terms, sd: Sorted, cluster: np.ndarray | None) -> float:
    """R's robust score test at beta = 0 (``fit$rscore``); NaN, as R gives, when the score
    residuals' cross-product is singular (e.g. every time tied and every record an event:
    all score residuals are 0)."""
    s = collapse(score_residuals(terms0, sd) * sd.w[:, None], cluster)
    u = s.sum(axis=0)
    try:
        return float(u @ np.linalg.solve(s.T @ s, u))
    except np.linalg.LinAlgError:
        return float("nan")
