"""Fig. 2: Kaplan–Meier curves with censor marks, numbers at risk, medians, HR and log-rank p.

The numbers-at-risk table is drawn in an axes that shares the curve's x axis, so each
count sits exactly under its tick. Counts are those at risk at the *start* of each
interval (observed time >= t), as R's ``summary(fit, times = t)`` gives them; the analysis
counts them (``EndpointResult.at_risk``, at ``[report.km]``'s break times), the figure
only draws them.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.font_manager import FontProperties

from retrostudy.report import fmt
from retrostudy.report.figures.base import FONT, PALETTE, ReportFigure, current_style, new_figure
from retrostudy.report.figures.placement import place_text


def plain_count(n: int, where=None) -> str:
    """The default ``mask`` of the KM and CIF figures: the count as it is."""
    return str(n)


def _curve(ax, g, color, label, opts):
    c = g.curve
    t = np.concatenate([[0.0], c.time])
    s = np.concatenate([[1.0], c.survival])
    ax.step(t, s, where="post", color=color, lw=1.6, label=label)
    if opts.ci_bands:
        lo = np.concatenate([[1.0], c.conf_low])
        hi = np.concatenate([[1.0], c.conf_high])
        ax.fill_between(
            t,
            np.nan_to_num(lo),
            np.nan_to_num(hi, nan=1.0),
            step="post",
            color=color,
            alpha=0.15,
            lw=0,
        )
    ax.plot(
        c.censor_times, c.censor_survival, ls="none", marker="|", ms=7, mew=1.2, color=color
    )
    med = g.median[0]
    if opts.median_lines and fmt.isnum(med) and not math.isinf(med):
        ax.plot([0, med], [0.5, 0.5], ls=":", lw=0.9, color="grey")
        ax.plot([med, med], [0, 0.5], ls=":", lw=0.9, color=color)


def _annotation(res, labels, p_digits) -> str:
    lines = []
    hr = res.group_hr("unadjusted")
    if hr:
        lines.append(
            f"HR {labels.get(hr.level, hr.level)} vs "
            f"{labels.get(res.reference, res.reference)}: "
            f"{fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2)}"
        )
    test = "Log-rank" if res.test == "logrank" else "Cox score (delayed entry)"
    lines.append(f"{test} {fmt.p_text(res.logrank.p_value, p_digits)}")
    for g in res.groups:
        lines.append(f"Median {labels.get(g.group, g.group)}: {fmt.estimate_ci(*g.median)} mo")
    return "\n".join(lines)


def _risk_table(ax, res, labels, breaks, mask):
    ax.set_ylim(-0.5, len(res.groups) - 0.5)
    ax.invert_yaxis()
    for i, (g, color) in enumerate(zip(res.groups, PALETTE, strict=False)):
        counts = res.at_risk.counts[g.group]
        for k, (x, n) in enumerate(zip(breaks, counts, strict=True)):
            ax.text(x, i, mask(int(n), (g.group, k)), ha="center", va="center", fontsize=8,
                    family=FONT, color=color)
        ax.text(
            -0.02,
            i,
            labels.get(g.group, g.group),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            family=FONT,
            color=color,
        )
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0, labelbottom=False)
    ax.set_title("Number at risk", loc="left", fontsize=8, family=FONT, x=-0.0)


def _left_margin(fig, row_labels) -> float:
    """The plot's left edge (figure fraction): room for the at-risk row labels (8 pt)."""
    renderer = fig.canvas.get_renderer()
    prop = FontProperties(family=current_style().fonts, size=8)
    widest = max((renderer.get_text_width_height_descent(s, prop, ismath=False)[0]
                  for s in row_labels), default=0.0)
    return min(max(0.14, (widest + 0.04 * fig.dpi) / fig.bbox.width + 0.02), 0.5)


def draw_km(
    res,
    labels: dict[str, str],
    opts,
    *,
    p_digits: int = 4,
    mask=None,
    key: str | None = None,
    number: str = "2",
    legend: dict[str, str] | None = None,
) -> ReportFigure:
    """One endpoint's KM figure; ``mask(n, (group, k))`` prints the k-th number at risk of
    a group, ``mask(n, (group, "n"))`` its legend's n (small-cell suppression); ``legend``:
    group -> its full label in the legend (default ``labels``)."""
    mask = mask or plain_count
    legend = {**labels, **(legend or {})}
    # the x range and the at-risk times: as the analysis counted them ([report.km])
    max_t, breaks = res.at_risk.max_months, np.asarray(res.at_risk.months, float)
    n_rows = len(res.groups) if opts.risk_table else 0
    fig = new_figure(7.0, 4.6 + 0.25 * n_rows)
    top = 0.12 + 0.06 * n_rows if n_rows else 0.12
    left = _left_margin(fig, [labels.get(g.group, g.group) for g in res.groups] if n_rows else [])
    ax = fig.add_axes((left, top + 0.02, 0.96 - left, 0.93 - top))
    for g, color in zip(res.groups, PALETTE, strict=False):
        _curve(ax, g, color, f"{legend.get(g.group, g.group)} (n = {mask(g.n, (g.group, 'n'))})",
               opts)
    ax.set_xlim(-max_t * 0.02, max_t * 1.02)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(breaks)
    ax.set_xlabel("Months since index date", fontsize=9, family=FONT)
    ax.set_ylabel(f"{res.label} probability", fontsize=9, family=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="best", frameon=False, fontsize=8)  # full group labels with their n
    if n_rows:
        rax = fig.add_axes((left, 0.02, 0.96 - left, 0.055 * n_rows), sharex=ax)
        _risk_table(rax, res, labels, breaks, mask)
    # HR, log-rank p and medians where they cover no curve, marker, legend or count
    place_text(ax, _annotation(res, labels, p_digits), fontsize=7.5, family=FONT)
    caption = (
        f"{res.label}: Kaplan\u2013Meier estimates by group; tick marks are censored observations; "
        "dotted lines mark the medians. Numbers at risk at the start of each interval."
    )
    return ReportFigure(
        key=key or f"figure{number}_km_{res.endpoint}",
        title=f"Fig. {number}. {res.label}",
        caption=caption,
        figure=fig,
    )
