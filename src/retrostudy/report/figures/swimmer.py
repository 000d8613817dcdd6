"""Swimmer plot: one bar per patient (time on the endpoint), coloured by best response.

Bar end: a cross for the endpoint's event (e.g. progression), an arrow for patients still
followed (censored). A triangle marks the first response when the dataset has
``response_days``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrostudy.report.figures.base import FONT, ReportFigure, new_figure

_BOR_COLORS = {
    "CR": "#1a7f37",
    "PR": "#4caf50",
    "SD": "#f0b429",
    "NON_CR_NON_PD": "#f0b429",
    "PD": "#d1495b",
    "NE": "#9e9e9e",
}


def draw_swimmer(
    data: pd.DataFrame,
    groups: list[str],
    endpoint: str,
    days_per_month: float,
    *,
    bor: str = "bor",
    number: str = "4",
) -> ReportFigure:
    d = data.dropna(subset=[f"{endpoint}_days", f"{endpoint}_event"]).copy()
    d["_g"] = d["group"].map({g: i for i, g in enumerate(groups)})
    d = d.sort_values(
        ["_g", f"{endpoint}_days", "patient_id"], ascending=[False, True, True], kind="stable"
    )
    n = len(d)
    fig = new_figure(7.0, 1.4 + 0.11 * n)
    ax = fig.add_axes((0.16, 0.9 / (1.4 + 0.11 * n), 0.8, 1 - 1.3 / (1.4 + 0.11 * n)))
    months = d[f"{endpoint}_days"].to_numpy(float) / days_per_month
    colors = [_BOR_COLORS.get(str(v), "#9e9e9e") for v in (d[bor] if bor in d else [None] * n)]
    y = np.arange(n)
    ax.barh(y, months, height=0.7, color=colors, edgecolor="none")
    ev = d[f"{endpoint}_event"].to_numpy(int) == 1
    ax.plot(months[ev], y[ev], ls="none", marker="x", ms=4, color="black")
    ax.plot(months[~ev], y[~ev], ls="none", marker=">", ms=4, color="black")
    if "response_days" in d:
        r = d["response_days"].to_numpy(float) / days_per_month
        ok = ~np.isnan(r)
        ax.plot(r[ok], y[ok], ls="none", marker="^", ms=4, color="white", mec="black")
    for gi, g in enumerate(groups):
        rows = y[(d["group"] == g).to_numpy()]
        if rows.size:
            ax.text(
                -0.02,
                rows.mean(),
                g,
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=8,
                family=FONT,
                rotation=0,
            )
            if gi:
                ax.axhline(rows.max() + 0.5, color="grey", lw=0.6)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=c, label=k) for k, c in _BOR_COLORS.items() if bor in d and (d[bor] == k).any()
    ]
    handles += [
        Line2D([], [], ls="none", marker="x", color="black", label="Event"),
        Line2D([], [], ls="none", marker=">", color="black", label="Censored"),
    ]
    if "response_days" in d:
        handles.append(
            Line2D(
                [], [], ls="none", marker="^", color="white", mec="black", label="First response"
            )
        )
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False, ncol=2)
    ax.set_yticks([])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("Months since index date", fontsize=9, family=FONT)
    ax.spines[["top", "right", "left"]].set_visible(False)
    caption = (
        f"One bar per patient: time to {endpoint.upper()} event or censoring, "
        "coloured by best overall response."
    )
    return ReportFigure(
        key=f"figure{number}_swimmer",
        title=f"Fig. {number}. Swimmer plot",
        caption=caption,
        figure=fig,
    )
