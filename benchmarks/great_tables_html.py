"""Should the report render its HTML tables through great_tables? A measured answer.

A script, not a test (great_tables is not a dependency). Run from the repository root::

    pip install great_tables
    PYTHONPATH=src python benchmarks/great_tables_html.py

It builds one Table 1 with :func:`retrostudy.table_one` on a synthetic 2,000-patient frame
(12 variables), then renders it (a) with the report's own HTML renderer and (b) with
``great_tables.GT`` on the same cells (``Table.to_frame()``, title and footnotes as header
and source notes), and prints: the import time of each path in a fresh interpreter, the
median render time of 20 renders, the HTML size, and whether the HTML asks the network for
anything (the report's Content-Security-Policy forbids it). The import time of ours loads
the whole ``retrostudy`` package (pandas, matplotlib, ...), so only the render times compare.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from retrostudy import table_one
from retrostudy.report.document import Document, Section, TableItem
from retrostudy.report.html import render_html


def _frame(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = {"arm": rng.choice(["A", "B"], n)}
    for i in range(6):
        d[f"x{i}"] = rng.normal(60, 10, n).round(1)
    for i in range(6):
        d[f"c{i}"] = rng.choice(["low", "mid", "high"], n)
    return pd.DataFrame(d)


def _import_seconds(stmt: str) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    return statistics.median(runs)


def _median_seconds(fn, reps: int = 20) -> float:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    from great_tables import GT

    table = table_one(_frame(), by="arm", smd=True, overall=True)
    doc = Document(title="t", subtitle=None, synthetic=True,
                   sections=(Section("Table 1", (TableItem(table),), anchor="t1"),))

    def ours() -> str:
        return render_html(doc)

    def gt() -> str:
        g = GT(table.to_frame().reset_index()).tab_header(title=table.title)
        for note in table.footnotes:
            g = g.tab_source_note(note)
        return g.as_raw_html()

    rows = []
    for name, fn, imp in (("retrostudy.report.html", ours, "import retrostudy.report.html"),
                          ("great_tables", gt, "import great_tables")):
        html = fn()
        remote = sorted(set(re.findall(r"https?://[^\s\"')]+", html)))
        rows.append((name, _import_seconds(imp), _median_seconds(fn), len(html), remote))
    print("| renderer | import (s) | render, median of 20 (s) | HTML bytes "
          "| network URLs in the HTML |")
    print("|---|---|---|---|---|")
    for name, imp, run, size, remote in rows:
        print(f"| {name} | {imp:.3f} | {run:.4f} | {size:,} | {', '.join(remote) or 'none'} |")


if __name__ == "__main__":
    main()
