"""The report's tables, built from the analyses' numbers: one module per analysis family
(table1, survival, response, followup, adjusted, rmst, competing, subgroups, sensitivity).

Nothing here computes a statistic; each builder formats numbers a result of
:mod:`retrostudy.analysis` holds (:mod:`retrostudy.report.fmt`) into a
:class:`~retrostudy.report.table.Table`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from retrostudy.analysis import Analyses
from retrostudy.report.table import Table
from retrostudy.report.tables.adjusted import adjusted_tables
from retrostudy.report.tables.competing import competing_tables
from retrostudy.report.tables.design import (
    adjusted_bootstrap_table,
    imputation_table,
    landmark_table,
    time_varying_table,
)
from retrostudy.report.tables.followup import discontinuation_table, followup_table
from retrostudy.report.tables.missingness import missingness_tables
from retrostudy.report.tables.model_checks import evalue_table, ph_tables
from retrostudy.report.tables.response import response_table
from retrostudy.report.tables.rmst import rmst_table
from retrostudy.report.tables.sensitivity import sensitivity_tables
from retrostudy.report.tables.subgroups import subgroup_table
from retrostudy.report.tables.survival import cox_table, endpoint_survival_table
from retrostudy.report.tables.table1 import table1_table

__all__ = ["BUILDERS", "analysis_tables"]


def _header(a: Analyses) -> list[str]:
    return [f"{a.group_labels.get(g, g)} (n = {a.n[g]})" for g in a.groups]


def _table1(res, a: Analyses) -> dict[str, Table]:
    if not res.characteristics:
        return {}
    return {"table1": table1_table(res, header=_header(a), p_digits=a.p_digits)}


def _endpoints(res, a: Analyses) -> dict[str, Table]:
    out = {}
    for e in res:
        out[f"survival_{e.endpoint}"] = endpoint_survival_table(e, a.group_labels,
                                                                a.conventions, a.p_digits)
        out[f"cox_{e.endpoint}"] = cox_table(e, a.group_labels, a.var_labels, a.conventions,
                                             a.p_digits, a.level_labels)
    return out


def _subgroups(res, a: Analyses) -> dict[str, Table]:
    tables = (subgroup_table(r, i, a.group_labels, a.conventions, a.p_digits)
              for i, r in enumerate(res))
    return {t.key: t for t in tables}


# Registered analysis name (analysis/registry.py) -> the tables of its result.
BUILDERS: dict[str, Callable[[Any, Analyses], dict[str, Table]]] = {
    "table1": _table1,
    "missingness": missingness_tables,
    "endpoints": _endpoints,
    "response": lambda res, a: {"table2_response": response_table(
        res, header=_header(a), conf_level=a.conventions.conf_level, p_digits=a.p_digits)},
    "followup": lambda res, a: {"followup": followup_table(res, a.group_labels)},
    "discontinuation": lambda res, a: {"discontinuation": discontinuation_table(
        res, _header(a))},
    "adjusted": lambda res, a: adjusted_tables(
        res, {e.endpoint: e.label for e in a.endpoints}, a.p_digits, a.conventions.conf_level),
    "rmst": lambda res, a: {"rmst": rmst_table(res, a.group_labels, a.conventions.conf_level,
                                               a.p_digits)},
    "competing": lambda res, a: competing_tables(res, a.group_labels, a.conventions,
                                                 a.p_digits, a.var_labels),
    "subgroups": _subgroups,
    "sensitivity": lambda res, a: sensitivity_tables(res, list(a.groups), a.group_labels,
                                                     a.conventions, a.p_digits),
    "landmark": lambda res, a: {"landmark": landmark_table(
        res, a.group_labels, a.conventions.conf_level, a.p_digits)},
    "imputation": lambda res, a: {"imputation": imputation_table(
        res, a.group_labels, a.var_labels, a.level_labels, a.conventions.conf_level,
        a.p_digits)},
    "adjusted_bootstrap": lambda res, a: {"adjusted_bootstrap": adjusted_bootstrap_table(
        res, a.adjusted, a.group_labels, a.conventions.conf_level)},
    "time_varying": lambda res, a: {"time_varying": time_varying_table(
        res, a.var_labels, a.level_labels, a.group_labels, a.conventions.conf_level,
        a.p_digits)},
}


def analysis_tables(analyses: Analyses) -> dict[str, Table]:
    """Every table of the analyses, keyed as results.json and tables/*.csv name them, in the
    order of the registry (an analysis without a builder has no table)."""
    tables: dict[str, Table] = {}
    for name, res in analyses.results.items():
        build = BUILDERS.get(name)
        if build is not None:
            tables |= build(res, analyses)
    # across the endpoints and the PS analysis
    return tables | evalue_table(analyses) | ph_tables(analyses)
