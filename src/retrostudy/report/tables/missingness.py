"""The missingness table: missing values of each Table-1 / adjustment covariate by group
and overall, from :class:`retrostudy.analysis.missingness.Missingness`."""

from __future__ import annotations

from retrostudy.report.table import Cell, Row, Table


def _cell(c) -> Cell:
    pct = "" if c.percent_missing is None else f" ({c.percent_missing:.1f}%)"
    return Cell(text=f"{c.n_missing}{pct}", count=c.n_missing)


def missingness_tables(res, analyses) -> dict[str, Table]:
    t = res.table
    labels = analyses.group_labels
    rows = [Row(label=analyses.var_labels.get(cov, res.labels.get(cov, cov)),
                cells=(*(_cell(t.cell(cov, g)) for g in t.groups), _cell(t.cell(cov, None))))
            for cov in t.covariates]
    n = {g: t.cell(t.covariates[0], g).n for g in (*t.groups, None)}
    return {"missingness": Table(
        key="missingness", title="Missing values of the covariates by group",
        stub="Covariate",
        columns=(*(f"{labels.get(g, g)} (n = {n[g]})" for g in t.groups),
                 f"Overall (n = {n[None]})"),
        rows=tuple(rows),
        # the group columns add up to Overall: small-cell suppression masks a complement
        row_total=(len(t.groups), tuple(range(len(t.groups)))),
        footnotes=(
            "Patients with a missing value, n (% of the group). Covariates: the Table 1 "
            "variables (except those described only among the patients of another row, blank "
            "for the others by design) and those of the adjusted models. Each model uses the "
            "patients complete in its own covariates (complete-case analysis; Sterne et al. "
            "2009); results.json gives the complete cases over all listed covariates.",
        ))}
