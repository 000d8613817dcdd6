"""Report figures, drawn with matplotlib's object API (no pyplot state, Agg canvas).

Each module exposes one ``draw_*`` function returning a :class:`ReportFigure`. matplotlib
is imported with the report (``import retrostudy`` and the CLI's ``--help`` do not import
the report).
"""

from retrostudy.report.figures.base import ReportFigure

__all__ = ["ReportFigure"]
