"""One tabulation for the Kaplan–Meier curves and the log-rank test of the same data.

A study compares groups with both: the curves (pooled and per group) and the log-rank
test. Each of :func:`~retrostudy.stats.km.kaplan_meier` and
:func:`~retrostudy.stats.logrank.logrank_test` reads the times once to count them; the
two need the same counts. :func:`survival_table` reads the times once, counting records
by (distinct time, group, status) (on integer days a blocked ``bincount`` of the key
``time << b | 2 group + event``, or from 10⁶ records a compiled loop visiting each record
once; see :mod:`._km_core`), and the curves and the test are then computed from that
table:

* pooled curve: ``d_j = sum_g d_gj``, ``Y_j = sum_g Y_gj`` at every distinct time;
* curve of group g: the rows of the times at which group g has a record, with its own
  ``d_gj`` and ``Y_gj``;
* the log-rank (G-rho) test exactly as :func:`~retrostudy.stats.logrank.logrank_test`.

The counts are integers, so the results are identical, number for number, to the
separate calls (``kaplan_meier(time[group == g], event[group == g])``, ``kaplan_meier(
time, event)``, ``logrank_test(time, event, group)``); only the work is shared.
Unweighted, unstratified, without delayed entry: for those use the separate functions.

R equivalent: ``survfit(Surv(time, event) ~ 1)``, ``survfit(Surv(time, event) ~ group)``
and ``survdiff(Surv(time, event) ~ group, rho=)`` on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats._checks import check_conf_level
from retrostudy.stats._km_ci import check_conf_type
from retrostudy.stats._km_core import CountTable, count_table, factorize, validate_time_event
from retrostudy.stats._types import ArrayLike
from retrostudy.stats.km import KaplanMeier, from_counts
from retrostudy.stats.logrank import LogRank, check_groups, from_table

__all__ = ["SurvivalTable", "survival_table"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SurvivalTable:
    """Records counted by distinct time (rows) and group (columns), from one pass.

    ``groups`` are the sorted group levels (as :func:`logrank_test` sorts them); ``table``
    holds the censored and event counts per (time, group).
    """

    groups: np.ndarray
    table: CountTable
    timefix: bool

    def kaplan_meier(self, group=None, *, conf_type: str = "log",
                     conf_level: float = 0.95) -> KaplanMeier:
        """The pooled curve (``group=None``) or the curve of one group level (Greenwood
        variance), equal to :func:`kaplan_meier` on those records."""
        conf_type = check_conf_type(conf_type)
        conf_level = check_conf_level(conf_level)
        tab = self.table
        if group is None:
            d = tab.events.sum(axis=1)
            c = tab.censored.sum(axis=1)
            y = tab.at_risk().sum(axis=1)
            return from_counts(tab.time, y, d, c, conf_type, conf_level, self.timefix)
        hits = np.flatnonzero(self.groups == group)
        if hits.size != 1:
            raise ValueError(f"group {group!r} is not among the groups "
                             f"{self.groups.tolist()}")
        j = int(hits[0])
        d, c = tab.events[:, j], tab.censored[:, j]
        rows = np.flatnonzero((d != 0) | (c != 0))  # the times at which group j has records
        y = tab.at_risk()[rows, j]
        return from_counts(tab.time[rows], y, d[rows], c[rows], conf_type, conf_level,
                           self.timefix)

    def logrank(self, *, rho: float = 0.0) -> LogRank:
        """The G-rho test between the groups, equal to :func:`logrank_test`."""
        rho = float(rho)
        if not np.isfinite(rho) or rho < 0:
            raise ValueError(f"rho must be finite and >= 0, got {rho}")
        check_groups(self.groups)
        return from_table(self.table, self.groups, 1, rho, self.timefix)


def survival_table(time: ArrayLike, event: ArrayLike, group: ArrayLike, *,
                   timefix: bool = True) -> SurvivalTable:
    """Count ``time``/``event`` by distinct time and ``group`` once, for
    :meth:`SurvivalTable.kaplan_meier` and :meth:`SurvivalTable.logrank`.

    Parameters are those of :func:`logrank_test` (validated the same way).

    Examples
    --------
    Freireich et al. (Blood 1963): remission times, 6-MP vs placebo.

    >>> mp = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> mp_event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    >>> tab = survival_table(mp + placebo, mp_event + [1] * 21, ["6-MP"] * 21 + ["placebo"] * 21)
    >>> round(tab.logrank().statistic, 2), tab.kaplan_meier("6-MP").median().estimate
    (16.79, 23.0)
    """
    t, e = validate_time_event(time, event, defer_sign=True)
    levels, g = factorize("group", group, t.shape[0])
    table = count_table(t, e, cell=g, k=levels.shape[0], timefix=timefix)
    return SurvivalTable(groups=levels, table=table, timefix=timefix)
