r"""Variance estimators for the Kaplan–Meier curve.

Greenwood (R's default for unweighted or integer-weighted data) on the log scale:

.. math:: \mathrm{Var}\{\log \hat S(t_j)\} = A_j = \sum_{k \le j} \frac{d_k}{Y_k (Y_k - d_k)}.

Infinitesimal jackknife (R's default when a case weight is not an integer; R's
``survfit(robust=TRUE)``): the derivative of :math:`\log \hat S(t_j)` with respect to the
weight of record i is :math:`-(\delta_i c_k - A_k)` for a record ending at
:math:`t_k \le t_j` (:math:`c_k = 1/(Y_k - d_k)`, :math:`\delta_i` its event indicator) and
:math:`A_j` for a record still at risk after :math:`t_j`. Summing the squared,
weight-scaled derivatives by time gives, with :math:`D^{(2)}_k, C^{(2)}_k` the sums of
squared weights of events and censorings at :math:`t_k` and :math:`R^{(2)}_j` that of the
records with time :math:`> t_j`,

.. math:: \mathrm{Var}\{\hat S(t_j)\} = \hat S(t_j)^2 \Big[\sum_{k \le j}
          \{D^{(2)}_k (c_k - A_k)^2 + C^{(2)}_k A_k^2\} + R^{(2)}_j A_j^2\Big],

one cumulative sum, no loop over records. Where S = 0 the derivative is 0 (R reports 0).
"""

from __future__ import annotations

import numpy as np

from retrostudy.stats._km_core import CountTable


def greenwood(y: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Standard error of log S(t) (R's ``fit$std.err``); infinite once S reaches 0."""
    term = np.subtract(y, d, dtype=float)  # one buffer, updated in place
    term *= y
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(d, term, out=term)  # y > 0 always; y == d > 0 gives inf, as R
    np.cumsum(term, out=term)
    return np.sqrt(term, out=term)


def infinitesimal_jackknife(table: CountTable, y: np.ndarray, surv: np.ndarray) -> np.ndarray:
    """Robust standard error of S(t) on the survival scale (R ``survfit(robust=TRUE)``)."""
    d = table.events[:, 0]
    assert table.events_w2 is not None and table.censored_w2 is not None, "needs squares=True"
    d2, c2 = table.events_w2[:, 0], table.censored_w2[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = 1.0 / (y - d)
        a = np.cumsum(np.where(d > 0, d * c / y, 0.0))
        ended = np.cumsum(np.where(d2 > 0, d2 * (c - a) ** 2, 0.0) + c2 * a**2)
        w2_total = d2 + c2
        later = np.cumsum(w2_total[::-1])[::-1] - w2_total  # records with time > t_j
        var = surv**2 * (ended + later * a**2)
    return np.where(surv == 0, 0.0, np.sqrt(var))
