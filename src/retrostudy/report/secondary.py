"""Report sections and figures of the secondary analyses: "Restricted mean survival time",
"Competing risks", "Subgroup analyses" and "Sensitivity analyses".

Each section opens with method sentences written from the results (tau and its rule,
the competing-event derivation, Gray's test, cause-specific hazards, the interaction test,
how the alternative definitions differ), then its tables and figures.
"""

from __future__ import annotations

from retrostudy.report import fmt
from retrostudy.report.disclosure import km_mask, subgroup_label_texts
from retrostudy.report.document import FigureItem, Paragraph, Section, TableItem
from retrostudy.report.figures.cif import draw_cif
from retrostudy.report.figures.forest import draw_subgroup_forest


def secondary_figures(ctx, plan, start: int) -> dict:
    """The CIF and subgroup forest figures, numbered from ``start``; counts printed as
    ``plan`` (retrostudy.report.disclosure) says."""
    sec = ctx.analyses.secondary
    rep = ctx.protocol.report
    labels = ctx.analyses.group_labels

    figs, number = {}, start
    if sec.competing is not None and sec.competing.curves:
        f = draw_cif(sec.competing, labels, p_digits=rep.p_digits,
                     mask=km_mask(plan, "cifrisk", sec.competing.endpoint,
                                  f"cr:{sec.competing.endpoint}:n"),
                     number=str(number), legend=ctx.legend_labels)
        figs[f.key] = f
        number += 1
    for i, res in enumerate(sec.subgroups):
        if not [g for g in res.groups if g != res.reference]:
            continue
        # the n of each label as the plan prints it, in the order of the labels
        texts = iter(subgroup_label_texts(plan, res) if plan.on else ())
        f = draw_subgroup_forest(res, labels,
                                 mask=(lambda n, t=texts: next(t)) if plan.on else str,
                                 number=str(number),
                                 suffix=f"_{i}" if i else "",
                                 conf_level=ctx.analyses.conventions.conf_level,
                                 p_digits=rep.p_digits)
        figs[f.key] = f
        number += 1
    return figs


def _items(tables, figs, rendered, table_keys, fig_suffixes) -> list:
    items = [TableItem(tables[k]) for k in table_keys if k in tables]
    for suffix in fig_suffixes:
        for key in sorted(k for k in figs if k.endswith(suffix)):
            items.append(FigureItem(figs[key], rendered[key]["svg"], rendered[key]["png"]))
    return items


def _rmst_text(results) -> str:
    parts = []
    for r in results:
        rule = ("set in the protocol" if r.tau_rule == "protocol" else
                "survRM2's default rule: the smallest, over the groups whose last observation "
                "is censored, of the group's largest follow-up time")
        parts.append(f"{r.label}: \u03c4 = {r.tau:.2f} months ({rule}).")
    return (
        "Restricted mean survival time (RMST) is the area under the Kaplan\u2013Meier curve "
        "from 0 to \u03c4, the mean event-free time over that horizon; groups are compared by "
        "the difference and the ratio of RMSTs with normal-theory CIs (the ratio on the log "
        "scale) and two-sided z-test p values, as survRM2's rmst2 (Uno et al. 2014). "
        + " ".join(parts)
    )


def _competing_text(res, var_labels, p_digits) -> str:
    gray = res.gray.get("progression")
    gp = gray.p_value if gray is not None else None
    return (
        f"Competing risks for {res.label}: progression (cause 1) and death without "
        f"progression (cause 2); {res.rule}. Cumulative incidence functions by group are "
        "Aalen\u2013Johansen estimates (a Kaplan\u2013Meier curve that censors deaths would "
        "overstate the probability of progression), compared across groups with Gray's test "
        f"(progression: {fmt.p_text(gp, p_digits)}). Hazard ratios are "
        "cause-specific: Cox models of one cause's hazard with the other cause censored, "
        "crude and" + (f" adjusted for {', '.join(var_labels.get(a, a) for a in res.adjust)}."
                       if res.adjust else " no "
                       "adjusted model (no covariates given).")
        + (" Beside them, Fine\u2013Gray subdistribution hazard ratios (the same models on the "
           "subdistribution hazard of the cause, patients with the other cause kept at risk "
           "with censoring weights; cmprsk's crr, sandwich variance, Wald CIs and p values)."
           if any(res.finegray.values()) else "")
    )


def _subgroup_text(res) -> str:
    methods = sorted({v.interaction.method for v in res.variables} - {""})
    return (
        f"Subgroup analyses of {res.label}: unadjusted Cox hazard ratios of the group within "
        "each level of "
        + ", ".join(v.label for v in res.variables)
        + "; heterogeneity across levels is tested by the group-by-variable interaction"
        + (f" ({'; '.join(methods)})" if methods else "")
        + f". Levels with fewer than {res.min_events} events, or without events in a group, "
        "get no estimate (NE). Subgroup results are exploratory."
    )


def _sensitivity_text(res) -> str:
    if not res.endpoints:
        return "Best overall response with and without confirmation of CR/PR, side by side."
    primary = res.endpoints[0]
    diffs = [f"{e.endpoint} ({res.differences.get(e.endpoint, 'definition not in [endpoints]')})"
             for e in res.endpoints[1:]]
    text = (f"Sensitivity analyses repeat the primary analysis of {primary.label} "
            f"({primary.endpoint}) under alternative definitions: " + "; ".join(diffs) + ".")
    if res.response:
        text += (" Best overall response is compared with and without the confirmation of "
                 "CR/PR (" + ", ".join(r.column for r in res.response) + ").")
    return text


def _rmst(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    return [Section(spec.title, (Paragraph(_rmst_text(res)),
                                 *_items(tables, figs, rendered, ["rmst"], [])),
                    anchor=spec.anchor)]


def _competing(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    p_digits = ctx.protocol.report.p_digits
    return [Section(spec.title, (
        Paragraph(_competing_text(res, ctx.var_labels, p_digits)),
        *_items(tables, figs, rendered, [f"competing_{res.endpoint}",
                                         f"competing_cox_{res.endpoint}",
                                         f"competing_finegray_{res.endpoint}"],
                [f"_cif_{res.endpoint}"])), anchor=spec.anchor)]


def _subgroups(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    items = []
    for i, r in enumerate(res):
        key = f"subgroups_{r.endpoint}" + (f"_{i}" if i else "")
        items += [Paragraph(_subgroup_text(r)),
                  *_items(tables, figs, rendered, [key],
                          [f"_subgroups_{r.endpoint}" + (f"_{i}" if i else "")])]
    return [Section(spec.title, tuple(items), anchor=spec.anchor)]


def _sensitivity(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    return [Section(spec.title, (
        Paragraph(_sensitivity_text(res)),
        *_items(tables, figs, rendered, ["sensitivity", "sensitivity_response"], [])),
        anchor=spec.anchor)]


# registered analysis name -> its supplement section(s), opened by method sentences
SECTION_WRITERS = {"rmst": _rmst, "competing": _competing, "subgroups": _subgroups,
                   "sensitivity": _sensitivity}
