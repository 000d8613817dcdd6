"""Report figures, drawn with matplotlib's object API (no pyplot state, Agg canvas).

Each module exposes one ``draw_*`` function returning a :class:`ReportFigure`. matplotlib
is imported inside the functions so that importing retrostudy stays fast.
"""

from retrostudy.report.figures.base import ReportFigure

__all__ = ["ReportFigure"]
