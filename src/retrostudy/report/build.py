"""Assemble the report: tables (suppressed when asked), figures and the document's sections."""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.analysis.table import Table
from retrostudy.report.document import Document
from retrostudy.report.suppression import mask_count, suppress_flow, suppress_table


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    tables: dict[str, Table]
    figures: dict  # key -> ReportFigure
    rendered: dict  # key -> {"svg": bytes, "png": bytes}
    document: Document
    cells_masked: int
    flow_hidden: frozenset[str]


def _suppressed(tables: dict[str, Table], supp) -> tuple[dict[str, Table], int]:
    out, total = {}, 0
    for key, table in tables.items():
        out[key], n = suppress_table(table, supp.threshold, supp.mask)
        total += n
    return out, total


def _figures_for(ctx, hidden) -> dict:
    from retrostudy.report.figures.flow import draw_flow
    from retrostudy.report.figures.forest import draw_comparators, draw_forest
    from retrostudy.report.figures.km import draw_km
    from retrostudy.report.figures.swimmer import draw_swimmer

    rep, an, supp = ctx.protocol.report, ctx.analyses, ctx.protocol.report.suppression
    mask = supp.mask.format(threshold=supp.threshold)
    figs = {}
    number = 1
    if ctx.flow is not None:
        f = draw_flow(ctx.flow, hidden=hidden, mask=mask)
        figs[f.key] = f
        number += 1
    labels, var_labels = an.group_labels, ctx.var_labels
    for res in an.endpoints:
        f = draw_km(
            res,
            labels,
            rep.km,
            p_digits=rep.p_digits,
            number=str(number),
            mask=lambda n: mask_count(n, supp.threshold, supp.mask),
            legend=ctx.legend_labels,
        )
        figs[f.key] = f
        number += 1
        f = draw_forest(res, labels, var_labels, an.level_labels, number=str(number))
        figs[f.key] = f
        number += 1
    if rep.swimmer and an.endpoints:
        f = draw_swimmer(
            ctx.dataset,
            list(an.groups),
            an.endpoints[0].endpoint,
            an.conventions.days_per_month,
            number=str(number),
            max_per_group=rep.swimmer_max_per_group or None,
        )
        figs[f.key] = f
        number += 1
    if ctx.comparator_rows:
        f = draw_comparators(ctx.comparator_rows, number=str(number))
        figs[f.key] = f
    from retrostudy.report.secondary import secondary_figures

    figs.update(secondary_figures(ctx, start=len(figs) + 1))  # CIF, subgroup forests
    from retrostudy.report.adjusted import adjusted_figures

    figs |= adjusted_figures(ctx)  # supplementary: Fig. S1, S2, ...
    return figs


def _render(figs, formats, outputs, progress=None) -> dict:
    need = (set(formats) if "figures" in outputs else set()) | {"svg", "png"}
    out = {}
    for i, (k, f) in enumerate(figs.items(), 1):
        out[k] = {fmt: f.render(fmt) for fmt in sorted(need)}
        if progress is not None:
            progress("Drawing figures", i, len(figs))
    return out


def build(ctx, progress=None) -> Built:
    supp = ctx.protocol.report.suppression
    tables, masked = _suppressed(dict(ctx.tables), supp)
    hidden = (
        frozenset(suppress_flow(ctx.flow, supp.threshold)) if ctx.flow is not None else frozenset()
    )
    from retrostudy.report.figures.base import FigureStyle, use_style

    if progress is not None:
        progress("Drawing figures")
    with use_style(FigureStyle.from_report(ctx.protocol.report)):  # dpi, font, column width
        figs = _figures_for(ctx, hidden)
        rendered = _render(figs, ctx.protocol.report.figure_formats, ctx.protocol.report.outputs,
                           progress)
    from retrostudy.report.sections import sections

    secs = sections(ctx, tables, figs, rendered)
    from retrostudy.report.checklist import checklist_rows, checklist_section, checklist_table

    checklist = checklist_table(checklist_rows(ctx.protocol, secs))  # after the last section
    secs.append(checklist_section(checklist))
    tables = {**tables, checklist.key: checklist}
    study = ctx.protocol.study
    doc = Document(
        title=ctx.protocol.report.title or study.title,
        subtitle=ctx.protocol.report.subtitle or study.design,
        synthetic=bool(study.synthetic),
        sections=tuple(secs),
        facts=tuple(ctx.facts),
    )
    return Built(
        tables=tables,
        figures=figs,
        rendered=rendered,
        document=doc,
        cells_masked=masked + len(hidden),
        flow_hidden=hidden,
    )
