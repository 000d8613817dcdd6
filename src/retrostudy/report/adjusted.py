"""The report's "Adjusted comparison (sensitivity analysis)" section and its figures.

The figures are supplementary (Fig. S1, S2, ...) so the main figures keep their numbers.
The method paragraph is written from the protocol and the result's conventions; the
weaknesses the analysis found (``AdjustedResult.warnings``) are printed once, in the
supplement's "Warnings" section with every other warning of the study (docs/statistics.md,
"Warnings").
"""

from __future__ import annotations

from retrostudy.report import fmt
from retrostudy.report.document import FigureItem, Paragraph, Section, TableItem
from retrostudy.report.figures.adjusted_km import draw_adjusted_km
from retrostudy.report.figures.balance import draw_love, draw_overlap
from retrostudy.report.figures.base import PALETTE
from retrostudy.report.tables.adjusted import RMST_VARIANCE

# What each weighting target estimates, as the Methods name it
ESTIMAND_WORDS = {
    "ATE": "average treatment effect (ATE)",
    "ATT": "average treatment effect in the treated (ATT)",
    "ATC": "average treatment effect in the controls (ATC)",
    "ATO": "average treatment effect in the overlap population (ATO, overlap weights)",
}


def adjusted_figures(ctx, plan) -> dict:
    """Love plot, PS overlap and one weighted-KM figure per endpoint (keys figureS<i>_...)."""
    res = ctx.analyses.adjusted
    if res is None:
        return {}
    rep = ctx.protocol.report
    labels = {s.endpoint: s.text for s in ctx.protocol.analyses.survival}
    colors = {g: c for g, c in zip(ctx.analyses.groups, PALETTE, strict=False)}
    names = ctx.legend_labels  # full group labels in the legends
    figs = [draw_love(res, number="S1"),
            draw_overlap(res, number="S2", colors=colors, labels=names)]
    for i, ep in enumerate(res.endpoints if res.methods else ()):
        figs.append(
            draw_adjusted_km(
                res,
                ep,
                labels.get(ep, ep),
                rep.km,
                number=f"S{3 + i}",
                p_digits=rep.p_digits,
                mask=plan.count_text,
                colors=colors,
                labels=names,
            )
        )
    return {f.key: f for f in figs}


def _covariate_text(res) -> str:
    labels = res.labels_of
    return ", ".join(labels[c] for c in dict.fromkeys(res.design.covariate))


def method_paragraphs(ctx) -> list[Paragraph]:
    res = ctx.analyses.adjusted
    block = ctx.protocol.analyses.adjusted
    conv = res.conventions
    f = res.ps_fit
    text = [
        "Because the groups were not randomised and differed at baseline, the comparison was "
        "repeated as a sensitivity analysis with propensity scores. The propensity score, the "
        f"probability of belonging to {res.treated} rather than {res.reference}, was estimated "
        f"by logistic regression on {_covariate_text(res)} ("
        + ("Firth's penalised likelihood" if f.method == "firth" else "maximum likelihood")
        + f"; n = {f.n}, {f.terms} model terms).",
    ]
    est = ESTIMAND_WORDS[res.estimand]
    if "iptw" in res.methods:
        trim = (
            f" Patients with a score outside [{block.trim[0]:g}, {block.trim[1]:g}] were "
            "given weight 0."
            if block.trim
            else ""
        )
        if conv.truncation is not None:  # the cap and the count come from the result object
            trim += (
                f" Weights above their {conv.truncation.quantile:g} quantile (type 7, over the "
                f"patients kept; cap {conv.truncation.cap:.3g}) were truncated to it "
                "(patients affected per group in the balance table)."
            )
        text.append(
            f"Inverse probability of treatment weighting targeted the {est}; weights "
            f"{conv.iptw_weights}.{trim}"
        )
    if "matching" in res.methods:
        run = conv.matching_run
        text.append(
            f"Matching: {conv.matching}"
            + (
                f" (caliper width {run.caliper_width:.3f} on the logit scale)"
                if run is not None and run.fitted and fmt.isnum(run.caliper_width)
                else ""
            )
            + "; it estimates the effect in the matched treated patients."
        )
    text.append(
        "Balance was judged by absolute standardised mean differences (SMD), with "
        f"|SMD| < {block.threshold:g} taken as balanced. Weighted Kaplan\u2013Meier curves "
        "(robust infinitesimal-jackknife CIs for non-integer weights) and Cox hazard ratios of "
        "the group alone were estimated with robust sandwich variances (IPTW) or variances "
        "clustered on matched sets (matching); groups were compared with the robust score "
        "test, a weighted log-rank test. The crude estimates are shown alongside. All "
        f"computations: retrostudy (profile '{ctx.analyses.conventions.profile}'), following "
        "the conventions of R's glm, MatchIt (nearest neighbour, caliper on the logit) and "
        "survival::coxph(weights, robust = TRUE)."
    )
    text += _curves_text(res)
    text.append(
        "Propensity scores adjust only for the covariates listed; with a small cohort the "
        "adjusted estimates are imprecise and are a check on the direction and rough size of "
        "the crude result, not a causal estimate."
    )
    return [Paragraph(t) for t in text]


def _curves_text(res) -> list[str]:
    """The RMST and cumulative-incidence sentences, from the comparisons that carry them."""
    comps = [c for c in res.comparisons if c.rmst is not None]
    if not comps:
        return []
    by_method = {c.method: c.rmst.variance for c in comps}
    taus = "; ".join(dict.fromkeys(
        f"{c.endpoint}: τ = {c.rmst.tau:.2f} months ({c.rmst.tau_rule})" for c in comps))
    out = [
        "Restricted mean survival time (RMST) to τ was compared by each method from the "
        f"same curves ({taus}); the difference has a Wald CI and z test from "
        + "; ".join(f"{'IPTW' if m == 'iptw' else m}: {RMST_VARIANCE[v]}"
                    for m, v in by_method.items())
        + "."
    ]
    if any(c.cumulative_incidence is not None for c in comps):
        out.append(
            "With competing risks on the endpoint, the cumulative incidence of each cause was "
            "estimated by the Aalen–Johansen estimator with each method's weights "
            "(infinitesimal-jackknife standard errors, log-scale CIs; R survival's "
            "survfit(weights =))."
        )
    return out


def _fig(figs, rendered, key):
    if key not in figs:
        return []
    return [FigureItem(figs[key], rendered[key]["svg"], rendered[key]["png"])]


def _summary(ctx, ep) -> list[Paragraph]:
    res = ctx.analyses.adjusted
    parts = []
    for c in (x for x in res.comparisons if x.endpoint == ep):
        hr = c.hazard_ratio
        parts.append(
            f"{ {'crude': 'crude', 'iptw': 'IPTW', 'matching': 'matched'}[c.method] } HR "
            f"{fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2)} "
            f"(Wald {fmt.p_text(hr.p_value, ctx.protocol.report.p_digits)}; "
            f"{c.test.name} test p = "
            f"{fmt.p_value(c.test.p_value, ctx.protocol.report.p_digits, 'NE')})"
        )
    if not parts:
        return []
    label = next((s.text for s in ctx.protocol.analyses.survival if s.endpoint == ep), ep)
    return [
        Paragraph(
            f"{label}: hazard ratio {res.treated} vs {res.reference}, "
            + "; ".join(parts)
            + ". "
            + _direction(res, ep)
        )
    ]


def _direction(res, ep) -> str:
    """Whether the crude and adjusted point estimates agree in direction (a fact, not a test)."""
    hrs = [
        c.hazard_ratio.hazard_ratio
        for c in res.comparisons
        if c.endpoint == ep and fmt.isnum(c.hazard_ratio.hazard_ratio)
    ]
    if len(hrs) < 2:
        return ""
    if all(h > 1 for h in hrs) or all(h < 1 for h in hrs):
        side = "above" if hrs[0] > 1 else "below"
        return f"All point estimates lie {side} 1, the direction of the crude comparison."
    return "The point estimates do not agree in direction."


def adjusted_sections(ctx, tables, figs, rendered) -> list[Section]:
    res = ctx.analyses.adjusted
    if res is None:
        return []
    items = [*method_paragraphs(ctx)]
    items += [TableItem(tables[k]) for k in ("ps_model", "balance") if k in tables]
    for suffix in ("_love", "_ps_overlap"):
        items += [i for k in sorted(figs) if k.endswith(suffix) for i in _fig(figs, rendered, k)]
    for ep in res.endpoints:
        items += _summary(ctx, ep)
        if f"adjusted_{ep}" in tables:
            items.append(TableItem(tables[f"adjusted_{ep}"]))
        if f"adjusted_curves_{ep}" in tables:
            items.append(TableItem(tables[f"adjusted_curves_{ep}"]))
        items += [
            i
            for k in sorted(figs)
            if k.endswith(f"_km_adjusted_{ep}")
            for i in _fig(figs, rendered, k)
        ]
    return [Section("Adjusted comparison (sensitivity analysis)", tuple(items), anchor="adjusted")]
