"""Assemble the report: tables (suppressed when asked), figures and the document's sections."""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrostudy.report.adjusted import adjusted_figures
from retrostudy.report.checklist import checklist_rows, checklist_section, checklist_table
from retrostudy.report.disclosure import Plan, flow_keys, km_mask, plan
from retrostudy.report.document import Document
from retrostudy.report.figures.base import FigureStyle, use_style
from retrostudy.report.figures.flow import draw_flow
from retrostudy.report.figures.forest import draw_comparators, draw_forest
from retrostudy.report.figures.km import draw_km
from retrostudy.report.figures.schoenfeld import draw_schoenfeld
from retrostudy.report.figures.swimmer import draw_swimmer
from retrostudy.report.masking import apply
from retrostudy.report.secondary import secondary_figures
from retrostudy.report.sections import (
    main_sections,
    numbered,
    supplement_sections,
    warnings_section,
)
from retrostudy.report.table import Table


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    tables: dict[str, Table]
    figures: dict  # key -> ReportFigure
    rendered: dict  # key -> {"svg": bytes, "png": bytes}
    document: Document  # the main document (report.html / report.docx)
    supplement: Document  # everything else (supplement.html / supplement.docx)
    cells_masked: int
    plan: Plan


def _figures_for(ctx, plan_: Plan) -> dict:
    rep, an = ctx.protocol.report, ctx.analyses
    figs = {}
    number = 1
    if ctx.flow is not None:
        keys = flow_keys(ctx.flow)
        values = {"identified": ctx.flow.n_identified, "analysed": ctx.flow.n_analysed}
        values |= {f"step:{i}": s.n_excluded for i, s in enumerate(ctx.flow.steps)}
        values |= {f"remaining:{i}": s.n_remaining for i, s in enumerate(ctx.flow.steps)}
        values |= {f"group:{i}": n for i, (_, n) in enumerate(ctx.flow.groups)}
        hidden = {name: plan_.text(keys[name], values[name]) for name in keys
                  if plan_.hidden(keys[name])}
        # the notes quote counts as free text: left out of a suppressed report
        flow = replace(ctx.flow, notes=()) if plan_.on else ctx.flow
        f = draw_flow(flow, hidden=hidden)
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
            mask=km_mask(plan_, "risk", res.endpoint, f"ep:{res.endpoint}:n"),
            legend=ctx.legend_labels,
        )
        figs[f.key] = f
        number += 1
        f = draw_forest(res, labels, var_labels, an.level_labels, number=str(number))
        figs[f.key] = f
        number += 1
    if rep.swimmer and an.endpoints and not plan_.on:  # one bar per patient: not for sharing
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
    figs.update(secondary_figures(ctx, plan_, start=len(figs) + 1))  # CIF, subgroup forests
    figs |= adjusted_figures(ctx, plan_)  # supplementary: Fig. S1, S2, ...
    figs |= _schoenfeld_figures(ctx, start=sum(k.startswith("figureS") for k in figs) + 1)
    return figs


def _schoenfeld_figures(ctx, start: int) -> dict:
    """One PH-check figure per Cox model with a cox.zph test (Fig. S<start>, ...), after
    the other supplementary figures."""
    an = ctx.analyses
    figs, number = {}, start
    for res in an.endpoints:
        for m in res.cox:
            if m.ph is not None:
                f = draw_schoenfeld(m, res.endpoint, res.label, number=f"S{number}",
                                    p_digits=ctx.protocol.report.p_digits,
                                    var_labels=an.var_labels)
                figs[f.key] = f
                number += 1
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
    plan_, keyed = plan(ctx, dict(ctx.tables))  # one pass over everything printed
    tables, _ = apply(plan_, keyed)
    if progress is not None:
        progress("Drawing figures")
    with use_style(FigureStyle.from_report(ctx.protocol.report)):  # dpi, font, column width
        figs = _figures_for(ctx, plan_)
        rendered = _render(figs, ctx.protocol.report.figure_formats, ctx.protocol.report.outputs,
                           progress)
    main, shown = main_sections(ctx, tables, figs, rendered, plan_)
    supp = supplement_sections(ctx, tables, figs, rendered, shown)
    supp = numbered([*supp, *warnings_section(ctx)])  # S1, S2, ... before the checklist
    checklist = checklist_table(checklist_rows(ctx.protocol, main + supp))  # names them
    supp += numbered([checklist_section(checklist)], start=len(supp) + 1)
    tables = {**tables, checklist.key: checklist}
    study = ctx.protocol.study
    title = ctx.protocol.report.title or study.title
    byline = "; ".join(t for t in (study.investigators, study.institution) if t) or None
    doc = Document(
        title=title,
        subtitle=ctx.protocol.report.subtitle or study.design,
        synthetic=bool(study.synthetic),
        sections=tuple(main),
        byline=byline,
    )
    supplement = Document(
        title=f"Supplement: {title}",
        subtitle="Supplementary methods, tables and figures",
        synthetic=bool(study.synthetic),
        sections=tuple(supp),
        facts=tuple(ctx.facts),
        byline=byline,
        contents=True,
    )
    return Built(
        tables=tables,
        figures=figs,
        rendered=rendered,
        document=doc,
        supplement=supplement,
        cells_masked=plan_.n_masked,
        plan=plan_,
    )
