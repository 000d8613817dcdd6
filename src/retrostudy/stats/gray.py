r"""Gray's K-sample test of cumulative incidence curves, as ``cmprsk::cuminc``'s ``Tests``.

R equivalent (cmprsk 2.2-11)::

    cuminc(ftime = time, fstatus = status, group = group, strata = strata,
           rho = rho, cencode = censor)$Tests[as.character(cause), ]

Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing
risk. Ann Stat 1988;16:1141-1154.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from retrostudy.stats._checks import check_labels, check_time
from retrostudy.stats._km_core import factorize
from retrostudy.stats._types import ArrayLike

__all__ = ["GrayTest", "gray_test", "status_codes"]

METHOD = "Gray (1988) K-sample test, cmprsk::cuminc"


@dataclass(frozen=True, slots=True, kw_only=True)
class GrayTest:
    """Gray's test for one cause: ``statistic`` ~ chi-square on ``df = len(groups) - 1``.

    ``groups`` are sorted as R's ``factor()`` sorts them (levels without records dropped).
    ``scores`` holds the weighted score of every group (they sum to 0); ``variance`` the
    covariance matrix of the first ``df`` of them, the ones cmprsk's quadratic form uses
    (``statistic = s' V^-1 s``, invariant to which group is left out). ``n_events`` counts the
    events of ``cause`` per group and ``n_competing`` those of any other cause. ``rho`` is the
    weight power, :math:`(1 - \\hat F(t-))^\\rho`; ``strata`` the stratum levels (None when
    unstratified). Ties are exact time equality, as cmprsk (no ``timefix``).
    ``p_value`` is ``chi2.sf`` (cmprsk prints ``1 - pchisq``, which is 0 below 1e-16).
    """

    cause: object
    statistic: float
    df: int
    p_value: float
    groups: tuple
    rho: float
    scores: np.ndarray
    variance: np.ndarray
    n: np.ndarray
    n_events: np.ndarray
    n_competing: np.ndarray
    censor: object
    strata: tuple | None
    method: str = METHOD


def status_codes(status, n: int, cause, censor, causes) -> tuple[np.ndarray, tuple]:
    """0 = censored, 1 = ``cause``, 2 = any other cause (cmprsk's coding); the causes seen."""
    s = check_labels("status", status, n)
    values = sorted(set(s.tolist()), key=lambda v: (str(type(v)), v))  # mixed types allowed
    found = [v for v in values if not _same(v, censor)]
    if causes is not None:
        allowed = [censor, *causes]
        bad = [v for v in found if not any(_same(v, a) for a in allowed)]
        if bad:
            i = int(np.flatnonzero(_equal(s, bad[0]))[0])
            raise ValueError(
                f"status has value {bad[0]!r} (first at position {i}) that is neither the "
                f"censoring code {censor!r} nor one of the causes {list(causes)!r}"
            )
    if not any(_same(v, cause) for v in found):
        text = s.dtype.kind in "US" and not isinstance(cause, str)
        raise ValueError(
            f"cause {cause!r} does not occur in status; the event codes present are {found!r} "
            f"(censoring code {censor!r})"
            + ("; status holds text, so give cause and censor as text" if text else "")
        )
    m = np.where(_equal(s, censor), 0, np.where(_equal(s, cause), 1, 2)).astype(np.int8)
    return m, tuple(found)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _equal(arr: np.ndarray, value) -> np.ndarray:
    if arr.dtype.kind == "O":
        return np.array([_same(v, value) for v in arr], dtype=bool)
    try:
        return np.asarray(arr == value, dtype=bool).reshape(arr.shape)
    except (TypeError, ValueError):
        return np.zeros(arr.shape, dtype=bool)


def _table(t, m, g, ng):
    """Per distinct time with an event: at risk ``y`` and counts ``d1``, ``d2`` (time x group)."""
    times, ti = np.unique(t, return_inverse=True)
    nt = times.shape[0]
    counts = np.bincount((ti * ng + g) * 3 + m, minlength=nt * ng * 3).reshape(nt, ng, 3)
    leaving = counts.sum(axis=2)
    y = np.cumsum(leaving[::-1], axis=0)[::-1].astype(float)
    d1, d2 = counts[:, :, 1].astype(float), counts[:, :, 2].astype(float)
    keep = (d1 + d2).sum(axis=1) > 0
    return y[keep], d1[keep], d2[keep]


def _shift(a: np.ndarray, first: float) -> np.ndarray:
    out = np.empty_like(a)
    out[0] = first
    out[1:] = a[:-1]
    return out


def _stratum(y, d1, d2, rho):
    """Score vector (all groups) and covariance (all groups) of one stratum; see gray_test."""
    ng = y.shape[1]
    pos = y > 0
    d = d1 + d2
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(pos, 1.0 - d / y, 1.0), axis=0)  # group KM, S_g(t)
        s_prev = _shift(surv, 1.0)
        f1_prev = _shift(np.cumsum(np.where(pos, s_prev * d1 / y, 0.0), axis=0), 0.0)
        h = np.where(pos, y / s_prev, 0.0)  # Y_g / S_g(t-)
    tr = h.sum(axis=1)
    tq = (h * (1.0 - f1_prev)).sum(axis=1)
    nd1 = d1.sum(axis=1)
    f = np.cumsum(nd1 / tr)  # pooled F(t)
    fm = _shift(f, 0.0)
    with np.errstate(divide="ignore"):
        # rho < 0 once the pooled F reaches 1: an infinite weight on terms that are 0 there
        # (cmprsk's result is finite exactly when they are), so weight 0
        # rho > 0: a pooled F that rounds to just above 1 weights 0, as F = 1 does (a
        # negative base would give NaN)
        fb = (np.where(fm < 1.0, (1.0 - fm) ** rho, 0.0) if rho < 0
              else np.maximum(1.0 - fm, 0.0) ** rho)
    score = (fb[:, None] * (d1 - nd1[:, None] * h * (1.0 - f1_prev) / tq[:, None])).sum(axis=0)
    a = fb[:, None, None] * (h[:, :, None] * np.eye(ng) - h[:, :, None] * h[:, None, :]
                             / tr[:, None, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        # after the pooled F reaches 1 (everyone left fails), step is infinite where a is 0:
        # a zero increment, as cmprsk (checked against it)
        step = np.where(nd1 > 0, nd1 / (tr * (1.0 - fm)), 0.0)
        c = np.cumsum(np.where(a == 0, 0.0, a * step[:, None, None]), axis=0)
    # events of the cause: weight t3, multiplier t4 per (time, group)
    with np.errstate(divide="ignore", invalid="ignore"):
        t4 = np.where(surv > 0, 1.0 - (1.0 - f[:, None]) / surv, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * s_prev - 1.0),
                      1.0)
        t3 = np.where(pos & (nd1[:, None] > 0), t5 * s_prev * nd1[:, None] / (tr[:, None] * y),
                      0.0)
    b = a - t4[:, None, :] * c
    v = np.einsum("tik,tjk,tk->ij", b, b, t3)
    v2 = np.einsum("tik,tk->ik", b, t4 * t3)
    v3 = (t4 * t4 * t3).sum(axis=0)
    # events of the other causes
    with np.errstate(divide="ignore", invalid="ignore"):
        other = (surv > 0) & (d2 > 0)
        u = np.where(other, (1.0 - f[:, None]) / surv, 0.0)
        t5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (y - 1.0), 1.0)
        e = np.where(other, u * u * t5 * s_prev * s_prev * d2 / (y * y), 0.0)
    v3 += e.sum(axis=0)
    v2 -= np.einsum("tik,tk->ik", c, e)
    v += np.einsum("tik,tjk,tk->ij", c, c, e)
    cf = c[-1]
    with np.errstate(invalid="ignore"):  # inf - inf: see _quadratic's non-finite case
        v += (cf * v3) @ cf.T + cf @ v2.T + v2 @ cf.T
    return score, v


def gray_test(time: ArrayLike, status: ArrayLike, group: ArrayLike, *, cause: object = 1,
              censor: object = 0, strata: ArrayLike | None = None, rho: float = 0.0,
              causes: Sequence[object] | None = None) -> GrayTest:
    r"""Gray's test that the cumulative incidence of ``cause`` is equal across groups.

    Parameters
    ----------
    time : array_like
        Follow-up times, finite and >= 0.
    status : array_like
        ``censor`` for a censored time, any other code for the cause of the event.
    group : array_like
        Group labels (at least two distinct).
    cause : object
        The cause whose incidence is compared; every other non-censoring code is a competing
        event. It must occur in ``status``.
    censor : object
        The censoring code (cmprsk's ``cencode``).
    strata : array_like, optional
        Stratum labels: scores and variances are summed over strata.
    rho : float
        Power of the weight :math:`(1 - \hat F(t-))^\rho`; 0 (the default, cmprsk's) is
        the log-rank-like test of the subdistribution hazards, > 0 puts weight early.
    causes : sequence, optional
        The cause codes expected in ``status``; a value outside ``{censor} ∪ causes`` is an
        error (a guard against codes such as -1 or 9 for "unknown").

    Returns
    -------
    GrayTest

    Notes
    -----
    In each stratum, at each distinct time with an event, with :math:`Y_g` at risk,
    :math:`d_{1g}` events of the cause, :math:`\hat S_g` the all-cause Kaplan–Meier and
    :math:`\hat F_{g}` the cumulative incidence of group g,
    :math:`R_g = Y_g\{1 - \hat F_g(t-)\}/\hat S_g(t-)` estimates the subdistribution risk set
    and the score of group g is

    .. math:: s_g = \sum_t (1 - \hat F(t-))^\rho \Big\{ d_{1g}(t) - d_1(t)
              \frac{R_g(t)}{\sum_r R_r(t)} \Big\},

    :math:`\hat F(t) = \sum_{u \le t} d_1(u) / \sum_r Y_r(u)/\hat S_r(u-)` the pooled
    incidence. Its covariance is Gray's (1988, section 2) martingale estimator in cmprsk's
    ``crstm`` form, including its tie corrections :math:`1 - (d - 1)/(Y - 1)`. The statistic
    is :math:`s^\top V^{-1} s` on the first K - 1 groups, chi-square on K - 1 df. The sums
    over time are vectorised (cumulative sums and ``einsum`` over time x group x group).
    Groups without records in a stratum contribute nothing there.

    References
    ----------
    Gray RJ. Ann Stat 1988;16:1141-1154. cmprsk 2.2-11 (R), ``cuminc``.

    Examples
    --------
    One record per group: group a fails of cause 1 at t = 1, group b is censored at t = 2.
    The score of a is 1/2 with variance 1/4 (worked by hand in the tests), so the statistic is 1:

    >>> r = gray_test([1, 2], [1, 0], ["a", "b"])
    >>> round(r.statistic, 12), r.df, r.groups
    (1.0, 1, ('a', 'b'))
    """
    t = check_time(time)
    n = t.shape[0]
    rho = float(rho)
    if not np.isfinite(rho):
        raise ValueError(f"rho must be a finite number, got {rho}")
    m, _ = status_codes(status, n, cause, censor, causes)
    levels, g = factorize("group", group, n)
    if levels.shape[0] < 2:
        raise ValueError(
            f"group has a single level ({levels.tolist()[0]!r}); Gray's test needs at least "
            "two groups"
        )
    ng = levels.shape[0]
    if strata is None:
        s_levels, st = None, np.zeros(n, dtype=np.intp)
    else:
        s_levels, st = factorize("strata", strata, n)
    score, v = np.zeros(ng), np.zeros((ng, ng))
    for k in range(1 if s_levels is None else s_levels.shape[0]):
        rows = st == k
        y, d1, d2 = _table(t[rows], m[rows], g[rows], ng)
        if y.shape[0]:
            sk, vk = _stratum(y, d1, d2, rho)
            score += sk
            v += vk
    df = ng - 1
    stat = _quadratic(score[:df], v[:df, :df], scale=max(1.0, float((m == 1).sum())),
                      cause=cause)
    return GrayTest(
        cause=cause, statistic=stat, df=df, p_value=float(sps.chi2.sf(stat, df)),
        groups=tuple(x.item() if hasattr(x, "item") else x for x in levels), rho=rho,
        scores=score, variance=v[:df, :df], n=np.bincount(g, minlength=ng),
        n_events=np.bincount(g[m == 1], minlength=ng),
        n_competing=np.bincount(g[m == 2], minlength=ng), censor=censor,
        strata=None if s_levels is None else tuple(
            x.item() if hasattr(x, "item") else x for x in s_levels),
    )


def _quadratic(s: np.ndarray, v: np.ndarray, scale: float, cause) -> float:
    """s' V^-1 s; a singular or indefinite V is an error.

    Singular (cmprsk returns -1): an eigenvalue within 1e-12 x the number of events of the
    cause (the order of magnitude of the variance) of 0, which catches rounding residue such
    as 4e-32 for a group that never is at risk at an event time. Indefinite: in tiny samples
    where the last records all fail, Gray's tie-corrected variance estimate can have a
    negative eigenvalue; cmprsk then prints a negative statistic (p = 1), we refuse.
    """
    if not np.isfinite(v).all():
        # the pooled incidence reaches 1 while events of the cause remain (with rho = 0 the
        # weight stays 1 there): cmprsk stops with "NA/NaN/Inf in foreign function call"
        raise ValueError(
            f"cause {cause!r}: the variance of Gray's scores is not finite (the pooled "
            "cumulative incidence reaches 1 before the last event of the cause); the groups "
            "cannot be compared with Gray's test here")
    eig = np.linalg.eigvalsh(v)
    if np.abs(eig).min() <= 1e-12 * scale:
        raise ValueError(
            f"cause {cause!r}: the variance of Gray's scores is singular (a group without "
            "records at risk at any event time); the groups cannot be compared"
        )
    stat = float(s @ np.linalg.solve(v, s))
    if eig.min() < 0:
        raise ValueError(
            f"cause {cause!r}: the variance of Gray's scores is not positive definite (too few "
            f"records at risk at the last event times; cmprsk reports the meaningless "
            f"statistic {stat:.6g}); the groups cannot be compared with Gray's test here"
        )
    return stat
