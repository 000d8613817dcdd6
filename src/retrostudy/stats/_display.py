"""Notebook views of the stats results: ``to_frame()``, ``_repr_html_()`` and the KM plot.

The results stay numpy objects; these helpers only present them. pandas and matplotlib are
imported inside the functions that need them, so ``import retrostudy.stats`` loads neither
(tests/stats/test_display.py checks it; tests/test_layering.py lists the exception).
Measured (best of 5 wall times, a shared 2-core machine at load 8): ``import
retrostudy.stats`` 2.8 s, with pandas and matplotlib.pyplot 4.7 s; their ``-X importtime``
cumulative times were at least 0.5 s (pandas) and 0.9 s (matplotlib.pyplot), far above a
100 ms budget.

Numbers in the HTML views use 4 significant digits (a preview; the frames carry the full
values). Every text is HTML-escaped: group
labels and covariate names come from the user's data.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakKeyDictionary

import numpy as np

if TYPE_CHECKING:  # for annotations only: not imported at run time
    import pandas as pd

AT_RISK_GID = "retrostudy-at-risk"
"""``gid`` prefix of the numbers-at-risk texts: ``f"{AT_RISK_GID}-row-{row}"`` per row."""
_MAX_ROWS = 20  # rows an HTML preview shows before eliding the middle


class _AtRisk(Protocol):
    @property
    def n_at_risk(self) -> np.ndarray: ...


class Curve(Protocol):
    """What :func:`plot_km` reads of a :class:`~retrostudy.stats.KaplanMeier`."""

    @property
    def time(self) -> np.ndarray: ...
    @property
    def survival(self) -> np.ndarray: ...
    @property
    def conf_low(self) -> np.ndarray: ...
    @property
    def conf_high(self) -> np.ndarray: ...
    @property
    def n_censored(self) -> np.ndarray: ...
    @property
    def conf_type(self) -> str: ...

    def at(self, times: Any) -> _AtRisk: ...


def frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """A DataFrame of equal-length columns (pandas imported here, when asked for)."""
    import pandas as pd

    return pd.DataFrame(dict(columns))


def cell(value: object) -> str:
    """A value as preview text: floats to 4 significant digits, NaN as ``NA`` (R's word)."""
    if isinstance(value, (float, np.floating)):
        return "NA" if np.isnan(value) else f"{float(value):.4g}"
    return str(value)


def html_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    notes: Sequence[str] = (),
) -> str:
    """An escaped HTML table with a bold title and notes below; long tables show the first
    and last rows with a count of the rows left out."""
    esc = html.escape
    shown: list[Sequence[object] | None] = list(rows)
    if len(rows) > _MAX_ROWS:
        half = _MAX_ROWS // 2
        shown = [*rows[:half], None, *rows[-half:]]
    head = "".join(f"<th>{esc(str(c))}</th>" for c in columns)
    body = []
    for row in shown:
        if row is None:
            left_out = len(rows) - 2 * (_MAX_ROWS // 2)
            body.append(f'<tr><td colspan="{len(columns)}">… {left_out} more rows</td></tr>')
        else:
            body.append("<tr>" + "".join(f"<td>{esc(cell(v))}</td>" for v in row) + "</tr>")
    foot = "".join(f"<div><small>{esc(n)}</small></div>" for n in notes)
    return (
        f"<div><strong>{esc(title)}</strong><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{foot}</div>"
    )


def plot_km(
    km: Curve,
    ax: Any = None,
    *,
    label: str | None = None,
    conf_int: bool = True,
    censor_marks: bool = True,
    at_risk: bool | Sequence[float] = True,
    color: Any = None,
) -> Any:
    """Draw ``km`` as a step curve on ``ax`` with its band, censoring marks and a
    numbers-at-risk row under the axes; see :meth:`KaplanMeier.plot`."""
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    if ax is None:
        _, ax = plt.subplots()
    x = np.concatenate(([0.0], km.time))
    (line,) = ax.step(x, np.concatenate(([1.0], km.survival)), where="post", label=label,
                      color=color)
    colour = line.get_color()
    if conf_int and km.conf_type != "none":
        ax.fill_between(x, np.concatenate(([1.0], km.conf_low)),
                        np.concatenate(([1.0], km.conf_high)), step="post", alpha=0.2,
                        color=colour, linewidth=0)
    if censor_marks:
        censored = km.n_censored > 0
        ax.plot(km.time[censored], km.survival[censored], "+", color=colour, markersize=6)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    if at_risk is not False:
        rows = _AT_RISK.setdefault(ax, [])
        rows.append((km, label, colour, None if at_risk is True else at_risk))
        _draw_at_risk(ax, rows, blended_transform_factory(ax.transData, ax.transAxes))
    return ax


# The curves drawn on each axes with their at-risk rows: a later, longer curve rescales
# the x axis, so every row is redrawn at the new ticks. Weak keys: closed figures go.
_AT_RISK: WeakKeyDictionary[Any, list[tuple[Curve, str | None, Any, Any]]] = (
    WeakKeyDictionary())


def _draw_at_risk(ax: Any, rows: list[tuple[Curve, str | None, Any, Any]],
                  transform: Any) -> None:
    """The numbers-at-risk rows below the axes, one per curve, each number centred on its
    time (at the x ticks inside the axes, as survminer and ggsurvfit do, unless the call
    gave times). x is in data units and y in axes units, so the numbers stay under their
    times when the figure is resized."""
    for text in [t for t in ax.texts if str(t.get_gid()).startswith(AT_RISK_GID)]:
        text.remove()
    lo, hi = ax.get_xlim()
    ticks = np.asarray(ax.get_xticks(), dtype=float)
    ticks = ticks[(ticks >= max(lo, 0.0)) & (ticks <= hi)]
    ax.text(0.0, -0.17, "Number at risk", transform=ax.transAxes, ha="left", va="top",
            fontsize="small", gid=f"{AT_RISK_GID}-title")
    for row, (km, label, colour, given) in enumerate(rows):
        times = ticks if given is None else np.asarray(given, dtype=float)
        gid, y = f"{AT_RISK_GID}-row-{row}", -0.24 - 0.07 * row
        counts = km.at(times).n_at_risk if times.size else np.array([], dtype=int)
        for t, n in zip(times, counts, strict=True):
            ax.text(t, y, str(int(n)), transform=transform, ha="center", va="top",
                    fontsize="small", color=colour, gid=gid, clip_on=False)
        if label:
            ax.text(-0.06, y, label, transform=ax.transAxes, ha="right", va="top",
                    fontsize="small", color=colour, gid=gid)
