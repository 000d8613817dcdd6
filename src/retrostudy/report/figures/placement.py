"""Place a text block inside an axes where it covers no curve, marker or legend.

Candidates are tried in a fixed order (the corners and edge midpoints of the plot area);
the first whose drawn box intersects no obstacle wins. With none free (crowded curves, a
single-column figure), the plot area is lowered and the text set above it, so it never
covers a curve. The choice is deterministic.

Obstacles, in display coordinates after one draw:

- every line of the axes as segments; a step line (``drawstyle="steps-post"``) as its
  horizontal and vertical steps, i.e. as drawn;
- every marker as a square of the marker's size;
- the legend's box, any text already in the axes and every text of the figure's other
  axes (the numbers at risk).

A segment meets a box when an end lies inside it or the segment crosses one of its
sides (Liang-Barsky clipping of the segment to the box).
"""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
from matplotlib.transforms import blended_transform_factory

from retrostudy.report.figures.base import current_style

PAD = 0.02  # from the axes edge, in axes fractions
CANDIDATES = (
    ("upper right", 1 - PAD, 1 - PAD, "right", "top"),
    ("lower left", PAD, PAD, "left", "bottom"),
    ("lower right", 1 - PAD, PAD, "right", "bottom"),
    ("center right", 1 - PAD, 0.5, "right", "center"),
    ("upper center", 0.5, 1 - PAD, "center", "top"),
    ("lower center", 0.5, PAD, "center", "bottom"),
    ("upper left", PAD, 1 - PAD, "left", "top"),
    ("center left", PAD, 0.5, "left", "center"),
)


def _segments(line) -> np.ndarray:
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    if line.get_drawstyle() == "steps-post" and x.size > 1:
        xs = np.repeat(x, 2)[1:]
        ys = np.repeat(y, 2)[:-1]
        x, y = xs, ys
    pts = line.get_transform().transform(np.column_stack([x, y]))
    ok = np.isfinite(pts).all(axis=1)
    segs = np.stack([pts[:-1], pts[1:]], axis=1)
    return segs[ok[:-1] & ok[1:]]


def _markers(line, renderer) -> list[tuple[float, float, float, float]]:
    if line.get_marker() in (None, "", "None", " ") or not len(line.get_xdata()):
        return []
    half = renderer.points_to_pixels(line.get_markersize()) / 2
    pts = line.get_transform().transform(
        np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
    )
    return [(x - half, y - half, x + half, y + half) for x, y in pts if np.isfinite([x, y]).all()]


def _crosses(seg, box) -> bool:
    """Liang-Barsky: does the segment (x0, y0)-(x1, y1) meet the box (xa, ya, xb, yb)?"""
    (x0, y0), (x1, y1) = seg
    xa, ya, xb, yb = box
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - xa), (dx, xb - x0), (-dy, y0 - ya), (dy, yb - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            lo = max(lo, r)
        else:
            hi = min(hi, r)
        if lo > hi:
            return False
    return True


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def obstacles(ax, renderer, skip=()) -> tuple[list, list]:
    """(segments, boxes) that a placed text must not cover."""
    segs, boxes = [], []
    for line in ax.lines:
        if line.get_linestyle() not in ("None", "none", "", " "):
            segs.extend(_segments(line))
        boxes.extend(_markers(line, renderer))
    legend = ax.get_legend()
    if legend is not None:
        boxes.append(tuple(legend.get_window_extent(renderer).extents))
    boxes.extend(tuple(t.get_window_extent(renderer).extents) for t in ax.texts
                 if t not in skip and t.get_text())
    return segs, boxes


def hits(box, segs, boxes) -> int:
    return sum(_crosses(s, box) for s in segs) + sum(_overlaps(box, b) for b in boxes)


def place_text(ax, text: str, **kw):
    """Add ``text`` to ``ax`` at the first candidate that covers nothing; returns the Text
    (its ``get_gid()`` names the chosen candidate)."""
    with matplotlib.rc_context(current_style().rc()):  # measure in the font drawn later
        return _place(ax, text, kw)


def _place(ax, text, kw):
    fig = ax.figure
    fig.canvas.draw()  # legend "best" and text extents are known only after a draw
    renderer = fig.canvas.get_renderer()
    segs, boxes = obstacles(ax, renderer)
    for other in fig.axes:  # e.g. the numbers at risk under the curves
        if other is not ax:
            boxes.extend(tuple(t.get_window_extent(renderer).extents) for t in other.texts
                         if t.get_text())
    t = ax.text(0, 0, text, transform=ax.transAxes, **kw)
    best = None
    for name, x, y, ha, va in CANDIDATES:
        t.set_position((x, y))
        t.set_ha(ha)
        t.set_va(va)
        n = hits(tuple(t.get_window_extent(renderer).extents), segs, boxes)
        if best is None or n < best[0]:
            best = (n, name, x, y, ha, va)
        if n == 0:
            break
    if best[0]:
        return _above(ax, t, renderer)
    _, name, x, y, ha, va = best
    t.set_position((x, y))
    t.set_ha(ha)
    t.set_va(va)
    t.set_gid(name)
    return t


def _above(ax, t, renderer):
    """No free place inside: lower the axes' top and put the text above it, from the
    figure's left edge, its lines wrapped to the figure's width."""
    fig = ax.figure
    avail = fig.bbox.width * (1 - 2 * PAD)
    lines = t.get_text().split("\n")
    for chars in range(max(map(len, lines)), 10, -4):
        t.set_text("\n".join(textwrap.fill(line, chars) for line in lines))
        if t.get_window_extent(renderer).width <= avail:
            break
    height = t.get_window_extent(renderer).height / fig.bbox.height
    pos = ax.get_position()
    ax.set_position((pos.x0, pos.y0, pos.width, pos.height - height - PAD))
    t.set_transform(blended_transform_factory(fig.transFigure, ax.transAxes))
    t.set_position((PAD, 1.0 + PAD / 2 / max(pos.height - height - PAD, 0.1)))
    t.set_ha("left")
    t.set_va("bottom")
    t.set_gid("above")
    return t
