"""Small-cell suppression with secondary suppression, for outputs meant for sharing.

Primary: every count from 1 to ``threshold - 1`` is masked (zero is shown: it discloses
nobody). Secondary: counts published together with their total form a constraint (the
levels of one variable in one column add up to the group size; the per-group cells of a
row add up to the overall cell). A constraint with exactly one masked cell would let a
reader recover it by subtraction, so the smallest other cell of that constraint is masked
too, repeatedly until every constraint has zero or at least two masked cells.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import replace

from retrostudy.analysis.table import Cell, Table


def suppress_cells(
    counts: dict[Hashable, int], constraints: Iterable[Iterable[Hashable]], threshold: int
) -> set[Hashable]:
    """Keys of the cells to mask: primary small cells, then complementary cells."""
    masked = {k for k, n in counts.items() if 0 < n < threshold}
    sets = [[k for k in c if k in counts] for c in constraints]
    changed = True
    while changed:
        changed = False
        for cells in sets:
            hidden = [k for k in cells if k in masked]
            if len(hidden) != 1:
                continue
            visible = sorted(
                (k for k in cells if k not in masked), key=lambda k: (counts[k] == 0, counts[k])
            )
            if visible:
                masked.add(visible[0])
                changed = True
    return masked


def _constraints(table: Table) -> list[list[tuple[int, int]]]:
    out: dict[tuple[str, int], list] = {}
    for i, row in enumerate(table.rows):
        if row.block is None:
            continue
        for j, cell in enumerate(row.cells):
            if cell.count is not None:
                out.setdefault((row.block, j), []).append((i, j))
    sets = list(out.values())
    if table.row_total is not None:
        total, parts = table.row_total
        for i, row in enumerate(table.rows):
            keys = [(i, j) for j in (*parts, total) if row.cells[j].count is not None]
            if len(keys) == len(parts) + 1:
                sets.append(keys)
    return sets


def suppress_table(table: Table, threshold: int, mask: str) -> tuple[Table, int]:
    """The table with small cells and their complements masked; also how many were masked."""
    if threshold <= 0:
        return table, 0
    counts = {
        (i, j): c.count
        for i, r in enumerate(table.rows)
        for j, c in enumerate(r.cells)
        if c.count is not None
    }
    hidden = suppress_cells(counts, _constraints(table), threshold)
    # a row that restates the one above (a rate's CI) would reveal its masked counts
    hidden |= {
        (i, j)
        for i, r in enumerate(table.rows)
        if r.derived
        for j in range(len(r.cells))
        if (i - 1, j) in hidden
    }
    text = mask.format(threshold=threshold)
    rows = tuple(
        replace(
            r,
            cells=tuple(
                Cell(text=text, masked=True) if (i, j) in hidden else c
                for j, c in enumerate(r.cells)
            ),
        )
        for i, r in enumerate(table.rows)
    )
    note = (
        f"Counts below {threshold} are masked ({text}), with further cells masked so they "
        "cannot be recovered."
    )
    return table.with_rows(
        rows, footnotes=(*table.footnotes, note) if hidden else table.footnotes
    ), len(hidden)


def suppress_flow(flow, threshold: int) -> set[str]:
    """Which flow counts to mask.

    Keys: "identified", "step:<i>", "remaining:<i>", "analysed", "group:<i>".
    """
    if threshold <= 0:
        return set()
    counts = {"identified": flow.n_identified, "analysed": flow.n_analysed}
    chain = ["identified"]
    constraints = []
    for i, s in enumerate(flow.steps):
        counts[f"step:{i}"] = s.n_excluded
        counts[f"remaining:{i}"] = s.n_remaining
        constraints.append([chain[-1], f"step:{i}", f"remaining:{i}"])
        chain.append(f"remaining:{i}")
    for i, (_, n) in enumerate(flow.groups):
        counts[f"group:{i}"] = n
    constraints.append(["analysed", *[f"group:{i}" for i in range(len(flow.groups))]])
    return suppress_cells(counts, constraints, threshold)


def mask_count(n: int, threshold: int, mask: str) -> str:
    return mask.format(threshold=threshold) if 0 < n < threshold else str(n)


# A whole number standing alone: not part of a decimal (8.4), a range (0.307-0.912 keeps its
# digits because each side is a decimal) or an identifier (P007, figureS1).
_WHOLE = re.compile(r"(?<![\w.])(\d+)(?![\w.]|\.\d)")


def mask_text(text: str, threshold: int, mask: str) -> str:
    """``text`` with every stand-alone whole number from 1 to ``threshold - 1`` masked.

    Warnings and notes are free text that may quote counts ("6 of 18 patients have no
    match"); the report cannot tell a count from another small number there, so with
    suppression on it masks them all (over-masking "6 term(s)" is the safe error).
    """
    if threshold <= 1:
        return text
    return _WHOLE.sub(lambda m: mask_count(int(m.group(1)), threshold, mask), text)


__all__ = ["mask_count", "mask_text", "suppress_cells", "suppress_flow", "suppress_table"]
