"""The figure record and deterministic saving (no dates, fixed SVG ids)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

# Fixed metadata so the same figure gives the same bytes (matplotlib otherwise stamps dates).
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}
FONT = "DejaVu Sans"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFigure:
    key: str  # file stem, e.g. "figure1_flow"
    title: str
    caption: str
    figure: object  # matplotlib.figure.Figure

    def render(self, fmt: str, dpi: int = 150) -> bytes:
        import matplotlib

        buf = io.BytesIO()
        # Layouts are fixed (no bbox_inches="tight", which draws every figure twice); SVG text
        # stays text (smaller, searchable, faster than glyph paths).
        with matplotlib.rc_context({"svg.hashsalt": "retrostudy", "svg.fonttype": "none"}):
            self.figure.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
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
    """A figure on the Agg canvas, outside pyplot's global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


PALETTE = ("#1b6ca8", "#d1495b", "#2e8b57", "#8d6a9f", "#e09f3e", "#555555")
