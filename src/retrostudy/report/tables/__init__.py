"""The report's tables, built from the analyses' numbers: one module per analysis family
(table1, survival, response, followup, adjusted, rmst, competing, subgroups, sensitivity).

Nothing here computes a statistic; each builder formats numbers a result of
:mod:`retrostudy.analysis` holds (:mod:`retrostudy.report.fmt`) into a
:class:`~retrostudy.report.table.Table`.
"""

from __future__ import annotations

from retrostudy.analysis import Analyses
from retrostudy.report.table import Table
from retrostudy.report.tables.adjusted import adjusted_tables
from retrostudy.report.tables.competing import competing_tables
from retrostudy.report.tables.followup import discontinuation_table, followup_table
from retrostudy.report.tables.response import response_table
from retrostudy.report.tables.rmst import rmst_table
from retrostudy.report.tables.sensitivity import sensitivity_tables
from retrostudy.report.tables.subgroups import subgroup_table
from retrostudy.report.tables.survival import cox_table, survival_table
from retrostudy.report.tables.table1 import table1_table

__all__ = ["analysis_tables"]


def analysis_tables(analyses: Analyses) -> dict[str, Table]:
    """Every table of the analyses, keyed as results.json and tables/*.csv name them."""
    p_digits = analyses.p_digits
    conv = analyses.conventions
    labels = analyses.group_labels
    var_labels = analyses.var_labels
    header = [f"{labels.get(g, g)} (n = {analyses.n[g]})" for g in analyses.groups]
    tables: dict[str, Table] = {}
    if analyses.table1.characteristics:
        tables["table1"] = table1_table(analyses.table1, header=header, p_digits=p_digits)
    for res in analyses.endpoints:
        tables[f"survival_{res.endpoint}"] = survival_table(res, labels, conv, p_digits)
        tables[f"cox_{res.endpoint}"] = cox_table(
            res, labels, var_labels, conv, p_digits, analyses.level_labels
        )
    if analyses.response is not None:
        tables["table2_response"] = response_table(
            analyses.response, header=header, conf_level=conv.conf_level, p_digits=p_digits
        )
    if analyses.followup is not None:
        tables["followup"] = followup_table(analyses.followup, labels)
    if analyses.discontinuation is not None:
        tables["discontinuation"] = discontinuation_table(analyses.discontinuation, header)
    if analyses.adjusted is not None:
        ep_labels = {e.endpoint: e.label for e in analyses.endpoints}
        tables |= adjusted_tables(analyses.adjusted, ep_labels, p_digits, conv.conf_level)
    return tables | _secondary_tables(analyses, labels, var_labels, p_digits)


def _secondary_tables(analyses: Analyses, labels, var_labels, p_digits: int) -> dict[str, Table]:
    conv = analyses.conventions
    tables: dict[str, Table] = {}
    sec = analyses.secondary
    if sec.rmst:
        tables["rmst"] = rmst_table(sec.rmst, labels, conv.conf_level, p_digits)
    if sec.competing is not None:
        tables |= competing_tables(sec.competing, labels, conv, p_digits, var_labels)
    for i, res in enumerate(sec.subgroups):
        t = subgroup_table(res, i, labels, conv, p_digits)
        tables[t.key] = t
    if sec.sensitivity is not None:
        tables |= sensitivity_tables(sec.sensitivity, list(analyses.groups), labels, conv,
                                     p_digits)
    return tables
