"""Swimmer plot: one bar per patient for time on treatment, with response and progression.

The bar is the time on treatment (``ttd_days`` when the dataset has it, else the first
survival endpoint's time), coloured by best overall response; an arrow at the end marks
patients still on treatment. A cross marks the endpoint's event (progression for PFS) and
a triangle the best response's date (``bor_days``) for responders.

Large cohorts: one bar per patient stops being readable (and costs seconds per thousand
bars to draw and save) long before it stops fitting on the page. With ``max_per_group``
set, a group of m > k patients is shown by k of them, evenly spaced along the group's
order by bar length (ranks round(i (m - 1) / (k - 1)), i = 0..k-1: the shortest, the
longest and equally spaced quantiles between), and the caption and group labels say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from retrostudy.endpoints.outcome import has_time_to_event, time_to_event_columns
from retrostudy.report.figures.base import FONT, ReportFigure, new_figure

_BOR_COLORS = {
    "CR": "#1a7f37",
    "PR": "#4caf50",
    "SD": "#f0b429",
    "NON_CR_NON_PD": "#f0b429",
    "PD": "#d1495b",
    "NE": "#9e9e9e",
}


def _bar_column(data: pd.DataFrame, endpoint: str) -> str:
    return "ttd" if has_time_to_event(data, "ttd") else endpoint


def _legend(ax, d: pd.DataFrame, bor: str, bar: str, endpoint: str) -> None:
    handles = [
        Patch(color=c, label=k) for k, c in _BOR_COLORS.items() if bor in d and (d[bor] == k).any()
    ]
    handles += [
        Line2D([], [], ls="none", marker="x", color="black", label=f"{endpoint.upper()} event"),
        Line2D(
            [],
            [],
            ls="none",
            marker=">",
            color="black",
            label="Still on treatment" if bar == "ttd" else "Censored",
        ),
        Line2D(
            [], [], ls="none", marker="^", color="white", mec="black", label="Best response (CR/PR)"
        ),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False, ncol=2)


def _markers(ax, d, y, endpoint, bor, per) -> None:
    cols = time_to_event_columns(endpoint)
    ev_col, t_col = cols.event, cols.time
    if {ev_col, t_col} <= set(d.columns):
        ev = d[ev_col].fillna(0).to_numpy(int) == 1
        ax.plot(
            d[t_col].to_numpy(float)[ev] / per, y[ev], ls="none", marker="x", ms=4, color="black"
        )
    if {bor, "bor_days"} <= set(d.columns):
        resp = d[bor].isin(["CR", "PR"]).to_numpy() & d["bor_days"].notna().to_numpy()
        days = d["bor_days"].to_numpy(float, na_value=np.nan)
        ax.plot(days[resp] / per, y[resp], ls="none", marker="^", ms=4, color="white", mec="black")


def thin_groups(d: pd.DataFrame, max_per_group: int | None) -> tuple[pd.DataFrame, dict]:
    """At most ``max_per_group`` rows of each group of ``d`` (already sorted within groups).

    Keeps ranks round(i (m - 1) / (k - 1)) of a group of m > k rows; returns the kept rows
    and, per group, (shown, total).
    """
    keep, sizes = [], {}
    codes, names = pd.factorize(d["group"], use_na_sentinel=False)
    for code, name in enumerate(names):
        pos = np.flatnonzero(codes == code)
        m = pos.size
        k = m if max_per_group is None else min(m, max_per_group)
        if k < m:
            pos = pos[np.unique(np.round(np.linspace(0, m - 1, k)).astype(np.int64))]
        keep.append(pos)
        sizes[name] = (pos.size, m)
    rows = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    return d.iloc[rows], sizes


def _group_labels(ax, d, y, groups, sizes) -> None:
    for gi, g in enumerate(groups):
        rows = y[(d["group"] == g).to_numpy()]
        if rows.size:
            shown, total = sizes.get(g, (rows.size, rows.size))
            ax.text(
                -0.02,
                rows.mean(),
                g if shown == total else f"{g}\n({shown} of {total})",
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=8,
                family=FONT,
            )
            if gi:
                ax.axhline(rows.max() + 0.5, color="grey", lw=0.6)


def _thinned_note(sizes: dict) -> str:
    thinned = {g: st for g, st in sizes.items() if st[0] < st[1]}
    if not thinned:
        return ""
    parts = "; ".join(f"{g}: {shown} of {total}" for g, (shown, total) in thinned.items())
    return (
        f" Large groups are shown by evenly spaced patients along the order of bar length "
        f"(shortest and longest included; [report] swimmer_max_per_group): {parts}."
    )


def draw_swimmer(
    data: pd.DataFrame,
    groups: list[str],
    endpoint: str,
    days_per_month: float,
    *,
    bor: str = "bor",
    number: str = "4",
    max_per_group: int | None = None,
) -> ReportFigure:
    """The swimmer plot; ``max_per_group`` caps the bars per group (None: every patient)."""
    bar = _bar_column(data, endpoint)
    cols = time_to_event_columns(bar)
    d = data.dropna(subset=[cols.time, cols.event]).copy()
    d["_g"] = d["group"].map({g: i for i, g in enumerate(groups)})
    d = d.sort_values(
        ["_g", cols.time, "patient_id"], ascending=[False, True, True], kind="stable"
    )
    d, sizes = thin_groups(d, max_per_group)
    sizes = {g: sizes[g] for g in [*groups, *sizes] if g in sizes}  # caption in group order
    n = len(d)
    height = 1.4 + 0.11 * n
    fig = new_figure(7.0, height)
    ax = fig.add_axes((0.16, 0.9 / height, 0.8, 1 - 1.3 / height))
    months = d[cols.time].to_numpy(float) / days_per_month
    colors = [_BOR_COLORS.get(str(v), "#9e9e9e") for v in (d[bor] if bor in d else [None] * n)]
    y = np.arange(n)
    ax.barh(y, months, height=0.7, color=colors, edgecolor="none")
    ongoing = d[cols.event].to_numpy(int) == 0
    ax.plot(months[ongoing], y[ongoing], ls="none", marker=">", ms=4, color="black")
    _markers(ax, d, y, endpoint, bor, days_per_month)
    _group_labels(ax, d, y, groups, sizes)
    _legend(ax, d, bor, bar, endpoint)
    ax.set_yticks([])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("Months since index date", fontsize=9, family=FONT)
    ax.spines[["top", "right", "left"]].set_visible(False)
    what = "time on treatment" if bar == "ttd" else f"time to {endpoint.upper()} event or censoring"
    caption = (
        f"One bar per patient: {what}, coloured by best overall response; crosses mark the "
        f"{endpoint.upper()} event, triangles the best response of responders."
    ) + _thinned_note(sizes)
    return ReportFigure(
        key=f"figure{number}_swimmer",
        title=f"Fig. {number}. Swimmer plot",
        caption=caption,
        figure=fig,
    )
