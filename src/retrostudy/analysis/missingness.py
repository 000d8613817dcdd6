"""Missing values of the Table-1 and adjustment covariates, per group and overall
(``retrostudy.stats.missingness_table``): the table a reader needs before trusting a
complete-case analysis (Sterne et al. 2009, BMJ 338:b2393).

Covariates: the ``[[analyses.table1]]`` variables (except those shown only ``among`` the
patients of another variable: not applicable to the others, so blank by design),
then the ``adjust`` lists of ``[[analyses.survival]]`` and ``[analyses.competing]``, then
the ``[analyses.adjusted]``
covariates, each once, in that order (those the analysis dataset has). Percentages are over
the group's patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis.context import Context
from retrostudy.stats.missingness import MissingnessTable, missingness_table


@dataclass(frozen=True, slots=True, kw_only=True)
class Missingness:
    table: MissingnessTable
    used_in: dict[str, tuple[str, ...]]  # covariate -> where it is used ("table1", ...)
    labels: dict[str, str]  # covariate -> the [analyses.adjusted] label, where it has one

    def to_json(self) -> dict:
        t = self.table

        def cell(cov, g):
            c = t.cell(cov, g)
            return {"n": c.n, "n_missing": c.n_missing, "percent_missing": c.percent_missing}

        return {
            "groups": [str(g) for g in t.groups],
            "covariates": [
                {"covariate": cov, "used_in": list(self.used_in[cov]),
                 "groups": {str(g): cell(cov, g) for g in t.groups},
                 "overall": cell(cov, None)}
                for cov in t.covariates
            ],
            "complete_cases": {**{str(g): t.complete_cases[g] for g in t.groups},
                               "overall": t.complete_cases[None]},
        }


def covariates_of(block) -> dict[str, tuple[str, ...]]:
    """Covariate -> the analyses that use it, in the order documented above."""
    used: dict[str, list[str]] = {}
    for v in block.table1:
        if v.among is None:
            used.setdefault(v.name, []).append("table1")
    for s in block.survival:
        for c in s.adjust:
            used.setdefault(c, []).append(f"survival:{s.endpoint}")
    if block.competing is not None and block.competing.adjust:
        for c in block.competing.adjust:
            used.setdefault(c, []).append("competing")
    if block.adjusted is not None:
        for c in block.adjusted.covariates:
            used.setdefault(c.name, []).append("adjusted")
    return {k: tuple(dict.fromkeys(v)) for k, v in used.items()}


def run(settings, data: pd.DataFrame, ctx: Context) -> Missingness | None:
    """``settings``: the ``[analyses]`` block. None when no covariate is in the dataset."""
    used = {c: w for c, w in covariates_of(settings).items() if c in data.columns}
    if not used:
        return None
    d = data[data["group"].isin(ctx.groups)]
    # every missing marker (NaN, None, pd.NA, NaT) as None, which the stats count
    cols = {c: np.where(d[c].isna().to_numpy(), None, d[c].to_numpy(object))
            for c in [*used, "group"]}
    table = missingness_table(cols, list(used), group="group", group_order=list(ctx.groups))
    adjusted = settings.adjusted.covariates if settings.adjusted is not None else ()
    labels = {c.name: c.text for c in adjusted if c.label}
    return Missingness(table=table, used_in=used, labels=labels)
