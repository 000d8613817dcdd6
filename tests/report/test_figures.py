"""Figures: what each one draws (read back from the matplotlib artists, not from pixels)."""

from retrostudy.protocol.report import KMFigure
from retrostudy.report.figures.flow import draw_flow
from retrostudy.report.figures.km import draw_km
from retrostudy.report.flow import Flow, FlowStep

FLOW = Flow(
    source="Pharmacy records",
    n_identified=49,
    steps=(
        FlowStep(label="Prior T-DM1", n_excluded=2, n_remaining=47),
        FlowStep(label="No prior trastuzumab or pertuzumab", n_excluded=5, n_remaining=42),
    ),
    n_analysed=42,
    groups=(("Tmab/Pmab", 18), ("Tmab", 24)),
)


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.figure.axes for t in ax.texts)


def test_flow_shows_every_count_and_reason():
    text = _texts(draw_flow(FLOW))
    for part in (
        "(n = 49)",
        "Prior T-DM1 (n = 2)",
        "(n = 5)",
        "(n = 42)",
        "Tmab/Pmab\n(n = 18)",
        "Tmab\n(n = 24)",
    ):
        assert part in text


def test_flow_masks_suppressed_counts():
    text = _texts(draw_flow(FLOW, hidden=frozenset({"step:0", "identified"}), mask="<5"))
    assert "(n = 2)" not in text and "(n = 49)" not in text and "(n = <5)" in text


def test_km_ci_bands_and_median_lines_are_options(analyses):
    res = analyses.endpoints[0]
    plain = draw_km(res, {}, KMFigure(ci_bands=False, median_lines=False))
    banded = draw_km(res, {}, KMFigure(ci_bands=True, median_lines=True))
    assert len(plain.figure.axes[0].collections) == 0
    assert len(banded.figure.axes[0].collections) == len(res.groups)
    assert len(banded.figure.axes[0].lines) > len(plain.figure.axes[0].lines)


def test_km_annotation_states_hr_and_logrank(analyses):
    text = _texts(draw_km(analyses.endpoints[0], {}, KMFigure()))
    assert "HR Tmab/Pmab vs Tmab: 2.86 (1.33\u20136.18)" in text
    assert "Log-rank p = 0.0054" in text
