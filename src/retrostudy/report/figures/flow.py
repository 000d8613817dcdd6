"""Fig. 1: CONSORT/STROBE-style flow diagram drawn from a :class:`~retrostudy.report.flow.Flow`."""

from __future__ import annotations

import textwrap

from retrostudy.report.figures.base import FONT, ReportFigure, new_figure

_X = 0.4  # x of the main column of boxes
_BOX = {"boxstyle": "square,pad=0.5", "facecolor": "white", "edgecolor": "black", "linewidth": 0.9}


def _text(ax, x, y, text, width=34, **kw):
    wrapped = "\n".join(textwrap.fill(line, width) for line in text.split("\n"))
    return ax.text(
        x, y, wrapped, ha="center", va="center", fontsize=8.5, family=FONT, bbox=_BOX, **kw
    )


def _arrow(ax, start, end):
    ax.annotate(
        "", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 0.9, "color": "black"}
    )


def draw_flow(flow, *, hidden=frozenset(), mask: str = "") -> ReportFigure:
    """Boxes top-down: identified, exclusions (side box), analysed, one box per group.

    ``hidden`` names counts masked by small-cell suppression (keys of ``suppress_flow``);
    a mapping gives each its masked text, else ``mask`` is shown.
    """

    def fmt_count(key: str, n: int) -> str:
        if key not in hidden:
            return str(n)
        return hidden[key] if isinstance(hidden, dict) else mask

    n_groups = max(len(flow.groups), 1)
    fig = new_figure(7.0, 5.2)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    _text(
        ax, _X, 0.9, f"{flow.source}\n(n = {fmt_count('identified', flow.n_identified)})", width=44
    )
    if flow.steps:
        excl = "Excluded:\n" + "\n".join(
            f"\u2022 {s.label} (n = {fmt_count(f'step:{i}', s.n_excluded)})"
            for i, s in enumerate(flow.steps)
        )
        ax.text(
            0.6,
            0.66,
            "\n".join(textwrap.fill(t, 34, subsequent_indent="  ") for t in excl.split("\n")),
            ha="left",
            va="center",
            fontsize=8,
            family=FONT,
            bbox=_BOX,
        )
        _arrow(ax, (_X, 0.66), (0.59, 0.66))
    _arrow(ax, (_X, 0.84), (_X, 0.47))
    _text(
        ax,
        _X,
        0.42,
        f"Included in the analysis\n(n = {fmt_count('analysed', flow.n_analysed)})",
        width=40,
    )
    spread = min(0.42, 0.84 / n_groups)
    xs = [_X + (i - (n_groups - 1) / 2) * spread for i in range(n_groups)]
    for i, (x, (name, n)) in enumerate(zip(xs, flow.groups, strict=False)):
        _arrow(ax, (_X, 0.37), (x, 0.175))
        _text(ax, x, 0.12, f"{name}\n(n = {fmt_count(f'group:{i}', n)})", width=24)
    if flow.notes:
        ax.text(
            0.5, 0.01, "; ".join(flow.notes), ha="center", va="bottom", fontsize=7.5, family=FONT
        )
    caption = "Patient selection flow chart (STROBE item 13), generated from the cohort attrition."
    return ReportFigure(
        key="figure1_flow", title="Fig. 1. Patient flow", caption=caption, figure=fig
    )
