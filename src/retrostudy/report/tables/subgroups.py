"""The subgroup table and the forest plot's rows, from :class:`SubgroupResult`."""

from __future__ import annotations

import numpy as np

from retrostudy.analysis.subgroups import SubgroupResult
from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table

FIRTH_MARK = "\u2020"  # dagger: Firth's penalised estimate


def _row(label, row, groups, reference, p_digits, indent, block=None, ref=None) -> Row:
    cells = []
    for g in groups:
        c = row.counts[g]
        cells += [Cell(text=str(c.n), count=c.n, ref=ref and f"ep:{ref}:n:{g}"),
                  Cell(text=str(c.events), count=c.events,
                       ref=ref and f"ep:{ref}:events:{g}")]
    for g in groups:
        if g == reference:
            continue
        h = row.hazard_ratios[g]
        est = ("NE" if h.not_estimable is not None else
               fmt.estimate_ci(h.hazard_ratio, h.conf_low, h.conf_high, 2)
               + (FIRTH_MARK if h.method == "firth" else ""))
        cells += [Cell(text=est), Cell(text=fmt.p_value(h.p_value, p_digits, "NE"))]
    cells.append(Cell(text=""))
    # the levels of one variable partition its patients: masked counts get complements
    return Row(label=label, indent=indent, cells=tuple(cells), block=block)



def subgroup_table(res: SubgroupResult, i: int, labels, conv, p_digits) -> Table:
    groups, ref = list(res.groups), res.reference
    pct = int(round(conv.conf_level * 100))
    rows = [_row("All patients", res.overall, groups, ref, p_digits, 0, ref=res.endpoint)]
    ne: list[str] = []
    firth = [f"All patients: {labels.get(g, g)} vs {labels.get(ref, ref)}"
             for g, h in res.overall.hazard_ratios.items() if h.method == "firth"]
    for v in res.variables:
        p_int = fmt.p_value(v.interaction.p_value, p_digits, "NE")
        rows.append(Row(label=v.label, heading=True, cells=tuple(
            Cell(text="") for _ in range(len(rows[0].cells) - 1)) + (Cell(text=p_int),)))
        for lv in v.levels:
            rows.append(_row(lv.label, lv, groups, ref, p_digits, 1, f"level:{v.variable}"))
            ne += [f"{v.label} = {lv.label}: {labels.get(g, g)} vs {labels.get(ref, ref)}"
                   f" NE ({h.not_estimable})" for g, h in lv.hazard_ratios.items()
                   if h.not_estimable is not None]
            firth += [f"{v.label} = {lv.label}: {labels.get(g, g)} vs {labels.get(ref, ref)}"
                      for g, h in lv.hazard_ratios.items() if h.method == "firth"]
        if v.n_missing:
            ne.append(f"{v.label}: {v.n_missing} patient(s) with a missing value left out.")
    columns = tuple(f"{labels.get(g, g)} {w}" for g in groups for w in ("patients", "events"))
    columns += tuple(c for g in groups if g != ref for c in
                     (f"HR {labels.get(g, g)} vs {labels.get(ref, ref)} ({pct}% CI)", "p value"))
    methods = sorted({v.interaction.method for v in res.variables} - {""})
    notes = (
        f"Unadjusted Cox hazard ratios within each level ({conv.ties} ties, Wald {pct}% CIs). "
        f"NE = not estimable: a group absent, fewer than {res.min_events} events, or a "
        "monotone likelihood without a finite estimate even with Firth's penalty.",
        "Interaction p: test of the group-by-variable interaction in a Cox model on the "
        "patients with a value of the variable"
        + (f" ({'; '.join(methods)})." if methods else "."),
        *ne,
        *([f"{FIRTH_MARK} Monotone likelihood (a group without events, or separation): "
           "Firth's penalised hazard ratio with profile penalised-likelihood CI and p (Breslow "
           "ties, as R's coxphf) in " + "; ".join(firth) + "."] if firth else []),
    )
    return Table(key=f"subgroups_{res.endpoint}" + (f"_{i}" if i else ""),
                 title=f"Subgroup analyses: {res.label}", stub="Subgroup",
                 columns=(*columns, "Interaction p"), rows=tuple(rows), footnotes=notes)



def forest_rows(res: SubgroupResult, mask=str) -> list[tuple[str, float, float, float, bool]]:
    """(label, HR, low, high, is_heading) for the first non-reference group; ``mask``
    formats the patient counts in the labels (small-cell suppression)."""
    g = next(x for x in res.groups if x != res.reference)

    def one(label, row):
        h = row.hazard_ratios[g]
        return (f"{label} (n = {mask(row.n_groups)})", h.hazard_ratio, h.conf_low, h.conf_high,
                False)

    rows = [one("All patients", res.overall)]
    for v in res.variables:
        rows.append((v.label, np.nan, np.nan, np.nan, True))
        rows += [one(f"  {lv.label}", lv) for lv in v.levels]
    return rows

