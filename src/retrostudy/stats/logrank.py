"""Log-rank and G-rho tests for k >= 2 groups, optionally stratified: R's ``survdiff``.

R equivalent: ``survival::survdiff(Surv(time, event) ~ group + strata(s), rho=)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import chdtrc

from retrostudy.stats import _display
from retrostudy.stats._km_core import CountTable, count_table, factorize, validate_time_event
from retrostudy.stats._types import ArrayLike

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LogRank", "logrank_test"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LogRank:
    """Result of :func:`logrank_test`; per-group arrays follow ``groups``.

    ``observed`` and ``expected`` are summed over strata (weighted by S(t-)^rho, so not
    integers when rho > 0); ``variance`` is the k x k covariance of observed - expected.

    ``not_estimable`` is None when the test exists, else the reason it does not; then
    ``statistic`` is 0 (as R's ``survdiff`` reports it), ``df`` 0 and ``p_value`` NaN:
    no events at all (R: chisq 0 on -1 df, p NA), events only where a single group is at
    risk (R: chisq 0 on 0 df, ``pchisq`` gives p 1, which tests nothing) or a singular
    variance (R stops: "system is exactly singular").
    """

    statistic: float
    df: int
    p_value: float
    groups: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    rho: float
    n: np.ndarray
    n_strata: int
    timefix: bool
    not_estimable: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per group: ``group, n, observed, expected`` (R's ``survdiff`` table;
        observed and expected summed over strata). Needs pandas."""
        return _display.frame({"group": self.groups, "n": self.n, "observed": self.observed,
                               "expected": self.expected})

    def _repr_html_(self) -> str:
        test = "log-rank" if self.rho == 0 else f"G-rho (rho = {self.rho:g})"
        notes = [f"{test} test: chi-square {_display.cell(self.statistic)} on {self.df} df, "
                 f"p = {_display.cell(self.p_value)}"
                 + (f" (stratified, {self.n_strata} strata)" if self.n_strata > 1 else "")]
        if self.not_estimable:
            notes.append(f"not estimable: {self.not_estimable}")
        rows = list(zip(self.groups.tolist(), self.n.tolist(), self.observed.tolist(),
                        self.expected.tolist(), strict=True))
        return _display.html_table("Log-rank test", ("group", "n", "observed", "expected"),
                                   rows, notes)


def _codes(time, event, group, strata):
    """Validated time and event, group levels, cell code (stratum * k + group), number of strata."""
    t, e = validate_time_event(time, event, defer_sign=True)
    n = t.shape[0]
    levels, g = factorize("group", group, n)
    check_groups(levels)
    if strata is None:
        return t, e, levels, g, 1
    s_levels, s = factorize("strata", strata, n)
    cell = np.multiply(s, levels.shape[0], dtype=np.intp)
    cell += g
    return t, e, levels, cell, s_levels.shape[0]


def _left_km(y: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Pooled Kaplan–Meier just before each time of a stratum, S(t-)."""
    step = np.zeros(y.shape[0])
    np.divide(d, y, out=step, where=y > 0)  # no one at risk: a factor 1
    np.subtract(1.0, step, out=step)
    np.cumprod(step, out=step)
    return np.concatenate(([1.0], step[:-1]))


def _survdiff(y: np.ndarray, d: np.ndarray, n_strata: int, k: int, rho: float):
    """Observed, expected and variance from at-risk and event counts (time x cell).

    ``y`` (float) and ``d`` have one contiguous column per cell ``stratum * k + group``.
    Written as weighted sums over the times of each stratum, ``E = Y c1`` and
    ``V = diag(Y c2) - Y diag(c3) Y'`` with per-time weights ``c1 = w d / Y``,
    ``c2 = w^2 d (Y - d) / ((Y - 1) Y)`` and ``c3 = c2 / Y``, so that the work is a few
    matrix-vector products on the columns as they are (no gathering); times without an
    event in the stratum have zero weight. The products use :func:`numpy.einsum`, not
    BLAS: a multithreaded BLAS call leaves its worker threads spinning, which costs a
    second core's CPU time during whatever runs next.
    """
    observed, expected, variance = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for s in range(n_strata):
        cols = range(s * k, (s + 1) * k)
        ys = y[:, cols[0] : cols[-1] + 1].T  # (k, m), rows contiguous
        d_all = np.add(d[:, cols[0]], d[:, cols[1]], dtype=float)
        y_all = np.add(ys[0], ys[1])
        for c in cols[2:]:
            d_all += d[:, c]
            y_all += ys[c - cols[0]]
        wt = _left_km(y_all, d_all) ** rho if rho != 0 else None
        # Four time-length buffers in all: d_all (becomes c1), y_all, hyper (becomes c3),
        # denom (reused for the products below).
        hyper = np.subtract(y_all, d_all)
        hyper *= d_all
        denom = y_all - 1.0
        np.maximum(denom, 1.0, out=denom)  # Y <= 1: d (Y - d) = 0, and R uses 0
        hyper /= denom
        # after a stratum's last time nobody in it is at risk (and d = 0): weight 0
        where = True if n_strata == 1 else y_all > 0
        c1 = d_all if wt is None else np.multiply(wt, d_all, out=d_all)
        np.divide(c1, y_all, out=c1, where=where)
        if wt is not None:
            hyper *= wt * wt
        c3 = hyper  # c2 / Y = w^2 d (Y - d) / ((Y - 1) Y^2)
        np.divide(c3, y_all, out=c3, where=where)
        np.divide(c3, y_all, out=c3, where=where)
        expected += np.einsum("gm,m->g", ys, c1)
        # V_gh = -sum c3 Y_g Y_h off the diagonal; each row sums to 0 (c3 Y = c2), so
        # V_gg = sum c3 Y_g (Y - Y_g): no cancellation, one product less.
        cov = np.zeros((k, k))
        for g in range(k - 1):
            np.multiply(ys[g], c3, out=denom)
            cov[g, g + 1 :] = np.einsum("hm,m->h", ys[g + 1 :], denom)
        cov += cov.T
        diag = cov.sum(axis=1)
        cov = -cov
        cov[np.diag_indices(k)] = diag
        variance += cov
        if wt is not None:
            for g, c in enumerate(cols):
                observed[g] += np.einsum("m,m->", wt, d[:, c].astype(float))
    if rho == 0:
        for g in range(k):
            observed[g] = sum(int(d[:, s * k + g].sum()) for s in range(n_strata))
    return observed, expected, variance


NO_EVENTS = "no events in any group (all censored); the log-rank test is not estimable"
ONE_GROUP_AT_RISK = (
    "events only at times where a single group is at risk (expected events > 0 in one "
    "group); the log-rank test is not estimable"
)
SINGULAR = (
    "the log-rank variance matrix is singular (no event time with more than one record at "
    "risk in two groups); the groups cannot be compared"
)


def _chisq(observed, expected, variance) -> tuple[float, int, str | None]:
    """Quadratic form on the groups with expected > 0, dropping the first (R survdiff);
    statistic 0 on 0 df with the reason when there is no test (see :class:`LogRank`)."""
    if not expected.any():  # no event time in any stratum
        return 0.0, 0, NO_EVENTS
    used = np.flatnonzero(expected > 0)
    df = used.shape[0] - 1
    if df < 1:
        return 0.0, 0, ONE_GROUP_AT_RISK
    keep = used[1:]
    diff = (observed - expected)[keep]
    v = variance[np.ix_(keep, keep)]
    try:
        solved = np.linalg.solve(v, diff)
    except np.linalg.LinAlgError:
        return 0.0, 0, SINGULAR  # R's survdiff stops ("system is exactly singular")
    return float(diff @ solved), int(df), None


def logrank_test(
    time: ArrayLike, event: ArrayLike, group: ArrayLike, *, strata: ArrayLike | None = None,
    rho: float = 0.0, timefix: bool = True
) -> LogRank:
    r"""Compare survival between groups with the G-rho family of tests (rho = 0: log-rank).

    Parameters
    ----------
    time, event : array_like
        Follow-up times (finite, >= 0) and event indicator (1 event, 0 censored).
    group : array_like
        Group labels; levels are sorted (numbers numerically, strings by code point; R
        sorts strings by locale, which can differ for mixed case).
    strata : array_like, optional
        Stratum labels: the test sums observed, expected and variance over strata.
    rho : float
        Weight exponent: each event time is weighted by :math:`\hat S(t-)^\rho`, the pooled
        Kaplan–Meier just before t within its stratum. ``rho=1`` is the Peto–Peto
        modification of the Gehan–Wilcoxon test.
    timefix : bool
        Merge times closer than sqrt(machine epsilon) as R's ``aeqSurv`` (R's default).

    Returns
    -------
    LogRank

    Notes
    -----
    At each event time with :math:`Y` at risk (:math:`Y_g` in group g) and :math:`d` events,
    :math:`O_g = \sum w d_g`, :math:`E_g = \sum w d Y_g / Y` and
    :math:`V_{gh} = \sum w^2 \frac{d (Y - d)}{Y - 1} \frac{Y_g}{Y}(\delta_{gh} - \frac{Y_h}{Y})`.
    The statistic is :math:`(O - E)^\top V^{-1} (O - E)` on the groups with
    :math:`E_g > 0` minus one, chi-square with that many degrees of freedom. Without a
    test (no events, one group at risk, singular variance) the result says why in
    ``not_estimable``, with p NaN, instead of raising.

    R equivalent: ``survdiff(Surv(time, event) ~ group + strata(s), rho=rho)``.

    References
    ----------
    Harrington DP, Fleming TR. Biometrika 1982;69:553-566. Peto R, Peto J. JRSS A 1972;135:185.

    Examples
    --------
    Freireich et al. (Blood 1963): remission times, 6-MP vs placebo (R: 16.8 on 1 df).

    >>> mp = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> mp_event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    >>> r = logrank_test(mp + placebo, mp_event + [1] * 21, ["6-MP"] * 21 + ["placebo"] * 21)
    >>> round(r.statistic, 2), r.df, r.groups.tolist()
    (16.79, 1, ['6-MP', 'placebo'])
    """
    rho = float(rho)
    if not np.isfinite(rho) or rho < 0:
        raise ValueError(f"rho must be finite and >= 0, got {rho}")
    t, e, levels, cell, n_strata = _codes(time, event, group, strata)
    k = levels.shape[0]
    table = count_table(t, e, cell=cell, k=n_strata * k, timefix=timefix)
    return from_table(table, levels, n_strata, rho, timefix)


def check_groups(levels: np.ndarray) -> None:
    if levels.shape[0] < 2:
        raise ValueError(
            f"group has a single level ({levels.tolist()[0]!r}); "
            "the log-rank test needs at least two groups"
        )


def from_table(table: CountTable, levels: np.ndarray, n_strata: int, rho: float,
               timefix: bool) -> LogRank:
    """The test from a count table whose columns are the cells ``stratum * k + group``
    (shared with :class:`retrostudy.stats.km_table.SurvivalTable`)."""
    k = levels.shape[0]
    y = table.at_risk(float)  # time x cell (stratum * k + group), contiguous columns
    observed, expected, variance = _survdiff(y, table.events, n_strata, k, rho)
    statistic, df, reason = _chisq(observed, expected, variance)
    # at risk at the first time: every record
    counts = y[0].astype(np.int64).reshape(n_strata, k).sum(axis=0)
    return LogRank(
        statistic=statistic,
        df=df,
        p_value=float("nan") if reason else float(chdtrc(df, statistic)),  # chi2.sf
        groups=levels,
        observed=observed,
        expected=expected,
        variance=variance,
        rho=rho,
        n=counts,
        n_strata=n_strata,
        timefix=timefix,
        not_estimable=reason,
    )
