"""Publication figures (issue 20 item 3), on a small study that is not the example: TrueType
fonts in every PDF (pdffonts), text kept as text in SVG, PNG/TIFF at the protocol's dpi and
column width, p values as "p < 0.0001", and the KM annotation placed where it covers no
curve."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from retrostudy.protocol.load import parse_protocol
from retrostudy.report import fmt
from retrostudy.report.figures.base import COLUMN_WIDTHS, FigureStyle, new_figure, use_style
from retrostudy.report.figures.placement import place_text

N = 60


def _table(folder):
    rng = np.random.default_rng(7)
    group = np.where(np.arange(N) % 2 == 0, "capecitabine plus lapatinib", "vinorelbine alone")
    # Very different survival: the log-rank p is far below 0.0001.
    days = np.where(group == "vinorelbine alone", rng.integers(20, 120, N),
                    rng.integers(400, 900, N))
    pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(N)],
        "group": group,
        "index_date": "2020-01-06",
        "os_days": days,
        "os_event": (np.arange(N) % 5 != 0),
    }).to_csv(folder / "chart.csv", index=False)


def _protocol(folder, **report):
    return parse_protocol({
        "study": {"title": "Second-line schedules", "synthetic": True},
        "analysis_table": {"file": "chart.csv", "label": "Women starting second-line therapy"},
        "groups": {"reference": "vinorelbine alone", "group": [
            {"name": "capecitabine plus lapatinib", "label": "Capecitabine plus lapatinib (XL)"},
            {"name": "vinorelbine alone", "label": "Vinorelbine alone (V)"}]},
        "analyses": {"survival": [{"endpoint": "os", "label": "Overall survival"}]},
        "report": {"figure_formats": ["png", "svg", "pdf", "tiff"], "outputs": ["figures"],
                   **report},
    }, base_dir=folder)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from retrostudy.pipeline import run_study

    folder = tmp_path_factory.mktemp("pubfig")
    _table(folder)
    protocol = _protocol(folder, figure_width="single", figure_dpi=300)
    return run_study(protocol, out=folder / "out"), folder / "out" / "figures"


def test_p_values_in_text_are_never_p_equals_less_than():
    assert fmt.p_text(0.00001) == "p < 0.0001"
    assert fmt.p_text(0.0054) == "p = 0.0054"
    assert fmt.p_text(float("nan")) == "p = NE"
    assert fmt.p_text(0.0004, 3) == "p < 0.001"


def test_every_figure_is_written_in_every_format(small):
    _, figures = small
    stems = {p.stem for p in figures.iterdir()}
    for stem in stems:
        for ext in ("png", "svg", "pdf", "tiff"):
            assert (figures / f"{stem}.{ext}").exists()


@pytest.mark.skipif(shutil.which("pdffonts") is None,
                    reason="pdffonts is not installed (apt-get install poppler-utils)")
def test_no_pdf_embeds_a_type3_font(small):
    _, figures = small
    pdfs = sorted(figures.glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                             check=True).stdout
        rows = out.splitlines()[2:]  # after the header and the dashes
        assert rows, f"{pdf.name}: no font"
        assert "Type 3" not in out, f"{pdf.name}:\n{out}"
        assert all("TrueType" in r for r in rows), f"{pdf.name}:\n{out}"


def test_svg_keeps_text_as_text(small):
    _, figures = small
    for svg in figures.glob("*.svg"):
        data = svg.read_text(encoding="utf-8")
        assert "<text" in data, svg.name
        assert 'id="DejaVuSans-' not in data and 'id="LiberationSans-' not in data  # no glyphs


def test_png_and_tiff_have_the_column_width_at_the_dpi(small):
    from PIL import Image

    result, figures = small
    expect = round(COLUMN_WIDTHS["single"] * 300)  # 85 mm at 300 dpi: 1004 px
    for key, fig in result.figures.items():
        for ext in ("png", "tiff"):
            with Image.open(figures / f"{key}.{ext}") as im:
                w, h = im.size
                assert abs(w - expect) <= 1, (key, ext, w)
                assert abs(h - round(fig.figure.get_size_inches()[1] * 300)) <= 1
                assert round(im.info["dpi"][0]) == 300


def test_km_legend_has_the_full_labels_and_p_below_the_floor(small):
    result, _ = small
    ax = result.figures["figure2_km_os"].figure.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Capecitabine plus lapatinib (XL) (n = 30)", "Vinorelbine alone (V) (n = 30)"]
    text = " ".join(t.get_text() for f in result.figures.values() for a in f.figure.axes
                    for t in a.texts)
    assert "Log-rank p < 0.0001" in text
    assert "= <" not in text


def _curve_points(ax, renderer, per_segment=40):
    """Points along every drawn line (step lines as drawn), in display pixels: a check of
    the placement independent of its segment clipping."""
    pts = []
    for line in ax.lines:
        x, y = (np.asarray(v, float) for v in line.get_data())
        if line.get_linestyle() in ("None", "none", "", " ") or x.size < 2:
            continue
        if line.get_drawstyle() == "steps-post":
            x, y = np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]
        for x0, y0, x1, y1 in zip(x[:-1], y[:-1], x[1:], y[1:], strict=True):
            s = np.linspace(0, 1, per_segment)
            pts.append(line.get_transform().transform(
                np.column_stack([x0 + s * (x1 - x0), y0 + s * (y1 - y0)])))
    return np.concatenate(pts)


def _inside(points, bbox):
    return ((points[:, 0] > bbox.x0) & (points[:, 0] < bbox.x1)
            & (points[:, 1] > bbox.y0) & (points[:, 1] < bbox.y1))


@pytest.mark.parametrize("width", ["single", "double"])
def test_km_annotation_covers_no_curve_or_legend(small, width):
    from retrostudy.protocol.report import KMFigure
    from retrostudy.report.figures.km import draw_km

    result, _ = small
    with use_style(FigureStyle(width=width)):
        fig = draw_km(result.analyses.endpoints[0], {}, KMFigure()).figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    note = next(t for t in ax.texts if t.get_text().startswith("HR "))
    box = note.get_window_extent(renderer)
    assert not _inside(_curve_points(ax, renderer), box).any()
    assert not box.overlaps(ax.get_legend().get_window_extent(renderer))
    canvas = fig.bbox
    assert canvas.x0 <= box.x0 and box.x1 <= canvas.x1 and canvas.y0 <= box.y0
    assert box.y1 <= canvas.y1
    inside = ax.bbox.x0 <= box.x0 and box.x1 <= ax.bbox.x1 and ax.bbox.y0 <= box.y0
    assert (inside and box.y1 <= ax.bbox.y1) or box.y0 >= ax.bbox.y1  # or above the plot


def test_placement_leaves_the_corner_the_curves_fill():
    """Curves that stay near 1 fill the upper right, where the old fixed annotation sat."""
    with use_style(FigureStyle()):
        fig = new_figure(7.0, 4.0)
        ax = fig.add_axes((0.1, 0.1, 0.85, 0.85))
        t = np.linspace(0, 24, 30)
        ax.step(t, 1 - t / 1000, where="post")
        ax.step(t, 0.96 - t / 1000, where="post")
        ax.set_xlim(0, 24)
        ax.set_ylim(0, 1.03)
        note = place_text(ax, "HR 2.00 (1.10-3.60)\nLog-rank p < 0.0001", fontsize=8)
    assert note.get_gid() != "upper right"
    fig.canvas.draw()
    box = note.get_window_extent(fig.canvas.get_renderer())
    assert not _inside(_curve_points(ax, fig.canvas.get_renderer()), box).any()


def test_rendering_is_byte_stable_and_falls_back_to_dejavu(small):
    result, _ = small
    fig = result.figures["figure2_km_os"]
    for ext in ("png", "svg", "pdf", "tiff"):
        assert fig.render(ext) == fig.render(ext)
    with use_style(FigureStyle(font_family="No Such Font Sans")):
        from retrostudy.report.figures.flow import draw_flow
        from retrostudy.report.flow import Flow

        flow = draw_flow(Flow(source="All", n_identified=3, steps=(), n_analysed=3,
                              groups=(("a", 1), ("b", 2))))
    pdf = flow.render("pdf")
    fonts = set(re.findall(rb"/BaseFont /([A-Za-z+-]+)", pdf))
    assert fonts and all(b"DejaVuSans" in f for f in fonts), fonts
    assert io.BytesIO(pdf).read(4) == b"%PDF"

