"""The report layer: figures, HTML, Word, CSV and results.json from the analyses.

:func:`make_report` builds everything in memory (a :class:`Report`, :mod:`.make`);
:func:`write_report` writes it to a folder (:mod:`.write`); :class:`ReportContext`
(:mod:`.context`) is what the pipeline hands over. Nothing here computes a statistic: the
numbers come from :mod:`retrostudy.analysis`, the flow from the cohort's attrition.

This package module only re-exports those names; the modules of the report import from
each other, never from here.
"""

from __future__ import annotations

from retrostudy.report.context import ReportContext
from retrostudy.report.flow import Flow, flow_from_attrition
from retrostudy.report.make import Report, make_report
from retrostudy.report.write import write_report

__all__ = ["Report", "ReportContext", "make_report", "write_report", "flow_from_attrition", "Flow"]
