"""Figures of the adjusted comparison: the love plot and the propensity-score overlap.

Love plot: |SMD| per covariate column before adjustment and after each method, with the
balance threshold as a dashed line. Overlap: the distribution of the propensity score in
each group, mirrored (treated above the axis, reference below) as the Gaussian kernel
densities the analysis estimated (``AdjustedResult.ps_density``: R's default bandwidth
``bw.nrd0``), so no bar shows a patient count (small-cell suppression); the figure only
draws them.
"""

from __future__ import annotations

import numpy as np

from retrostudy.report.figures.base import FONT, PALETTE, ReportFigure, new_figure

_MARKERS = {
    "before": ("o", "white", "Unadjusted"),
    "iptw": ("s", PALETTE[0], "After IPTW"),
    "matching": ("D", PALETTE[1], "After matching"),
}


def draw_love(res, *, number: str) -> ReportFigure:
    names, labels = res.design.names, res.design.labels
    n = len(names)
    fig = new_figure(7.0, 1.4 + 0.32 * n)
    ax = fig.add_axes((0.42, 0.9 / (1.4 + 0.32 * n), 0.54, 1 - 1.3 / (1.4 + 0.32 * n)))
    y = np.arange(n)[::-1]
    thr = res.conventions.balance_threshold
    top = thr
    for key in ("before", *res.methods):
        marker, face, label = _MARKERS[key]
        v = np.abs(np.array([res.balance[key][c] for c in names], float))
        finite = v[np.isfinite(v)]  # an SMD is NaN when a group has no patient left
        top = max(top, float(finite.max()) if finite.size else thr)
        edge = "black" if key == "before" else face
        ax.scatter(
            v, y, marker=marker, s=30, facecolors=face, edgecolors=edge, label=label, zorder=3
        )
    ax.axvline(thr, ls="--", lw=0.9, color="grey")
    ax.axvline(0, lw=0.6, color="black")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8, family=FONT)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, top * 1.1)
    ax.set_xlabel("Absolute standardised mean difference", fontsize=9, family=FONT)
    ax.grid(axis="y", lw=0.4, color="#dddddd")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7.5, frameon=False)
    return ReportFigure(
        key=f"figure{number}_love",
        title=f"Fig. {number}. Covariate balance",
        caption=f"Absolute standardised mean differences of the propensity-model covariates "
        f"before and after adjustment; the dashed line marks {thr:g}, the conventional "
        "limit of balance.",
        figure=fig,
    )


def draw_overlap(
    res, *, number: str, colors: dict | None = None, labels: dict | None = None
) -> ReportFigure:
    """Mirrored PS densities; ``labels``: group -> its full label (legend and caption)."""
    name = (labels or {}).get
    fig = new_figure(7.0, 3.6)
    ax = fig.add_axes((0.1, 0.15, 0.86, 0.75))
    grid = res.ps_density.grid
    peak = 0.0
    colors = colors or {res.treated: PALETTE[0], res.reference: PALETTE[1]}
    for g, sign in ((res.treated, 1), (res.reference, -1)):
        color = colors[g]
        dens = res.ps_density.density[g]
        peak = max(peak, float(dens.max()) if dens.size else 0.0)
        ax.fill_between(grid, 0, sign * dens, color=color, alpha=0.35, lw=0)
        ax.plot(grid, sign * dens, color=color, lw=1.2, label=name(g, g))
    peak = peak or 1.0
    ax.set_ylim(-peak * 1.1, peak * 1.1)
    ax.set_xlim(0, 1)
    ax.axhline(0, color="black", lw=0.6)
    ticks = ax.get_yticks()
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{abs(t):g}" for t in ticks], fontsize=8)
    ax.set_ylim(-peak * 1.1, peak * 1.1)
    ax.set_xlabel(f"Propensity score (probability of {name(res.treated, res.treated)})",
                  fontsize=9, family=FONT)
    ax.set_ylabel("Density", fontsize=9, family=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", fontsize=8, frameon=False, ncol=2)
    return ReportFigure(
        key=f"figure{number}_ps_overlap",
        title=f"Fig. {number}. Propensity-score overlap",
        caption=f"Distribution of the propensity score: {name(res.treated, res.treated)} above "
        f"the axis, {name(res.reference, res.reference)} below (Gaussian kernel densities, "
        "bandwidth bw.nrd0). Little "
        "overlap means weights and matches rest on few patients.",
        figure=fig,
    )
