"""Cumulative incidence of competing events: one panel per cause, one step curve per group,
numbers at risk (of any event) under each panel, Gray's test p in the panel title."""

from __future__ import annotations

import numpy as np

from retrostudy.analysis.competing_status import CAUSE_LABELS, CAUSES
from retrostudy.report import fmt
from retrostudy.report.figures.base import FONT, PALETTE, ReportFigure, new_figure
from retrostudy.report.figures.km import plain_count


def _panel(ax, res, j, labels, max_t, breaks, p_digits, mask):
    cause = CAUSES[j + 1]
    for (g, curve), color in zip(res.curves.items(), PALETTE, strict=False):
        t = np.concatenate([[0.0], curve.time])
        y = np.concatenate([[0.0], curve.incidence[:, j]])
        ax.step(np.append(t, max_t), np.append(y, y[-1]), where="post", color=color, lw=1.6,
                label=f"{labels.get(g, g)} (n = {mask(res.groups[g].n, (g, 'n'))})")
    gray_test = res.gray.get(cause)
    p = gray_test.p_value if gray_test is not None else None
    # In the title, not inside the axes, where a curve reaching 1 would run through it.
    gray = f"Gray's test {fmt.p_text(p, p_digits)}"
    ax.set_title(f"{CAUSE_LABELS[j + 1]}\n{gray}", fontsize=9, family=FONT)
    ax.set_xlim(-max_t * 0.02, max_t * 1.02)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(breaks)
    ax.set_xlabel("Months since index date", fontsize=8.5, family=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=7.5)


def _risk(ax, res, labels, breaks, mask):
    ax.set_ylim(-0.5, len(res.curves) - 0.5)
    ax.invert_yaxis()
    for i, (g, color) in enumerate(zip(res.curves, PALETTE, strict=False)):
        counts = res.at_risk.counts[g]
        for k, (x, n) in enumerate(zip(breaks, counts, strict=True)):
            ax.text(x, i, mask(int(n), (g, k)), ha="center", va="center", fontsize=7, family=FONT,
                    color=color)
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0, labelbottom=False)
    ax.set_title("Number at risk", loc="left", fontsize=7.5, family=FONT)


def draw_cif(res, labels: dict, *, p_digits: int = 4, mask=None, number: str = "6",
             legend: dict | None = None) -> ReportFigure:
    """Aalen–Johansen curves of ``res`` (a CompetingResult) with its numbers at risk
    (``res.at_risk``, counted by the analysis); ``mask(n, (group, k))`` prints
    the numbers at risk, ``mask(n, (group, "n"))`` the legend's n (as in the KM figure);
    ``legend``: group -> its full label in the legend (default ``labels``)."""
    mask = mask or plain_count
    # the x range and the at-risk times: as the analysis counted them (res.at_risk)
    max_t, breaks = res.at_risk.max_months, np.asarray(res.at_risk.months, float)
    n_rows = len(res.curves)
    fig = new_figure(8.0, 4.2 + 0.22 * n_rows)
    bottom = 0.1 + 0.055 * n_rows
    for j in range(len(CAUSES)):
        left = 0.08 + j * 0.48
        ax = fig.add_axes((left, bottom + 0.08, 0.4, 0.82 - bottom))
        _panel(ax, res, j, {**labels, **(legend or {})}, max_t, breaks, p_digits, mask)
        if j == 0:
            ax.set_ylabel("Cumulative incidence", fontsize=8.5, family=FONT)
            ax.legend(loc="lower right", frameon=False, fontsize=7.5)
        rax = fig.add_axes((left, 0.02, 0.4, 0.045 * n_rows), sharex=ax)
        _risk(rax, res, labels, breaks, mask)
    caption = (
        f"{res.label}: cumulative incidence of progression and of death without progression "
        "by group (Aalen\u2013Johansen), with Gray's test per cause. Numbers at risk of either "
        f"event at the start of each interval. Causes: {res.rule}."
    )
    return ReportFigure(key=f"figure{number}_cif_{res.endpoint}",
                        title=f"Fig. {number}. Competing risks: {res.label}", caption=caption,
                        figure=fig)
