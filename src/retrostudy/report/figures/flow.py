"""Fig. 1: a CONSORT/STROBE flow diagram that lays itself out from a
:class:`~retrostudy.report.flow.Flow`.

Layout (top-down, all lengths in inches)::

    [source (n = N)]
          |---> [step 1: who was removed (n = k1)]
          |---> [step 2 ... (n = k2)]      one side box per step, also n = 0 steps
          v
    [Included in the analysis (n = A)]
          |
     +----+----+----+
     v    v    v    v
    [g1] [g2] [g3] [g4]                    2-6 (any number of) groups in one row

Why computed here and not by graphviz: a flow chart is a fixed pattern (one column, side
boxes, one row of groups), so its layout is a few sums once each box's size is known; a
pure-matplotlib layout keeps the report at one plotting dependency (graphviz would be a
system binary to install and its output changes with its version) and keeps the output
byte-stable. Box sizes come from the text itself: each label is wrapped to the width its
column has, measured with matplotlib's renderer in the font the figure is drawn in (words
are never split; a word wider than its column widens the column), each text's drawn
extent is read back and its box drawn around it with a fixed padding. The canvas is the
journal column wide (:class:`~retrostudy.report.figures.base.FigureStyle`), wider only when
the groups' longest words need it, and as tall as its content.
"""

from __future__ import annotations

from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from retrostudy.report.figures.base import ReportFigure, current_style, new_figure

SIZE = 8.0  # font size, points
PAD = 0.07  # inside each box, inches
MARGIN = 0.06  # around the canvas
GAP = 0.14  # vertical gap between side boxes
ARROW = 0.30  # vertical room for an arrow between two boxes
SIDE_GAP = 0.35  # from the trunk to the side boxes
GROUP_GAP = 0.12  # between two group boxes
_NB = "\x00"  # keeps "(n = 12)" on one line while wrapping
BOX_GID = "flow-box"


class _Measure:
    """Widths of strings in the figure's font, in inches, from the Agg renderer."""

    def __init__(self, fig):
        self.renderer = fig.canvas.get_renderer()
        self.prop = FontProperties(family=current_style().fonts, size=SIZE)
        self.dpi = fig.dpi

    def width(self, s: str) -> float:
        w, _, _ = self.renderer.get_text_width_height_descent(s, self.prop, ismath=False)
        return w / self.dpi

    def longest_word(self, text: str) -> float:
        return max((self.width(w.replace(_NB, " ")) for w in text.split()), default=0.0)

    def wrap(self, text: str, width: float) -> str:
        """Greedy word wrap of each line of ``text`` to ``width`` inches; never splits a word."""
        out = []
        for para in text.split("\n"):
            line = ""
            for word in para.split(" "):
                trial = f"{line} {word}" if line else word
                if line and self.width(trial.replace(_NB, " ")) > width:
                    out.append(line)
                    line = word
                else:
                    line = trial
            out.append(line)
        return "\n".join(out).replace(_NB, " ")


def _count(n: str) -> str:
    return f"(n{_NB}={_NB}{n})"


def _extent(text, renderer, dpi) -> tuple[float, float]:
    """The drawn size of ``text`` in inches, with a little slack: raster renderers hint
    glyphs, so a text's width differs by a few pixels between resolutions."""
    bb = text.get_window_extent(renderer)
    return bb.width / dpi * 1.02 + 0.02, bb.height / dpi


class _Layout:
    """Boxes placed top-down in a full-figure axes whose data units are inches (y down)."""

    def __init__(self, fig, measure, width):
        self.ax = fig.add_axes((0, 0, 1, 1))
        self.ax.axis("off")
        self.measure = measure
        self.width = width
        self.y = MARGIN
        self.boxes = []  # (text artist, x_left, y_top, box width, box height)

    def text(self, text, wrap, ha="center"):
        t = self.ax.text(0, 0, self.measure.wrap(text, wrap), ha=ha, va="top",
                         fontproperties=self.measure.prop)
        return t, _extent(t, self.measure.renderer, self.measure.dpi)

    def box(self, text, wrap, *, centre=None, left=None, height=None):
        t, (w, h) = self.text(text, wrap, ha="center" if left is None else "left")
        x0 = centre - w / 2 - PAD if left is None else left
        self.boxes.append((t, x0, self.y, w + 2 * PAD, height or h + 2 * PAD))
        return self.boxes[-1]

    def arrow(self, start, end, head=True):
        self.ax.annotate("", xy=end, xytext=start, arrowprops={
            "arrowstyle": "-|>" if head else "-", "lw": 0.8, "color": "black",
            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8})

    def finish(self, fig):
        height = self.y + MARGIN
        fig.set_size_inches(self.width, height)
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(height, 0)  # y downwards, in inches
        for t, x0, y0, w, h in self.boxes:
            centred = t.get_ha() == "center"
            t.set_position((x0 + w / 2 if centred else x0 + PAD, y0 + PAD))
            self.ax.add_patch(Rectangle((x0, y0), w, h, facecolor="none", edgecolor="black",
                                        linewidth=0.8, gid=BOX_GID))


def _texts(flow, hidden, mask):
    """The boxes' texts; ``hidden`` names masked counts (a mapping gives each its masked
    text, else ``mask`` is shown)."""

    def n_of(key: str, n: int) -> str:
        if key not in hidden:
            return _count(str(n))
        return _count(hidden[key] if isinstance(hidden, dict) else mask)

    main = (f"{flow.source} {n_of('identified', flow.n_identified)}",
            f"Included in the analysis {n_of('analysed', flow.n_analysed)}")
    steps = [f"{s.label} {n_of(f'step:{i}', s.n_excluded)}" for i, s in enumerate(flow.steps)]
    groups = [f"{name}\n{n_of(f'group:{i}', n)}" for i, (name, n) in enumerate(flow.groups)]
    return main, steps, groups


def _widths(measure, main, steps, groups):
    """Wrap widths of the main column, the side column and a group slot; the trunk's x;
    the canvas width. A column is never narrower than its longest word."""
    style_w = current_style().width_in
    inner = style_w - 2 * MARGIN
    main_wrap = max(0.6 * inner - 2 * PAD, *(measure.longest_word(t) for t in main))
    x_trunk = MARGIN + main_wrap / 2 + PAD
    side_wrap = max(style_w - MARGIN - x_trunk - SIDE_GAP - 2 * PAD,
                    *(measure.longest_word(t) for t in steps or [""]))
    k = max(len(groups), 1)
    slot_wrap = max((inner - (k - 1) * GROUP_GAP) / k - 2 * PAD,
                    *(measure.longest_word(t) for t in groups or [""]))
    width = max(style_w, x_trunk + SIDE_GAP + side_wrap + 2 * PAD + MARGIN,
                2 * MARGIN + k * (slot_wrap + 2 * PAD) + (k - 1) * GROUP_GAP)
    return main_wrap, side_wrap, slot_wrap, x_trunk, width


def _groups(lay, groups, slot_wrap, x_trunk, y_from):
    """One row of group boxes under a bar fed from the analysed box."""
    y_bar = lay.y + ARROW / 2
    lay.y += ARROW
    k = len(groups)
    slot = (lay.width - 2 * MARGIN - (k - 1) * GROUP_GAP) / k
    centres = [MARGIN + i * (slot + GROUP_GAP) + slot / 2 for i in range(k)]
    laid = [lay.text(g, slot_wrap) for g in groups]
    h_row = max(h for _, (_, h) in laid) + 2 * PAD
    for (t, (w, _)), c in zip(laid, centres, strict=True):
        lay.boxes.append((t, c - w / 2 - PAD, lay.y, w + 2 * PAD, h_row))
    lay.y += h_row
    ends = sorted({centres[0], centres[-1], x_trunk})
    lay.arrow((x_trunk, y_from), (x_trunk, y_bar), head=False)
    lay.arrow((ends[0], y_bar), (ends[-1], y_bar), head=False)
    for c in centres:
        lay.arrow((c, y_bar), (c, y_bar + ARROW / 2))


def draw_flow(flow, *, hidden=frozenset(), mask: str = "") -> ReportFigure:
    """Boxes top-down: identified, one side box per step, analysed, one box per group.

    ``hidden`` names counts masked by small-cell suppression (keys of ``suppress_flow``);
    a mapping gives each its masked text, else ``mask`` is shown.
    """
    fig = new_figure(7.0, 1.0)
    fig.set_dpi(300)  # measure at print resolution
    measure = _Measure(fig)
    main, steps, groups = _texts(flow, hidden, mask)
    main_wrap, side_wrap, slot_wrap, x_trunk, width = _widths(measure, main, steps, groups)
    lay = _Layout(fig, measure, width)
    source = lay.box(main[0], main_wrap, centre=x_trunk)
    lay.y += source[4] + (ARROW / 2 if steps else ARROW)
    side_x = x_trunk + SIDE_GAP
    for text in steps:
        box = lay.box(text, side_wrap, left=side_x)
        lay.arrow((x_trunk, lay.y + box[4] / 2), (side_x, lay.y + box[4] / 2))
        lay.y += box[4] + GAP
    lay.y += ARROW / 2 - GAP if steps else 0.0
    analysed = lay.box(main[1], main_wrap, centre=x_trunk)
    lay.arrow((x_trunk, source[2] + source[4]), (x_trunk, analysed[2]))
    lay.y += analysed[4]
    if groups:
        _groups(lay, groups, slot_wrap, x_trunk, lay.y)
    if flow.notes:
        lay.y += GAP
        notes, (_, h) = lay.text("; ".join(flow.notes), width - 2 * MARGIN)
        notes.set_position((width / 2, lay.y))
        lay.y += h
    lay.finish(fig)
    caption = "Patient selection flow chart (STROBE item 13), generated from the cohort attrition."
    return ReportFigure(
        key="figure1_flow", title="Fig. 1. Patient flow", caption=caption, figure=fig
    )
