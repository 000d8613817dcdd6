"""Forest plots: hazard ratios of the Cox models, and literature comparators' medians."""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

from retrostudy.report import fmt
from retrostudy.report.figures.base import FONT, PALETTE, ReportFigure, new_figure
from retrostudy.report.pvalues import TEST_NAMES
from retrostudy.report.tables.subgroups import forest_rows


def _rows_from_models(res, labels, var_labels, level_labels):
    rows = []
    for model, color in (("unadjusted", PALETTE[0]), ("adjusted", PALETTE[1])):
        m = res.model(model)
        if m is None:
            continue
        for c in m.coefficients:
            name = level_labels.get(
                (c.variable, str(c.level)), labels.get(c.level, c.level)
            )
            level = "" if c.level is None else f": {name}"
            rows.append(
                (
                    f"{var_labels.get(c.variable, c.variable)}{level} ({model})",
                    c.hazard_ratio,
                    c.conf_low,
                    c.conf_high,
                    color,
                )
            )
    return rows


def _log_axis(ax, rows) -> None:
    """Log scale with plain tick labels at 1/8 ... 8 (matplotlib's default is 10^k notation)."""
    values = [v for r in rows for v in r[1:4] if fmt.isnum(v) and v > 0 and not math.isinf(v)] or [
        1.0
    ]
    lo, hi = min(min(values), 0.9), max(max(values), 1.1)
    ax.set_xscale("log")
    ax.set_xlim(lo / 1.15, hi * 1.15)
    ticks = [
        t
        for t in (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)
        if lo / 1.15 <= t <= hi * 1.15
    ]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    formatter = ScalarFormatter()
    formatter.set_scientific(False)
    ax.xaxis.set_major_formatter(formatter)


def _value_text(est, lo, hi, digits: int) -> str:
    if not (fmt.isnum(lo) and fmt.isnum(hi)):
        return fmt.num(est, digits)
    return fmt.estimate_ci(est, lo, hi, digits)


def _draw(
    rows,
    *,
    xlabel: str,
    log: bool,
    ref: float | None,
    title_width: float = 0.46,
    digits: int = 2,
    notes: dict[int, str] | None = None,
    value_header: str | None = None,
):
    """One row per ``(label, est, lo, hi, color)``; ``color`` None marks a label-only heading
    row, whose right-hand text is ``notes[i]`` (e.g. an interaction p) if given."""
    n = max(len(rows), 1)
    fig = new_figure(7.0, 1.0 + 0.32 * n)
    height = 1.0 + 0.32 * n
    ax = fig.add_axes((title_width, 0.8 / height, 0.8 - title_width - 0.02, 1 - 1.1 / height))
    _plot_rows(ax, rows, xlabel=xlabel, log=log, ref=ref, digits=digits, notes=notes,
               value_header=value_header)
    return fig


def _plot_rows(ax, rows, *, xlabel, log, ref, digits, notes=None, value_header=None) -> None:
    """Draw ``(label, est, lo, hi, color)`` rows on one axes (see :func:`_draw`)."""
    notes = notes or {}
    n = max(len(rows), 1)
    ys = np.arange(n)[::-1]
    for i, (y, (label, est, lo, hi, color)) in enumerate(zip(ys, rows, strict=True)):
        heading = color is None  # a label-only row (e.g. a subgroup variable)
        ok = all(fmt.isnum(v) and not math.isinf(v) for v in (lo, hi))
        if ok:
            ax.plot([lo, hi], [y, y], color=color, lw=1.3)
        if fmt.isnum(est):
            ax.plot([est], [y], marker="s", color=color, ms=5)
        ax.text(
            -0.02,
            y,
            textwrap.fill(label, 44),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            family=FONT,
            fontweight="bold" if heading else "normal",
        )
        ax.text(
            1.02,
            y,
            notes.get(i, "") if heading else _value_text(est, lo, hi, digits),
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=8,
            family=FONT,
            style="italic" if heading else "normal",
        )
    if value_header:
        ax.text(1.02, n - 0.3, value_header, transform=ax.get_yaxis_transform(), ha="left",
                va="bottom", fontsize=8, family=FONT, fontweight="bold")
    if log:
        _log_axis(ax, rows)
    if ref is not None:
        ax.axvline(ref, color="grey", lw=0.8, ls="--")
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.set_xlabel(xlabel, fontsize=9, family=FONT)


def draw_forest(res, labels, var_labels, level_labels=None, *, number: str = "3") -> ReportFigure:
    rows = _rows_from_models(res, labels, var_labels, level_labels or {})
    fig = _draw(rows, xlabel="Hazard ratio (log scale)", log=True, ref=1.0)
    caption = (
        f"Cox model hazard ratios for {res.label} with 95% CIs; "
        "unadjusted (blue) and adjusted (red). "
        f"Reference group: {labels.get(res.reference, res.reference)}."
    )
    return ReportFigure(
        key=f"figure{number}_forest_{res.endpoint}",
        title=f"Fig. {number}. Hazard ratios",
        caption=caption,
        figure=fig,
    )


def draw_comparators(
    rows: list[tuple[str, str, float, float, float, bool]], *, number: str
) -> ReportFigure:
    """Median (CI) in months for each study, one panel with its own axis per endpoint type
    (rows ``(group heading, label, median, low, high, own)``): trial PFS, real-world PFS and
    time on treatment never share an axis. ``own`` rows (this cohort) are drawn in red."""
    groups: dict[str, list] = {}
    for heading, label, est, lo, hi, own in rows:
        groups.setdefault(heading, []).append(
            (f"This cohort: {label}" if own else label, est, lo, hi,
             PALETTE[1] if own else PALETTE[0])
        )
    heights = [0.95 + 0.32 * max(len(g), 1) for g in groups.values()]
    total = sum(heights) + 0.1
    fig = new_figure(7.0, total)
    top = total
    for (heading, styled), h in zip(groups.items(), heights, strict=True):
        top -= h
        ax = fig.add_axes((0.46, (top + 0.62) / total, 0.32, (h - 0.95) / total + 0.1 / total))
        ax.set_title(heading, fontsize=9, family=FONT, fontweight="bold", loc="left",
                     x=-0.85)
        _plot_rows(ax, styled, xlabel="Median, months", log=False, ref=None, digits=1)
        values = [v for r in styled for v in r[1:4] if fmt.isnum(v) and not math.isinf(v)]
        ax.set_xlim(0, max(values + [1.0]) * 1.08)
    caption = (
        "Median in this cohort (red) beside published studies (blue), with 95% CIs where "
        "reported; one panel per endpoint type, each with its own axis, because trial PFS, "
        "real-world PFS and time on treatment measure different things."
    )
    return ReportFigure(
        key=f"figure{number}_comparators",
        title=f"Fig. {number}. Literature comparators",
        caption=caption,
        figure=fig,
    )


def _interaction_note(res) -> str:
    """The caption's sentence naming the interaction test(s) the notes' p values come from,
    read from the results (likelihood-ratio, or robust Wald with a robust variance)."""
    tests = sorted({v.interaction.test for v in res.variables} - {None})
    if not tests:
        return ""
    return " Interaction p: " + "; ".join(TEST_NAMES[t] for t in tests) + "."


def draw_subgroup_forest(
    res,
    labels,
    *,
    mask=str,
    number: str = "7",
    suffix: str = "",
    conf_level: float = 0.95,
    p_digits: int = 3,
) -> ReportFigure:
    """Hazard ratio of the group within each subgroup level (a SubgroupResult), NE levels
    without a marker; ``mask`` formats the patient counts in the labels."""
    rows = [
        (label, est, lo, hi, None if heading else PALETTE[0])
        for label, est, lo, hi, heading in forest_rows(res, mask)
    ]
    headings = [i for i, r in enumerate(rows) if r[4] is None]
    notes = {
        i: f"Interaction {fmt.p_text(v.interaction.p_value, p_digits)}"
        for i, v in zip(headings, res.variables, strict=True)
    }
    fig = _draw(rows, xlabel="Hazard ratio (log scale)", log=True, ref=1.0, notes=notes,
                value_header=f"HR ({round(conf_level * 100):g}% CI)")
    g = next(x for x in res.groups if x != res.reference)
    caption = (
        f"{res.label}: hazard ratio of {labels.get(g, g)} vs "
        f"{labels.get(res.reference, res.reference)} (unadjusted Cox model) within each "
        f"subgroup, with {round(conf_level * 100):g}% CIs; NE = not estimable (see the table)."
        f"{_interaction_note(res)}"
    )
    return ReportFigure(
        key=f"figure{number}_subgroups_{res.endpoint}{suffix}",
        title=f"Fig. {number}. Subgroup analyses: {res.label}",
        caption=caption,
        figure=fig,
    )
