"""The sections of the two documents: the main document (Methods, Results and the main
exhibits: Fig. 1, Table 1, Fig. 2, ... as ``[report] main`` orders them) and the
supplement (everything else, numbered S1, S2, ...)."""

from __future__ import annotations

import re

from retrostudy.data.receptors import methods_sentence
from retrostudy.protocol.timing import covariate_window_sentences
from retrostudy.report import fmt
from retrostudy.report.adjusted import adjusted_sections
from retrostudy.report.design import design_sections
from retrostudy.report.document import FigureItem, Paragraph, Section, TableItem
from retrostudy.report.methods import methods_items
from retrostudy.report.pvalues import tests_used
from retrostudy.report.quality import Quality, definition_items, quality_items
from retrostudy.report.results_text import results_items
from retrostudy.report.secondary import secondary_sections


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


def _quality_sections(ctx, tables) -> list[Section]:
    q = ctx.quality or Quality()
    return [
        Section(
            "Methods: endpoint definitions",
            tuple(definition_items(q, ctx.protocol)),
            anchor="endpoint-definitions",
        ),
        Section(
            "Data quality and record accounting",
            tuple(quality_items(q, tables)),
            anchor="data-quality",
        ),
    ]


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


def supplement_sections(ctx, tables, figs, rendered, main: set[str]) -> list[Section]:
    """Everything the main document does not show (before the checklist and warnings)."""
    out = _quality_sections(ctx, tables)
    if "target_trial" in tables:  # design: beside the endpoint definitions
        out.insert(1, Section("Target trial emulation", tuple(_tab(tables, "target_trial")),
                              anchor="target-trial"))
    if ctx.flow is not None:
        out.append(Section("Patient flow", tuple(_fig(figs, rendered, "figure1_flow")),
                           anchor="flow"))
    if "table1" in tables or "missingness" in tables:
        out.append(
            Section("Patient characteristics",
                    tuple(_tab(tables, "table1") + _tab(tables, "missingness")), anchor="table1")
        )
    out += _endpoint_sections(ctx, tables, figs, rendered)
    out += adjusted_sections(ctx, tables, figs, rendered)
    out += _model_checks(ctx, tables, figs, rendered)
    if "table2_response" in tables:
        out.append(
            Section("Best response", tuple(_tab(tables, "table2_response")), anchor="response")
        )
    out += secondary_sections(ctx, tables, figs, rendered)  # RMST, competing, subgroups, ...
    swim = [k for k in figs if k.endswith("_swimmer")]
    fu = [
        *_tab(tables, "followup"),
        *_tab(tables, "discontinuation"),
        *(_fig(figs, rendered, swim[0]) if swim else []),
    ]
    if fu:
        out.append(Section("Follow-up and treatment discontinuation", tuple(fu), anchor="followup"))
    if "published" in tables:
        out.append(
            Section("Published vs reproduced", tuple(_tab(tables, "published")), anchor="published")
        )
    comp = [k for k in figs if k.endswith("_comparators")]
    if "comparators" in tables or comp:
        items = [*_tab(tables, "comparators"), *(_fig(figs, rendered, comp[0]) if comp else [])]
        out.append(Section("Literature comparators", tuple(items), anchor="comparators"))
    out += design_sections(ctx, tables)  # landmark, imputation, time-varying exposure
    kept = []
    for s in out:
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
