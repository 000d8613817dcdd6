"""Weighted and matched Kaplan–Meier curves of one endpoint, one panel per method.

The curves come from :mod:`retrostudy.analysis.adjusted_survival` (weights already
applied); the drawing of each curve is the main KM figure's. No numbers-at-risk table:
under weighting the weighted numbers at risk are not patient counts.
"""

from __future__ import annotations

from retrostudy.analysis.adjusted_survival import METHOD_NAMES
from retrostudy.report import fmt
from retrostudy.report.figures.base import FONT, PALETTE, ReportFigure, new_figure
from retrostudy.report.figures.km import _curve
from retrostudy.report.figures.placement import place_text

_PANELS = {
    "iptw": "Kaplan\u2013Meier estimates weighted by the inverse probability of treatment",
    "matching": "Kaplan\u2013Meier estimates in the matched sample",
}
_TITLES = {"iptw": "IPTW-weighted", "matching": "Matched sample"}


def _annotation(c, res, p_digits: int, name) -> str:
    hr = c.hazard_ratio
    lines = [
        f"HR {name(res.treated, res.treated)} vs {name(res.reference, res.reference)}: "
        f"{fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2)}",
        f"Weighted log-rank {fmt.p_text(c.test.p_value, p_digits)}",
    ]
    lines += [f"Median {name(g.group, g.group)}: {fmt.estimate_ci(*g.median)} mo"
              for g in c.groups]
    return "\n".join(lines)


def draw_adjusted_km(
    res,
    endpoint: str,
    label: str,
    opts,
    *,
    number: str,
    p_digits: int = 4,
    mask=str,
    colors: dict | None = None,
    labels: dict | None = None,
) -> ReportFigure:
    """One panel per adjusted method; ``colors``: group -> colour (as in the main KM figure);
    ``labels``: group -> its full label (legends and annotation)."""
    name = (labels or {}).get
    comps = [c for c in res.comparisons if c.endpoint == endpoint and c.method != "crude"]
    fig = new_figure(7.0, 3.9)
    width = 0.84 / max(len(comps), 1)
    max_t = opts.max_months or max(
        (float(g.curve.time.max()) for c in comps for g in c.groups if g.curve.time.size),
        default=1.0,
    )
    axes = []
    for i, c in enumerate(comps):
        ax = fig.add_axes(
            (0.1 + i * width, 0.14, width - 0.05, 0.74), sharey=axes[0] if axes else None
        )
        axes.append(ax)
        for g in c.groups:
            color = (colors or {}).get(g.group, PALETTE[0 if g.group == res.treated else 1])
            ess = f", ESS {g.ess:.1f}" if c.method == "iptw" else ""
            _curve(ax, g, color, f"{name(g.group, g.group)} (n = {mask(g.n)}{ess})", opts)
        ax.set_xlim(-max_t * 0.02, max_t * 1.02)
        ax.set_ylim(0, 1.03)
        ax.set_title(_TITLES.get(c.method, METHOD_NAMES[c.method]), fontsize=9, family=FONT)
        ax.set_xlabel("Months since index date", fontsize=8.5, family=FONT)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
        ax.legend(loc="best", frameon=False, fontsize=7)
        place_text(ax, _annotation(c, res, p_digits, name), fontsize=6.8, family=FONT)
    if axes:
        axes[0].set_ylabel(f"{label} probability", fontsize=8.5, family=FONT)
    return ReportFigure(
        key=f"figure{number}_km_adjusted_{endpoint}",
        title=f"Fig. {number}. {label}: propensity-score adjusted",
        caption=f"{label}: "
        + "; ".join(_PANELS[c.method] for c in comps)
        + ". Tick marks are censored observations. Hazard ratios with robust CIs; p from the "
        "robust score (weighted log-rank) test.",
        figure=fig,
    )
