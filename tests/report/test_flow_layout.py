"""Fig. 1 lays itself out (issue 20 item 4): at 1, 5 and 10 steps and 2, 4 and 6 groups,
with long labels, inclusion and exclusion steps and n = 0 steps, no box overlaps another,
no box or text leaves the canvas and each text stays inside its box. Read back from the
drawn artists' window extents, in pixels, after a draw."""

from __future__ import annotations

import pytest
from matplotlib.text import Text

from retrostudy.report.figures.base import FigureStyle, use_style
from retrostudy.report.figures.flow import BOX_GID, draw_flow
from retrostudy.report.flow import Flow, FlowStep

LABELS = [
    "Received the study drug before the index period",
    "Not: HER2-positive disease confirmed by immunohistochemistry 3+ or in-situ hybridisation",
    "Younger than 18 years at the index date",
    "No follow-up visit after the index date (lost before the first assessment)",
    "Enrolled in an interventional clinical trial",
    "Not: ECOG performance status 0-2",
    "Pregnant",
    "Second primary malignancy within five years",
    "Not in any group",
    "Incomplete pharmacy record of the index treatment course with missing dispensing dates",
]
GROUPS = ["Trastuzumab + pertuzumab then T-DM1", "Trastuzumab only", "Lapatinib-pretreated",
          "Chemotherapy alone", "Unknown prior anti-HER2 therapy", "Other"]


def _flow(n_steps: int, n_groups: int) -> Flow:
    remaining, steps = 500, []
    for i in range(n_steps):
        n = 0 if i % 3 == 1 else 3 * i + 1  # every third step removes nobody
        remaining -= n
        kind = "include" if LABELS[i].startswith("Not:") else "exclude"
        steps.append(FlowStep(label=LABELS[i], criterion=LABELS[i], kind=kind, n_excluded=n,
                              n_remaining=remaining))
    per = remaining // n_groups
    groups = tuple((GROUPS[g], per + (remaining - per * n_groups if g == 0 else 0))
                   for g in range(n_groups))
    return Flow(source="Patients dispensed the index drug at two hospitals, 2014-2017",
                n_identified=500, steps=tuple(steps), n_analysed=remaining, groups=groups,
                notes=("PFS evaluable: 120; response evaluable: 118",))


def _boxes(fig, dpi):
    fig.set_dpi(dpi)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [p.get_window_extent(r) for p in ax.patches if p.get_gid() == BOX_GID]
    texts = [t.get_window_extent(r) for t in ax.texts if type(t) is Text]  # not the arrows
    return boxes, texts


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize(("width", "dpi"), [("double", 300), ("single", 110), ("double", 72)])
@pytest.mark.parametrize("n_steps", [1, 5, 10])
@pytest.mark.parametrize("n_groups", [2, 4, 6])
def test_no_box_overlaps_or_leaves_the_canvas(n_steps, n_groups, width, dpi):
    flow = _flow(n_steps, n_groups)
    with use_style(FigureStyle(width=width)):
        fig = draw_flow(flow).figure
    boxes, texts = _boxes(fig, dpi)
    assert len(boxes) == 2 + n_steps + n_groups
    canvas = fig.bbox
    for b in boxes + texts:
        assert canvas.x0 <= b.x0 and b.x1 <= canvas.x1 and canvas.y0 <= b.y0 and b.y1 <= canvas.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b), (a, b)
    # Each box's text lies inside it, and no text runs into another box.
    for t in texts[: len(boxes)]:
        inside = [b for b in boxes if b.x0 <= t.x0 and t.x1 <= b.x1 and b.y0 <= t.y0
                  and t.y1 <= b.y1]
        assert len(inside) == 1
        assert sum(_overlap(t, b) for b in boxes) == 1
    # The canvas is the journal column wide (wider only when a word needs it).
    assert fig.get_size_inches()[0] >= FigureStyle(width=width).width_in - 1e-9


def test_every_step_is_drawn_with_its_count_also_zero():
    fig = draw_flow(_flow(10, 6)).figure
    text = " ".join(" ".join(t.get_text().split()) for t in fig.axes[0].texts)
    for i, label in enumerate(LABELS):
        n = 0 if i % 3 == 1 else 3 * i + 1
        assert f"{label} (n = {n})" in text
    for g in GROUPS:
        assert g in text


def test_the_canvas_grows_with_the_steps():
    heights = [draw_flow(_flow(n, 2)).figure.get_size_inches()[1] for n in (1, 5, 10)]
    assert heights[0] < heights[1] < heights[2]


def test_words_are_never_split():
    flow = _flow(3, 6)
    with use_style(FigureStyle(width="single")):
        fig = draw_flow(flow).figure
    words = set()
    for t in fig.axes[0].texts:
        for line in t.get_text().split("\n"):
            words.update(line.split())
    for label in [*LABELS[:3], *GROUPS]:
        assert set(label.split()) <= words
