"""The figure record, the publication style and deterministic saving (no dates, fixed SVG ids).

Publication settings (``[report] figure_dpi``, ``font_family``, ``figure_width``) travel in
a :class:`FigureStyle`. The report sets it once around drawing (:func:`use_style`); each
:class:`ReportFigure` keeps the style it was drawn with, so rendering uses the same font it
was laid out with. Rendering sets matplotlib's rc parameters locally (``rc_context``), never
globally:

- PDF: ``pdf.fonttype = 42`` embeds TrueType (Type 42) fonts; submission systems reject the
  Type 3 bitmaps-as-procedures matplotlib writes by default.
- SVG: ``svg.fonttype = "none"`` keeps text as ``<text>`` (searchable, editable).
- Fonts: every figure asks for the generic ``sans-serif`` family; the style resolves it to
  ``font_family`` (default Liberation Sans, metric-compatible with Arial/Helvetica, the
  journals' usual sans) and falls back to DejaVu Sans, which ships inside matplotlib, so a
  machine without the named font still draws the same figure in DejaVu Sans.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Fixed metadata so the same figure gives the same bytes (matplotlib otherwise stamps dates).
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
    "tiff": {},
}
FONT = "sans-serif"  # resolved by the style's rc parameters (FigureStyle.rc)
FALLBACK_FONT = "DejaVu Sans"  # bundled with matplotlib: present on every machine
# Journal column widths in inches: one column 85 mm, two columns 174 mm (Elsevier,
# Springer and BMJ sizes lie within a few mm of these).
COLUMN_WIDTHS = {"single": 85 / 25.4, "double": 174 / 25.4}


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureStyle:
    dpi: int = 300
    font_family: str = "Liberation Sans"
    width: str = "double"  # "single" | "double"

    @property
    def width_in(self) -> float:
        return COLUMN_WIDTHS[self.width]

    @property
    def fonts(self) -> list[str]:
        return [self.font_family, FALLBACK_FONT]

    def rc(self) -> dict:
        return {
            "font.family": "sans-serif",
            "font.sans-serif": self.fonts,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.fonttype": "none",
            "svg.hashsalt": "retrostudy",
            "axes.unicode_minus": True,
        }

    @classmethod
    def from_report(cls, report) -> FigureStyle:
        """The style of a ``[report]`` block (protocol/report.py)."""
        return cls(dpi=report.figure_dpi, font_family=report.font_family,
                   width=report.figure_width)


_STYLE: contextvars.ContextVar[FigureStyle | None] = contextvars.ContextVar(
    "retrostudy_figure_style", default=None
)


def current_style() -> FigureStyle:
    """The style set by :func:`use_style`, else the defaults (300 dpi, two columns)."""
    return _STYLE.get() or FigureStyle()


@contextlib.contextmanager
def use_style(style: FigureStyle):
    """Draw (and render) figures in ``style``: sets the style and its rc parameters locally."""
    token = _STYLE.set(style)
    try:
        with matplotlib.rc_context(style.rc()):
            yield style
    finally:
        _STYLE.reset(token)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFigure:
    key: str  # file stem, e.g. "figure1_flow"
    title: str
    caption: str
    figure: object  # matplotlib.figure.Figure
    style: FigureStyle = field(default_factory=current_style)

    def render(self, fmt: str, dpi: int | None = None) -> bytes:
        buf = io.BytesIO()
        # Layouts are fixed (no bbox_inches="tight", which draws every figure twice).
        with matplotlib.rc_context(self.style.rc()):
            if fmt == "tiff":
                self.figure.savefig(
                    buf, format="tiff", dpi=dpi or self.style.dpi,
                    pil_kwargs={"compression": "tiff_lzw"},
                )
            else:
                self.figure.savefig(
                    buf, format=fmt, dpi=dpi or self.style.dpi, metadata=_METADATA[fmt]
                )
        return buf.getvalue()

    def save(self, folder: Path, formats=("png", "svg", "pdf")) -> dict[str, bytes]:
        out = {}
        for fmt in formats:
            data = self.render(fmt)
            (folder / f"{self.key}.{fmt}").write_bytes(data)
            out[fmt] = data
        return out

    def data_uri(self, fmt: str = "svg", data: bytes | None = None) -> str:
        mime = {"svg": "image/svg+xml", "png": "image/png"}[fmt]
        return f"data:{mime};base64,{base64.b64encode(data or self.render(fmt)).decode('ascii')}"

    def _repr_png_(self) -> bytes:
        return self.render("png", dpi=100)


def new_figure(width: float, height: float):
    """A figure on the Agg canvas, outside pyplot's global state.

    ``width`` is the width the layout was designed for (about two columns); the figure gets
    the style's column width instead and keeps ``height`` and every font size in points, so
    text stays legible in a single-column figure (the plot area narrows).
    """
    del width  # every figure is as wide as the journal column it is printed in
    fig = Figure(figsize=(current_style().width_in, height))
    FigureCanvasAgg(fig)
    return fig


PALETTE = ("#1b6ca8", "#d1495b", "#2e8b57", "#8d6a9f", "#e09f3e", "#555555")
