"""Binomial confidence intervals and standardised differences for Table 1 and response rates.

- ``binom_ci``: Clopper-Pearson (R's ``binom.test``) and Wilson score intervals (R's
  ``prop.test``, with or without its continuity correction).
- ``smd`` and ``smd_table``: standardised mean differences by the definitions of R's
  ``tableone`` (Yang & Dalton 2012), the balance measure printed next to Table-1 p-values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from retrostudy.stats._types import ArrayLike
from retrostudy.stats.contingency import check_table
from retrostudy.stats.ranks import check_sample

_CI_METHODS = ("clopper-pearson", "wilson", "wilson-cc")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProportionCI:
    estimate: float
    conf_low: float
    conf_high: float
    method: str  # "clopper-pearson", "wilson" or "wilson-cc"
    conf_level: float
    x: int
    n: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardisedDifference:
    estimate: float
    method: str  # "continuous" or "categorical"
    pairs: np.ndarray  # categorical: one SMD per pair of groups (1, 2), (1, 3), ..., (2, 3), ...


def _whole(name: str, value) -> int:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if not math.isfinite(v) or v != round(v):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(v)


def binom_ci(
    x: int, n: int, conf_level: float = 0.95, method: str = "clopper-pearson"
) -> ProportionCI:
    r"""Two-sided confidence interval for a binomial proportion x / n.

    Parameters
    ----------
    x : int
        Number of successes (e.g. responders), 0 <= x <= n.
    n : int
        Number of trials (patients), n >= 1.
    conf_level : float, default 0.95
    method : {"clopper-pearson", "wilson", "wilson-cc"}
        "clopper-pearson" is R's ``binom.test``; "wilson" is R's
        ``prop.test(correct = FALSE)``; "wilson-cc" is R's ``prop.test()`` default.

    Returns
    -------
    ProportionCI

    Notes
    -----
    Clopper-Pearson, :math:`\alpha = (1 - \text{conf\_level})/2`: lower
    :math:`B^{-1}(\alpha; x, n - x + 1)` (0 if x = 0), upper
    :math:`B^{-1}(1 - \alpha; x + 1, n - x)` (1 if x = n).

    Wilson, :math:`\hat p = x/n`, z the :math:`1-\alpha` normal quantile, and
    :math:`p_c = \hat p \pm Y/n`:

    .. math:: \frac{p_c + \frac{z^2}{2n} \pm z \sqrt{\frac{p_c(1-p_c)}{n} +
              \frac{z^2}{4n^2}}}{1 + z^2/n}

    with Y = 0 ("wilson") or, as R's ``prop.test``, :math:`Y = \min(0.5, |x - n/2|)`
    ("wilson-cc"; R caps the correction by the distance from its default null p = 0.5, so
    x = n/2 gets no correction). A limit is 0 (1) when :math:`p_c` reaches 0 (1).

    References
    ----------
    Clopper CJ, Pearson ES. Biometrika 1934;26:404-13. Wilson EB. J Am Stat Assoc
    1927;22:209-12. Newcombe RG. Stat Med 1998;17:857-72 (methods 3 and 4).

    Examples
    --------
    The seed's TRR in the Tmab/Pmab group, 2 of 18:

    >>> ci = binom_ci(2, 18)
    >>> round(ci.estimate, 4), round(ci.conf_low, 4), round(ci.conf_high, 4)
    (0.1111, 0.0138, 0.3471)
    """
    x, n = _whole("x", x), _whole("n", n)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= x <= n:
        raise ValueError(f"x must be between 0 and n = {n}, got {x}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    if method not in _CI_METHODS:
        raise ValueError(f"method must be one of {_CI_METHODS}, got {method!r}")
    yates = min(0.5, abs(x - n / 2)) if method == "wilson-cc" else 0.0
    if yates > 0:
        low, high = _wilson_cc(x, n, float(stats.norm.ppf(1 - (1 - conf_level) / 2)), yates)
    else:
        # scipy's exact (Clopper-Pearson) and Wilson intervals are R's binom.test and
        # prop.test(correct = FALSE); its "wilsoncc" always corrects by 0.5 where R caps
        # the correction, so only the corrected interval is computed here.
        scipy_method = "exact" if method == "clopper-pearson" else "wilson"
        ci = stats.binomtest(x, n).proportion_ci(confidence_level=conf_level, method=scipy_method)
        low, high = max(float(ci.low), 0.0), min(float(ci.high), 1.0)
    return ProportionCI(
        estimate=x / n, conf_low=low, conf_high=high, method=method,
        conf_level=float(conf_level), x=x, n=n,
    )


def _wilson_cc(x: int, n: int, z: float, yates: float) -> tuple[float, float]:
    """R's ``prop.test`` interval: Wilson with Yates' correction ``yates`` (capped by caller)."""
    z22n = z**2 / (2 * n)

    def limit(pc: float, sign: float) -> float:
        return (pc + z22n + sign * z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (
            1 + 2 * z22n
        )

    pc_high, pc_low = x / n + yates / n, x / n - yates / n
    high = 1.0 if pc_high >= 1 else limit(pc_high, 1.0)
    low = 0.0 if pc_low <= 0 else limit(pc_low, -1.0)
    return max(low, 0.0), min(high, 1.0)


def smd(x: ArrayLike, y: ArrayLike) -> StandardisedDifference:
    r"""Standardised mean difference of a continuous variable between two groups.

    Parameters
    ----------
    x, y : array_like
        The values in group 1 and group 2 (finite; at least 2 each).

    Returns
    -------
    StandardisedDifference
        ``estimate`` = :math:`(\bar x - \bar y) / \sqrt{(s_x^2 + s_y^2)/2}` with sample
        variances (n - 1). Signed (x minus y); tableone prints its absolute value. NaN when
        both variances are 0.

    Notes
    -----
    The definition of R's ``tableone`` (``StdDiff``) and of ``cobalt``'s default pooled
    standard deviation for two groups (Austin 2009). For more than two groups tableone
    prints the mean of the absolute pairwise values; call ``smd`` per pair.

    References
    ----------
    Austin PC. Balance diagnostics for comparing the distribution of baseline covariates
    between treatment groups in propensity-score matched samples. Stat Med 2009;28:3083-107.

    Examples
    --------
    >>> round(smd([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]).estimate, 4)
    -1.0
    """
    x, y = check_sample("x", x), check_sample("y", y)
    for name, v in (("x", x), ("y", y)):
        if v.size < 2:
            raise ValueError(f"{name} needs at least 2 values for a standard deviation")
    denom = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    diff = float(x.mean() - y.mean())
    est = diff / denom if denom > 0 else float("nan")
    return StandardisedDifference(estimate=est, method="continuous", pairs=np.array([est]))


def smd_table(table: ArrayLike) -> StandardisedDifference:
    r"""Standardised difference of a categorical variable between groups.

    Parameters
    ----------
    table : array_like of int, shape (g, k)
        Counts, one row per group and one column per level (g >= 2, k >= 2); every group
        needs at least one observation.

    Returns
    -------
    StandardisedDifference
        ``estimate`` (>= 0): for two groups the value below; for more, the mean over the
        ``pairs`` of groups, as tableone prints.

    Notes
    -----
    With level proportions :math:`p_1, p_2` of the two groups, the first level dropped,
    :math:`T = p_1 - p_2` and :math:`S = (S_1 + S_2)/2`, :math:`S_g = \mathrm{diag}(p_g) -
    p_g p_g^\top` (multinomial covariance),

    .. math:: \mathrm{SMD} = \sqrt{T^\top S^{-} T},

    :math:`S^{-}` the Moore-Penrose inverse with R ``MASS::ginv``'s tolerance
    (:math:`\sqrt{\epsilon}` times the largest singular value), so a level empty in both
    groups is harmless. For a binary variable it is
    :math:`|p_1 - p_2| / \sqrt{(p_1(1-p_1) + p_2(1-p_2))/2}`. This is tableone's
    ``StdDiffMulti``; cobalt reports the raw difference in proportions for binary
    variables by default, so its numbers differ.

    References
    ----------
    Yang D, Dalton JE. A unified approach to measuring the effect size between two groups
    using SAS. SAS Global Forum 2012, paper 335.

    Examples
    --------
    The seed's ECOG 0/1/2 rows (13, 5, 0 vs 13, 10, 1):

    >>> round(smd_table([[13, 5, 0], [13, 10, 1]]).estimate, 4)
    0.4472
    """
    counts = check_table(table).astype(float)
    totals = counts.sum(axis=1)
    if (totals == 0).any():
        g = int(np.flatnonzero(totals == 0)[0]) + 1
        raise ValueError(f"table row {g} (a group) has no observations")
    props = counts / totals[:, None]
    i, j = np.triu_indices(props.shape[0], k=1)
    p1, p2 = props[i, 1:], props[j, 1:]  # (pairs, k - 1), first level dropped
    cov = (_multinomial_cov(p1) + _multinomial_cov(p2)) / 2
    t = p1 - p2
    inv = np.linalg.pinv(cov, rtol=np.sqrt(np.finfo(float).eps), hermitian=True)
    quad = np.einsum("pi,pij,pj->p", t, inv, t)
    pairs = np.sqrt(np.maximum(quad, 0.0))
    return StandardisedDifference(
        estimate=float(pairs.mean()), method="categorical", pairs=pairs
    )


def _multinomial_cov(p: np.ndarray) -> np.ndarray:
    """diag(p) - p p^T for each row of p, shape (pairs, k, k)."""
    return np.einsum("pi,ij->pij", p, np.eye(p.shape[1])) - p[:, :, None] * p[:, None, :]
