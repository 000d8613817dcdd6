"""The sections of the two documents: the main document (Methods, Results and the main
exhibits: Fig. 1, Table 1, Fig. 2, ... as ``[report] main`` orders them) and the
supplement (everything else, numbered S1, S2, ...). The supplement follows the analysis
registry: each registered analysis that ran is printed in the section its entry names
(``Analysis.section``: title, anchor, place), by a writer of ``WRITERS`` or as its tables;
the sections that are not analyses have fixed places (``_FIXED``)."""

from __future__ import annotations

import re

from retrostudy.analysis import registry
from retrostudy.data.receptors import methods_sentence
from retrostudy.protocol.timing import covariate_window_sentences
from retrostudy.report import fmt
from retrostudy.report.adjusted import adjusted_sections
from retrostudy.report.design import SECTION_WRITERS as DESIGN_WRITERS
from retrostudy.report.document import FigureItem, Paragraph, Section, TableItem
from retrostudy.report.methods import methods_items
from retrostudy.report.pvalues import tests_used
from retrostudy.report.quality import Quality, definition_items, quality_items
from retrostudy.report.results_text import results_items
from retrostudy.report.secondary import SECTION_WRITERS as SECONDARY_WRITERS
from retrostudy.report.tables import BUILDERS


def _fig(figs, rendered, key):
    if key not in figs:
        return []
    return [FigureItem(figs[key], rendered[key]["svg"], rendered[key]["png"])]


def _tab(tables, key):
    return [TableItem(tables[key])] if key in tables else []


def _methods(ctx) -> list[Paragraph]:
    an = ctx.analyses
    c = an.conventions
    tests = tests_used(an.to_json())  # from the results that hold the p values
    pct = int(round(c.conf_level * 100))
    text = [
        f"Conventions profile '{c.profile}'. Kaplan\u2013Meier estimates with {pct}% pointwise "
        f"CIs on the {c.conf_type} scale (Greenwood variance); the median and its CI are read "
        "where the curve and its CI bands cross 0.5, as R's survival package does. Groups "
        "compared with the log-rank test.",
        f"Hazard ratios from Cox proportional-hazards models ({c.ties} method for ties) with "
        f"Wald {pct}% CIs; reference group: {an.group_labels.get(an.reference, an.reference)}.",
        f"Durations are whole days between dates; months = days / {c.days_per_month:g}.",
    ]
    if ctx.quality is not None and ctx.quality.load is not None:  # receptors from records
        cov = ctx.protocol.covariates
        text.append(methods_sentence(ctx.protocol.data.biomarkers.her2_rule,
                                     cov.her2_specimen, cov.hr_specimen))
    if tests:
        text.append("Tests behind the p values of this report: " + "; ".join(tests)
                    + ". Two-sided p values; each table names the test of each of its p values.")
    if an.followup is not None:
        text.append(an.followup.method)
    text += [f"{r.label}: {r.entry.method}" for r in an.endpoints if r.entry is not None]
    return [Paragraph(t) for t in text]


def _windows(ctx) -> list[Paragraph]:
    """Methods: each baseline covariate window reaching past the index date, in words."""
    return [Paragraph(t) for t in covariate_window_sentences(ctx.protocol)]


def _study(ctx) -> list[Paragraph]:
    s = ctx.protocol.study
    items = [Paragraph(t) for t in (s.description, s.investigators, s.institution) if t]
    groups = ctx.protocol.groups.group
    if groups:
        items.append(
            Paragraph(
                "Groups: "
                + "; ".join(f"{g.name} \u2014 {g.label}" if g.label else g.name for g in groups)
                + "."
            )
        )
    return items


def _endpoint_sections(ctx, tables, figs, rendered) -> list[Section]:
    out = []
    for res in ctx.analyses.endpoints:
        key = res.endpoint
        km = [k for k in figs if k.endswith(f"_km_{key}")]
        forest = [k for k in figs if k.endswith(f"_forest_{key}")]
        items = [
            *(_fig(figs, rendered, km[0]) if km else []),
            *_tab(tables, f"survival_{key}"),
            *_hr_text(ctx, res),
            *_tab(tables, f"cox_{key}"),
            *(_fig(figs, rendered, forest[0]) if forest else []),
        ]
        out.append(Section(res.label, tuple(items), anchor=f"ep-{key}"))
    return out


def _hr_text(ctx, res) -> list[Paragraph]:
    labels = ctx.analyses.group_labels
    parts = []
    for name, word in (("unadjusted", "Unadjusted"), ("adjusted", "Adjusted")):
        hr = res.group_hr(name)
        if hr:
            parts.append(
                f"{word} HR {labels.get(hr.level, hr.level)} vs "
                f"{labels.get(res.reference, res.reference)}: "
                f"{fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2)}, "
                f"{fmt.p_text(hr.p_value, ctx.protocol.report.p_digits)}"
                + (" (Firth-penalised: monotone likelihood)."
                   if res.model(name).method == "firth" else ".")
            )
    return [Paragraph(" ".join(parts))] if parts else []


def _definitions(ctx, tables, figs, rendered) -> list[Section]:
    q = ctx.quality or Quality()
    return [Section("Methods: endpoint definitions", tuple(definition_items(q, ctx.protocol)),
                    anchor="endpoint-definitions")]


def _data_quality(ctx, tables, figs, rendered) -> list[Section]:
    q = ctx.quality or Quality()
    return [Section("Data quality and record accounting", tuple(quality_items(q, tables)),
                    anchor="data-quality")]


def _main_keys(ctx, tables, figs) -> list[str]:
    """Keys of the main document's exhibits (tables and figures), in the protocol's order
    (``[report] main``); an exhibit the study has not got is left out."""
    eps = [r.endpoint for r in ctx.analyses.endpoints]
    out: list[str] = []
    for name in ctx.protocol.report.main:
        if name == "flow":
            out += [k for k in figs if k.endswith("_flow")]
        elif name in ("km", "forest"):
            out += [k for ep in eps for k in figs if k.endswith(f"_{name}_{ep}")]
        elif name in ("survival", "hazard_ratios"):
            prefix = "survival_" if name == "survival" else "cox_"
            out += [f"{prefix}{ep}" for ep in eps if f"{prefix}{ep}" in tables]
        else:
            key = {"response": "table2_response"}.get(name, name)
            out += [key] if key in tables else []
    return list(dict.fromkeys(out))


def exhibit_name(item) -> str:
    """"Fig. 2", "Table 1": the number a title starts with ("" when it has none)."""
    found = re.match(r"((?:Fig\.|Table) S?\d+)\. ", item.title)
    return found.group(1) if found else ""


def main_sections(ctx, tables, figs, rendered, plan) -> tuple[list[Section], set[str]]:
    """The main document: Methods, Results (sentences with the numbers), then the main
    exhibits in the protocol's order; also the keys of the exhibits shown."""
    keys = _main_keys(ctx, tables, figs)
    statistics = _methods(ctx) + _windows(ctx)
    exhibits = {k: exhibit_name(figs[k] if k in figs else tables[k]) for k in keys}
    exhibits = {k: v for k, v in exhibits.items() if v}
    items = [*results_items(ctx, tables, plan, exhibits)]
    for k in keys:
        items += _fig(figs, rendered, k) if k in figs else _tab(tables, k)
    return [Section("Methods", tuple(methods_items(ctx, statistics)), anchor="methods"),
            Section("Results", tuple(items), anchor="results")], set(keys)


def _drop(items, main: set[str]) -> list:
    """``items`` without the main document's exhibits."""
    out = []
    for it in items:
        if isinstance(it, TableItem) and it.table.key in main:
            continue
        if isinstance(it, FigureItem) and it.figure.key in main:
            continue
        out.append(it)
    return out


def _model_checks(ctx, tables, figs, rendered) -> list[Section]:
    """E-values of the hazard ratios, then per endpoint the PH test table and the scaled
    Schoenfeld residual figure of each Cox model."""
    checks = [*_tab(tables, "evalues")]
    for res in ctx.analyses.endpoints:
        checks += _tab(tables, f"ph_{res.endpoint}")
        for k in sorted(k for k in figs if f"_schoenfeld_{res.endpoint}_" in k):
            checks += _fig(figs, rendered, k)
    return [Section("Model checks", tuple(checks), anchor="model-checks")] if checks else []


def _endpoints(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    return _endpoint_sections(ctx, tables, figs, rendered)  # one section per endpoint


def _adjusted(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    return adjusted_sections(ctx, tables, figs, rendered)


# Registered analysis name -> the writer of its supplement section(s), for the analyses
# whose section says more than their tables (method sentences, figures); any other
# registered analysis gets _tables_only.
WRITERS = {"endpoints": _endpoints, "adjusted": _adjusted, **SECONDARY_WRITERS,
           **DESIGN_WRITERS}


def _tables_only(ctx, name, res, tables, spec) -> list[Section]:
    """An analysis's section: its tables (``report.tables.BUILDERS[name]``), in their order."""
    build = BUILDERS.get(name)
    keys = build(res, ctx.analyses) if build is not None else {}
    return [Section(spec.title, tuple(_tab(tables, k)[0] for k in keys if k in tables),
                    anchor=spec.anchor)]


# The supplement's sections that are not analyses, by place (``SectionSpec.order`` of the
# registry places the analyses among them): (order, writer(ctx, tables, figs, rendered)).
def _target_trial(ctx, tables, figs, rendered) -> list[Section]:
    return [Section("Target trial emulation", tuple(_tab(tables, "target_trial")),
                    anchor="target-trial")]


def _flow(ctx, tables, figs, rendered) -> list[Section]:
    if ctx.flow is None:
        return []
    return [Section("Patient flow", tuple(_fig(figs, rendered, "figure1_flow")), anchor="flow")]


def _swimmer(ctx, tables, figs, rendered) -> list[Section]:
    swim = [k for k in figs if k.endswith("_swimmer")]
    return [Section("Follow-up and treatment discontinuation",
                    tuple(_fig(figs, rendered, swim[0]) if swim else []), anchor="followup")]


def _published(ctx, tables, figs, rendered) -> list[Section]:
    return [Section("Published vs reproduced", tuple(_tab(tables, "published")),
                    anchor="published")]


def _comparators(ctx, tables, figs, rendered) -> list[Section]:
    comp = [k for k in figs if k.endswith("_comparators")]
    items = [*_tab(tables, "comparators"), *(_fig(figs, rendered, comp[0]) if comp else [])]
    return [Section("Literature comparators", tuple(items), anchor="comparators")]


_FIXED = (
    (10, _definitions),
    (15, _target_trial),
    (20, _data_quality),
    (30, _flow),
    (65, _model_checks),
    (90, _swimmer),  # after the follow-up and discontinuation tables, in their section
    (100, _published),
    (110, _comparators),
)


def supplement_sections(ctx, tables, figs, rendered, main: set[str]) -> list[Section]:
    """Everything the main document does not show (before the checklist and warnings): the
    sections that are not analyses (``_FIXED``) and, for every registered analysis that
    ran, the section its registry entry names (analysis/registry.py ``section``), ordered by
    place; sections with the same anchor are one. A section without a table or figure is
    left out (but the endpoint definitions and data quality, which are text)."""
    placed: list[tuple[int, int, list[Section]]] = []
    for i, a in enumerate(registry.REGISTRY):
        res = ctx.analyses.result(a.name)
        if a.section is None or res is None:
            continue
        write = WRITERS.get(a.name)
        out = (write(ctx, res, tables, figs, rendered, a.section) if write is not None
               else _tables_only(ctx, a.name, res, tables, a.section))
        placed.append((a.section.order, i, out))
    for j, (order, write_fixed) in enumerate(_FIXED):
        placed.append((order, len(registry.REGISTRY) + j,
                       write_fixed(ctx, tables, figs, rendered)))
    merged: dict[str, Section] = {}
    for _, _, sections in sorted(placed, key=lambda p: p[:2]):
        for s in sections:
            first = merged.get(s.anchor)
            merged[s.anchor] = s if first is None else Section(
                first.title, first.items + s.items, anchor=first.anchor)
    kept = []
    for s in merged.values():
        items = _drop(s.items, main)
        if any(isinstance(i, (TableItem, FigureItem)) for i in items) or \
                (items and s.anchor in ("endpoint-definitions", "data-quality")):
            kept.append(Section(s.title, tuple(items), anchor=s.anchor))
    return kept


def warnings_section(ctx) -> list[Section]:
    """Every warning of the study, once."""
    if not ctx.warnings:
        return []
    return [Section("Warnings", tuple(Paragraph(w, "warning") for w in ctx.warnings),
                    anchor="warnings")]


def numbered(sections: list[Section], start: int = 1) -> list[Section]:
    """The supplement's sections numbered S1, S2, ... (from ``start``) in their titles."""
    return [Section(f"S{i}. {s.title}", s.items, anchor=s.anchor)
            for i, s in enumerate(sections, start)]
