"""Rank tests for continuous Table-1 rows, as R computes them.

- ``wilcoxon_test`` is R's two-sample ``wilcox.test(x, y)`` (Wilcoxon rank-sum /
  Mann-Whitney), with R's rule for exact versus normal p-values. scipy's ``mannwhitneyu``
  default uses the exact null only when min(n) <= 8, so with the seed's 18 vs 24 patients it
  gives a different p-value (docs/sources.md, "Statistical conventions").
- ``kruskal_test`` is R's ``kruskal.test`` with the tie correction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from retrostudy.stats._checks import check_finite
from retrostudy.stats._types import ArrayLike

_ALTERNATIVES = ("two.sided", "less", "greater")


@dataclass(frozen=True, slots=True, kw_only=True)
class WilcoxonResult:
    statistic: float  # R's W: rank sum of x minus n_x (n_x + 1) / 2
    p_value: float
    method: str
    alternative: str
    exact: bool  # exact null distribution used (else normal approximation)
    correct: bool  # continuity correction applied (normal approximation only)
    n_x: int
    n_y: int
    ties: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class KruskalResult:
    statistic: float
    df: int
    p_value: float
    method: str
    n: tuple[int, ...]  # sample sizes, in the order given
    ties: bool


def check_sample(name: str, values) -> np.ndarray:
    """One sample: one-dimensional, numeric, non-empty, finite."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got values of type {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; each sample needs at least one value")
    return check_finite(name, arr.astype(float), "remove them before testing, as R does")


def wilcoxon_test(
    x: ArrayLike,
    y: ArrayLike,
    exact: bool | None = None,
    correct: bool = True,
    alternative: str = "two.sided",
) -> WilcoxonResult:
    r"""Wilcoxon rank-sum (Mann-Whitney) test, as R's two-sample ``wilcox.test``.

    Parameters
    ----------
    x, y : array_like
        The two samples; finite numbers.
    exact : bool or None
        None (R's default): exact when both samples have fewer than 50 values and there are
        no ties. True with ties falls back to the normal approximation with a warning, as R.
    correct : bool, default True
        Continuity correction of the normal approximation.
    alternative : {"two.sided", "less", "greater"}
        "greater" means x tends to be larger than y.

    Returns
    -------
    WilcoxonResult
        ``statistic`` W, ``p_value``, ``method`` (R's wording) and what was used.

    Notes
    -----
    :math:`W = \sum_{i \in x} \mathrm{rank}_i - n_x(n_x+1)/2` with mid-ranks for ties.
    Exact: the null distribution of W counts the :math:`\binom{n_x+n_y}{n_x}` equally likely
    rank sets (recursion :math:`f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)`); two-sided
    :math:`p = \min(1, 2 \min(P(W \le w), P(W \ge w)))` with the tail on the side of
    :math:`n_x n_y / 2` that :math:`w` lies on, as R. Normal:
    :math:`z = (W - n_x n_y/2 - c)/\sigma`, :math:`\sigma^2 = \frac{n_x n_y}{12}\left(N + 1 -
    \frac{\sum (t^3 - t)}{N(N-1)}\right)` over tie group sizes t, and c = sign(.)/2
    (two-sided), 1/2 (greater) or -1/2 (less) when corrected.

    R equivalent: ``wilcox.test(x, y, exact = exact, correct = correct)``.

    References
    ----------
    Hollander M, Wolfe DA. Nonparametric Statistical Methods. 2nd ed. Wiley, 1999, ch. 4.

    Examples
    --------
    >>> r = wilcoxon_test([3.1, 0.4, 2.2], [5.0, 4.1, 1.7, 6.3])
    >>> r.statistic, round(r.p_value, 4), r.method
    (2.0, 0.2286, 'Wilcoxon rank sum exact test')
    """
    x, y = check_sample("x", x), check_sample("y", y)
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    nx, ny = x.size, y.size
    ranks = stats.rankdata(np.concatenate((x, y)))
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2)
    _, tie_sizes = np.unique(ranks, return_counts=True)
    if tie_sizes.size == 1:  # R returns NaN here (zero variance)
        raise ValueError("all observations are equal, so the Wilcoxon test is undefined")
    ties = bool((tie_sizes > 1).any())
    use_exact = (nx < 50 and ny < 50) if exact is None else bool(exact)
    if use_exact and ties:
        if exact:
            warnings.warn("cannot compute exact p-value with ties", UserWarning, stacklevel=2)
        use_exact = False
    if use_exact:
        p = _exact_p(w, nx, ny, alternative)
        method, correct_used = "Wilcoxon rank sum exact test", False
    else:
        p = _normal_p(w, nx, ny, tie_sizes, alternative, correct)
        correct_used = bool(correct)
        method = "Wilcoxon rank sum test" + (" with continuity correction" if correct else "")
    return WilcoxonResult(
        statistic=w, p_value=p, method=method, alternative=alternative, exact=use_exact,
        correct=correct_used, n_x=nx, n_y=ny, ties=ties,
    )


def wilcoxon_null_counts(nx: int, ny: int) -> np.ndarray:
    """Number of rank arrangements giving W = 0, 1, ..., nx * ny (no ties).

    Builds f(m, n', .) for n' = 1..ny from f(m, n', u) = f(m - 1, n', u - n') +
    f(m, n' - 1, u): the largest value is from x (it beats all n' y's) or from y.
    Counts are float64, exact up to 2**53 and correctly rounded sums beyond.
    """
    f = np.zeros((nx + 1, nx * ny + 1))
    f[:, 0] = 1.0  # n' = 0: every m has one arrangement, W = 0
    for n_ in range(1, ny + 1):
        for m in range(1, nx + 1):  # row m - 1 already holds n' (sequential in m)
            f[m, n_:] += f[m - 1, :-n_]
    return f[nx]


def _exact_p(w: float, nx: int, ny: int, alternative: str) -> float:
    counts = wilcoxon_null_counts(nx, ny)
    total = counts.sum()
    k = int(round(w))
    lower = counts[: k + 1].sum() / total  # P(W <= w)
    upper = counts[k:].sum() / total  # P(W >= w)
    if alternative == "less":
        return float(lower)
    if alternative == "greater":
        return float(upper)
    p = upper if w > nx * ny / 2 else lower
    return float(min(1.0, 2 * p))


def _normal_p(w, nx, ny, tie_sizes, alternative, correct) -> float:
    n = nx + ny
    z = w - nx * ny / 2
    t = tie_sizes.astype(float)
    sigma = np.sqrt(nx * ny / 12 * ((n + 1) - np.sum(t**3 - t) / (n * (n - 1))))
    if correct:
        z -= {"two.sided": np.sign(z) * 0.5, "greater": 0.5, "less": -0.5}[alternative]
    z /= sigma
    if alternative == "less":
        return float(stats.norm.cdf(z))
    if alternative == "greater":
        return float(stats.norm.sf(z))
    return float(2 * min(stats.norm.cdf(z), stats.norm.sf(z)))


def kruskal_test(*samples: ArrayLike) -> KruskalResult:
    r"""Kruskal-Wallis rank-sum test, as R's ``kruskal.test``.

    Parameters
    ----------
    *samples : array_like
        Two or more samples (one per group); finite numbers.

    Returns
    -------
    KruskalResult
        ``statistic`` H, ``df`` = k - 1, ``p_value`` from the chi-square distribution.

    Notes
    -----
    .. math:: H = \frac{\frac{12}{N(N+1)} \sum_g R_g^2 / n_g - 3(N+1)}
                       {1 - \sum (t^3 - t)/(N^3 - N)}

    with mid-ranks, rank sums :math:`R_g` and tie group sizes t. With two groups it is the
    uncorrected normal-approximation Wilcoxon test squared.

    R equivalent: ``kruskal.test(list(...))``.

    References
    ----------
    Kruskal WH, Wallis WA. Use of ranks in one-criterion variance analysis. J Am Stat Assoc
    1952;47:583-621.

    Examples
    --------
    >>> r = kruskal_test([2, 4, 4, 5, 7], [1, 3, 4, 4, 6, 8], [5, 5, 7, 9])
    >>> r.df, round(r.statistic, 4)
    (2, 3.1997)
    """
    if len(samples) < 2:
        raise ValueError(f"kruskal_test needs at least 2 samples (groups), got {len(samples)}")
    arrays = [check_sample(f"samples[{i}]", s) for i, s in enumerate(samples)]
    sizes = np.array([a.size for a in arrays])
    values = np.concatenate(arrays)
    n = values.size
    ranks = stats.rankdata(values)
    _, tie_sizes = np.unique(values, return_counts=True)
    if tie_sizes.size == 1:
        raise ValueError("all observations are equal, so the Kruskal-Wallis test is undefined")
    group = np.repeat(np.arange(sizes.size), sizes)
    rank_sums = np.bincount(group, weights=ranks)
    t = tie_sizes.astype(float)
    h = (12 * np.sum(rank_sums**2 / sizes) / (n * (n + 1)) - 3 * (n + 1)) / (
        1 - np.sum(t**3 - t) / (n**3 - n)
    )
    df = sizes.size - 1
    return KruskalResult(
        statistic=float(h), df=df, p_value=float(stats.chi2.sf(h, df)),
        method="Kruskal-Wallis rank sum test", n=tuple(int(s) for s in sizes),
        ties=bool((tie_sizes > 1).any()),
    )
