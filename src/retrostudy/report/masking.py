"""Print the tables as a suppression plan (:mod:`retrostudy.report.disclosure`) says.

A masked count shows the primary mask (``<5``) or the protecting mark (``\u2021``); a header
n masked likewise; a percentage whose denominator (the header n, the block's total row, or
the non-missing count of a block with a masked "Missing" row) is masked is left out and the
count shown alone; a derived row (a rate's CI) is masked beside a masked count or
denominator. Each table masked gets one footnote that explains both marks.
"""

from __future__ import annotations

from dataclasses import replace

from retrostudy.report.disclosure import (
    Plan,
    _key,
    block_total,
    blocks_of,
    flow_ledger,
    header_refs,
    table_ledger,
)
from retrostudy.report.suppression import Ledger, footnote, mask_texts, suppress_ledger
from retrostudy.report.table import Cell, Table


def _plain(cell: Cell) -> Cell:
    """A count cell without its percentage (its denominator is masked)."""
    return replace(cell, text=str(cell.count)) if cell.text != str(cell.count) else cell


def _masked(table: Table, primary, secondary, texts) -> dict[tuple[int, int], str]:
    first, second = texts
    out = {}
    for i, r in enumerate(table.rows):
        for j, c in enumerate(r.cells):
            key = _key(table, i, j, c) if c.count is not None else None
            if key in primary:
                out[i, j] = first
            elif key in secondary:
                out[i, j] = second
    return out


def _bare_blocks(table: Table, hidden, masked) -> set[tuple[str, int]]:
    """(block, column) whose percentages lose their denominator."""
    at = {_key(table, i, j, c): (i, j) for i, r in enumerate(table.rows)
          for j, c in enumerate(r.cells) if c.count is not None}
    out = set()
    for block, idx in blocks_of(table).items():
        for j in range(len(table.rows[idx[0]].cells)):
            parts = [i for i in idx if table.rows[i].cells[j].count is not None]
            if not parts:
                continue
            tot = block_total(table, parts, j, {}, {})
            missing = any((i, j) in masked for i in parts
                          if table.rows[i].label.startswith("Missing"))
            if missing or (tot is not None and (tot in hidden or at.get(tot) in masked)):
                out.add((block, j))
    return out


def _bare_cells(table: Table, heads, hidden, masked, sizes) -> set[tuple[int, int]]:
    """Cells whose percentage would give a masked count away: the column's group size is
    masked and the percentage is over it (or over it less a Missing row shown); or it is
    over a denominator printed nowhere (the evaluable patients) and a count of the column
    is masked."""
    size = {j: sizes[k][1] for j, k in heads.items()}
    by_label = {label: (k, n) for k, (label, n) in sizes.items()}
    keys = dict(heads)
    for j, col in enumerate(table.columns):
        if j not in keys and col in by_label:
            keys[j], size[j] = by_label[col]
    out = set()
    for i, r in enumerate(table.rows):
        for j, c in enumerate(r.cells):
            d = c.denominator
            if d is None or c.text == str(c.count) or d == _row_above(table, i, j):
                continue  # over the block's total row: _bare_blocks decides
            rows = _variable_rows(table, i)
            shown_missing = [table.rows[k].cells[j].count for k in rows
                             if table.rows[k].label.startswith("Missing")
                             and (k, j) not in masked]
            if d == size.get(j) or (shown_missing and d == size.get(j, 0) - shown_missing[0]):
                if keys.get(j) in hidden:  # over the group size (less a Missing row shown)
                    out.add((i, j))
            elif any(jj == j for _, jj in masked) or keys.get(j) in hidden or j not in size:
                out.add((i, j))  # over a denominator not printed: kept only if nothing masked
    return out


def _variable_rows(table: Table, i: int) -> list[int]:
    """Rows of the variable of row ``i``: its block, or the row and the rows indented
    under it (a yes/no row and its Missing row)."""
    r = table.rows[i]
    if r.block is not None:
        return [k for k, x in enumerate(table.rows) if x.block == r.block]
    out = [i]
    for k in range(i + 1, len(table.rows)):
        if table.rows[k].indent <= r.indent:
            break
        out.append(k)
    return out


def _row_above(table: Table, i: int, j: int) -> int | None:
    """The count of the total row above row ``i``'s block in column ``j``."""
    if table.rows[i].block is None:
        return None
    for k in range(i - 1, -1, -1):
        r = table.rows[k]
        if r.block is None and r.cells[j].count is not None:
            return r.cells[j].count
    return None


def _cell(r, i, j, c, masked, bare_cells, bare_blocks, second) -> Cell:
    if (i, j) in masked:
        return Cell(text=masked[i, j], masked=True)
    if r.derived and ((i - 1, j) in masked or (i - 1, j) in bare_cells):
        return Cell(text=masked.get((i - 1, j), second), masked=True)
    if c.count is not None and ((i, j) in bare_cells or (r.block, j) in bare_blocks):
        return _plain(c)
    return c


def apply_table(table: Table, heads: dict[int, str], primary, secondary, threshold: int,
                mask: str, sizes: dict | None = None) -> tuple[Table, int]:
    """``table`` as printed; also how many of its cells are masked."""
    texts = mask_texts(threshold, mask)
    hidden = primary | secondary
    masked = _masked(table, primary, secondary, texts)
    bare_cells = _bare_cells(table, heads, hidden, masked, sizes or {})
    bare_blocks = _bare_blocks(table, hidden, masked)
    rows = tuple(
        replace(r, cells=tuple(_cell(r, i, j, c, masked, bare_cells, bare_blocks, texts[1])
                               for j, c in enumerate(r.cells)))
        for i, r in enumerate(table.rows)
    )
    columns = list(table.columns)
    for j, k in heads.items():
        if k in hidden and sizes is not None:
            columns[j] = f"{sizes[k][0]} (n = {texts[0] if k in primary else texts[1]})"
    notes = table.footnotes
    heads_hidden = any(k in hidden for k in heads.values())
    if masked or heads_hidden:
        second = texts[1] in masked.values() or any(k in secondary for k in heads.values())
        notes = (*notes, footnote(threshold, mask, second))
        if bare_cells or bare_blocks:
            notes = (*notes, "Percentages and intervals over a masked denominator are left out.")
    out = replace(table.with_rows(rows, footnotes=notes), columns=tuple(columns))
    return out, len(masked)


def _footnotes(plan_: Plan, key: str, notes: tuple[str, ...]) -> tuple[str, ...]:
    """A table's footnotes as printed: a warning repeated there that quotes a number is
    left out (as in the Warnings section); a count a footnote quotes is masked as the plan
    says (the exact text the analysis wrote, built from the same numbers)."""
    out = []
    for note in notes:
        if note in plan_.warnings and any(ch.isdigit() for ch in note):
            continue
        for text, template, keys in plan_.fragments.get(key, ()):
            if text in note:
                shown = {name: plan_.text(k, plan_.values[k]) for name, k in keys.items()}
                note = note.replace(text, template.format(**shown))
        out.append(note)
    if len(out) < len(notes):
        out.append("Warnings quoting numbers are left out (small-cell suppression).")
    return tuple(out)


def apply(plan_: Plan, tables: dict[str, Table]) -> tuple[dict[str, Table], int]:
    """Every table as printed under ``plan_``; the published-vs-reproduced table is left
    out (it sets reproduced counts beside printed ones, unmasked)."""
    if not plan_.on:
        return dict(tables), 0
    out, total = {}, 0
    for key, t in tables.items():
        if key == "published":
            continue
        t = replace(t, footnotes=_footnotes(plan_, key, t.footnotes))
        out[key], n = apply_table(t, header_refs(t, plan_.sizes), plan_.primary,
                                  plan_.secondary, plan_.threshold, plan_.mask, plan_.sizes)
        total += n
    return out, total


def shared_warnings(warnings, on: bool) -> tuple[str, ...]:
    """The warnings as a suppressed report prints them: a warning that quotes a number is
    left out (a count in free text cannot be masked without knowing what it counts), and
    one sentence says how many were left out."""
    warnings = tuple(dict.fromkeys(warnings))
    if not on:
        return warnings
    kept = tuple(w for w in warnings if not any(ch.isdigit() for ch in w))
    left = len(warnings) - len(kept)
    if left:
        kept += (f"{left} warning(s) quoting numbers are left out of this suppressed report "
                 "(small-cell suppression); the unsuppressed run lists them.",)
    return kept


def suppress_table(table: Table, threshold: int, mask: str) -> tuple[Table, int]:
    """One table alone (its own margins only); the run uses :mod:`.disclosure`."""
    if threshold <= 0:
        return table, 0
    ledger = Ledger()
    table_ledger(ledger, table, {})
    primary, secondary = suppress_ledger(ledger, threshold)
    return apply_table(table, {}, primary, secondary, threshold, mask)


def suppress_flow(flow, threshold: int) -> set[str]:
    """Which flow counts to mask (the flow alone).

    Keys: "identified", "step:<i>", "remaining:<i>", "analysed", "group:<i>".
    """
    if threshold <= 0:
        return set()
    ledger = Ledger()
    keys = flow_ledger(ledger, flow)
    primary, secondary = suppress_ledger(ledger, threshold)
    return {name for name, key in keys.items() if key in primary | secondary}
