"""One suppression pass over everything a run prints, before anything is written.

:func:`plan` collects every printed count into one :class:`~.suppression.Ledger` (table
cells, table-header n's, the flow chart, KM and CIF numbers at risk and legends, subgroup
forest labels) with the relations a reader knows between them, solves primary and
secondary suppression together, and returns a :class:`Plan` that every output reads:
tables, figures and results.json show the same masked counts.

Keys: a cell's ``ref`` when it has one (``ep:<endpoint>:n:<group>``, ``ep:..:events:..``,
``cr:<endpoint>:<cause>:<group>``), ``n:<group>`` and ``n:all`` for group and analysed
sizes (headers, flow boxes), ``("cell", table, row, column)`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from itertools import combinations

from retrostudy.report.suppression import Ledger, mask_texts, suppress_ledger
from retrostudy.report.table import Cell, Table


def _key(table: Table, i: int, j: int, cell: Cell) -> Hashable:
    return cell.ref or ("cell", table.key, i, j)


def header_refs(table: Table, sizes: dict[str, tuple[str, int]]) -> dict[int, str]:
    """Column index -> key of the n its header prints (``"Tmab (n = 24)"``), matched
    exactly against the headers the analyses write from ``sizes`` (key -> (label, n))."""
    texts = {f"{label} (n = {n})": key for key, (label, n) in sizes.items()}
    return {j: texts[c] for j, c in enumerate(table.columns) if c in texts}


def flow_keys(flow) -> dict[str, Hashable]:
    keys = {"identified": "flow:identified", "analysed": "n:all"}
    for i, _ in enumerate(flow.steps):
        keys[f"step:{i}"] = f"flow:step:{i}"
        keys[f"remaining:{i}"] = f"flow:remaining:{i}"
    for i, (name, _) in enumerate(flow.groups):
        keys[f"group:{i}"] = f"n:{name}"
    return keys


def flow_ledger(ledger: Ledger, flow) -> dict[str, Hashable]:
    """The flow's counts: identified - excluded = remaining, step by step; the last
    remaining is the analysed total; the groups add up to it."""
    keys = flow_keys(flow)
    ledger.add(keys["identified"], flow.n_identified)
    ledger.add(keys["analysed"], flow.n_analysed)
    before = keys["identified"]
    for i, s in enumerate(flow.steps):
        ledger.add(keys[f"step:{i}"], s.n_excluded)
        ledger.add(keys[f"remaining:{i}"], s.n_remaining)
        ledger.equation({before: 1, keys[f"step:{i}"]: -1, keys[f"remaining:{i}"]: -1})
        before = keys[f"remaining:{i}"]
    ledger.alias(before, keys["analysed"])
    for i, (_, n) in enumerate(flow.groups):
        ledger.add(keys[f"group:{i}"], n)
    if flow.groups:
        ledger.equation({keys["analysed"]: 1, **{keys[f"group:{i}"]: -1
                                                  for i in range(len(flow.groups))}})
    return keys


def blocks_of(table: Table) -> dict[str, list[int]]:
    """Block name -> indices of its rows."""
    blocks: dict[str, list[int]] = {}
    for i, r in enumerate(table.rows):
        if r.block is not None:
            blocks.setdefault(r.block, []).append(i)
    return blocks


def table_ledger(ledger: Ledger, table: Table, heads: dict[int, str]) -> None:
    """A table's counts and margins: the rows of a block add up to the row above them
    (a total row) or to the column's header n, else to a sum a reader may know; per-group
    columns add up to the overall one."""
    rows = table.rows
    for i, r in enumerate(rows):
        for j, c in enumerate(r.cells):
            if c.count is not None:
                ledger.add(_key(table, i, j, c), c.count)
    ncol = max((len(r.cells) for r in rows), default=0)
    for members in blocks_of(table).values():
        for j in range(ncol):
            parts = [i for i in members if rows[i].cells[j].count is not None]
            if parts:
                tot = block_total(table, parts, j, heads, ledger.values)
                ledger.equation({**{_key(table, i, j, rows[i].cells[j]): 1 for i in parts},
                                 **({tot: -1} if tot is not None else {})})
    if table.row_total is not None:
        tot, parts = table.row_total
        for i, r in enumerate(rows):
            if all(r.cells[j].count is not None for j in (*parts, tot)):
                ledger.equation({**{_key(table, i, j, r.cells[j]): 1 for j in parts},
                                 _key(table, i, tot, r.cells[tot]): -1})


def block_total(table: Table, parts: list[int], j: int, heads: dict, values: dict):
    """The key of the total a block's counts in column ``j`` add up to: the count row just
    above the block, else the column's header n, whichever equals their sum; else None
    (a sum a reader may still know)."""
    rows = table.rows
    total = sum(rows[i].cells[j].count for i in parts)
    above = [i for i in range(parts[0] - 1, -1, -1)
             if rows[i].block is None and rows[i].cells[j].count is not None][:1]
    cands = [(_key(table, i, j, rows[i].cells[j]), rows[i].cells[j].count) for i in above]
    cands += [(heads[j], values.get(heads[j]))] if j in heads else []
    return next((k for k, v in cands if v == total), None)


def _subset_sums(ledger: Ledger, groups) -> None:
    """A response measure of one group (a rate, or a sensitivity table's objective response
    or disease control) that is the sum of some best-response categories of that group is
    that sum (CR + PR): an equation for every subset whose counts add up to it."""
    for g in groups:
        parts = sorted(k for k in ledger.values if isinstance(k, str)
                       and k.startswith("bor:") and k.endswith(f":{g}"))
        totals = [k for k in ledger.values if isinstance(k, str)
                  and k.startswith(("rate:", "resp:")) and k.endswith(f":{g}")]
        if len(parts) > 10:
            continue
        for t in totals:
            for size in range(1, len(parts) + 1):
                for sub in combinations(parts, size):
                    if sum(ledger.values[p] for p in sub) == ledger.values[t]:
                        ledger.equation({**{p: 1 for p in sub}, t: -1})


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to mask: keys of primary and secondary suppression, and how to show them."""

    threshold: int = 0
    mask: str = "<{threshold}"
    primary: frozenset = frozenset()
    secondary: frozenset = frozenset()
    sizes: dict = field(default_factory=dict)  # header key -> (label, n)
    values: dict = field(default_factory=dict)  # every printed count by key
    # table key -> ((text printed, template, {name: key}), ...): counts inside footnotes
    fragments: dict = field(default_factory=dict)
    warnings: frozenset = frozenset()  # the analyses' warnings (footnotes repeat them)

    def count_text(self, n: int) -> str:
        """A count printed without a key of its own (a figure label): masked when it is
        small, or when it equals a masked group or endpoint size (the same patients)."""
        if not self.on:
            return str(n)
        first, second = mask_texts(self.threshold, self.mask)
        if 0 < n < self.threshold:
            return first
        same = [k for k, v in self.values.items() if v == n and isinstance(k, str)
                and (k.startswith("n:") or ":n:" in k) and self.hidden(k)]
        return second if same else str(n)

    @property
    def on(self) -> bool:
        return self.threshold > 0

    def text(self, key: Hashable, n: int) -> str:
        """How the count ``n`` under ``key`` is printed."""
        first, second = mask_texts(self.threshold, self.mask)
        if key in self.primary:
            return first
        if key in self.secondary:
            return second
        return str(n)

    def value(self, key: Hashable, n: int):
        """The count for results.json: the integer, or the masked text."""
        return self.text(key, n) if key in self.primary or key in self.secondary else n

    def hidden(self, key: Hashable) -> bool:
        return key in self.primary or key in self.secondary

    @property
    def n_masked(self) -> int:
        return len(self.primary) + len(self.secondary)


def at_risk_key(kind: str, endpoint: str, group: str, k: int) -> Hashable:
    return (kind, endpoint, group, k)


def _at_risk(ledger: Ledger, kind: str, endpoint: str, group: str, n_key: str,
             counts) -> None:
    """A figure's numbers at risk; the first (time 0) is the group's analysed n."""
    for k, n in enumerate(counts):
        ledger.add(at_risk_key(kind, endpoint, group, k), int(n))
    if len(counts):
        ledger.alias(at_risk_key(kind, endpoint, group, 0), n_key)


def _figure_counts(ledger: Ledger, ctx) -> None:
    """KM and CIF numbers at risk and legends; the subgroup forest's n labels."""
    for res in ctx.analyses.endpoints:
        for g in res.groups:
            n_key = f"ep:{res.endpoint}:n:{g.group}"
            ledger.add(n_key, g.n)
            ledger.alias(n_key, f"n:{g.group}")
            _at_risk(ledger, "risk", res.endpoint, g.group, n_key, res.at_risk.counts[g.group])
    _cif_counts(ledger, ctx)
    for res in getattr(ctx.analyses.secondary, "subgroups", ()):
        for label_key, parts in _subgroup_labels(res):
            ledger.add(label_key, sum(ledger.values[p] for p in parts))
            ledger.equation({label_key: -1, **{p: 1 for p in parts}})


def _cif_counts(ledger: Ledger, ctx) -> None:
    comp = getattr(ctx.analyses.secondary, "competing", None)
    if comp is not None and comp.curves:
        for g in comp.curves:
            n_key = f"cr:{comp.endpoint}:n:{g}"
            ledger.add(n_key, comp.groups[g].n)
            ledger.alias(n_key, f"ep:{comp.endpoint}:n:{g}")
            _at_risk(ledger, "cifrisk", comp.endpoint, g, n_key, comp.at_risk.counts[g])


def _subgroup_labels(res):
    """(key of the forest label's n, keys of the table cells it sums), in label order."""
    out = [(("sgn", res.endpoint, "all"), [f"ep:{res.endpoint}:n:{g}" for g in res.groups])]
    for v in res.variables:
        for lv in v.levels:
            out.append((("sgn", res.endpoint, v.variable, lv.value),
                        [f"sg:{res.endpoint}:{v.variable}:{lv.value}:{g}"
                         for g in res.groups]))
    return out


def subgroup_label_texts(plan_: Plan, res) -> list[str]:
    """The n of each subgroup forest label as printed, in label order."""
    return [plan_.text(key, plan_.values[key]) for key, _ in _subgroup_labels(res)]


def _competing_sums(ledger: Ledger, ctx) -> None:
    """A composite endpoint's events are the sum of its causes; the progression cause may
    be another endpoint's events: equations wherever the printed numbers agree."""
    comp = getattr(ctx.analyses.secondary, "competing", None)
    if comp is None:
        return
    eps = {k for k in ledger.values if isinstance(k, str) and k.startswith("ep:")
           and ":events:" in k}
    for g in comp.groups:
        prog = f"cr:{comp.endpoint}:progression:{g}"
        death = f"cr:{comp.endpoint}:death_without_progression:{g}"
        for e in sorted(eps):
            if not e.endswith(f":events:{g}"):
                continue
            ledger.alias(prog, e)
            if prog in ledger.values and death in ledger.values and \
                    ledger.values[prog] + ledger.values[death] == ledger.values[e]:
                ledger.equation({prog: 1, death: 1, e: -1})


def _subgroup_cells(tables: dict[str, Table], ctx) -> dict[str, Table]:
    """Give the subgroup tables' level cells the keys the forest labels sum."""
    out = dict(tables)
    for res in getattr(ctx.analyses.secondary, "subgroups", ()):
        key = next((k for k, t in tables.items() if k.startswith(f"subgroups_{res.endpoint}")),
                   None)
        if key is None:
            continue
        t = tables[key]
        levels = [(v.variable, lv.value) for v in res.variables for lv in v.levels]
        rows, it = list(t.rows), iter(levels)
        for i, r in enumerate(rows):
            if r.block is None:
                continue
            var, val = next(it)
            cells = list(r.cells)
            for gi, g in enumerate(res.groups):
                c = cells[2 * gi]
                cells[2 * gi] = replace(c, ref=c.ref or f"sg:{res.endpoint}:{var}:{val}:{g}")
            rows[i] = replace(r, cells=tuple(cells))
        out[key] = t.with_rows(tuple(rows))
    return out


def group_sizes(ctx) -> dict[str, tuple[str, int]]:
    an = ctx.analyses
    flow = ctx.flow
    n = dict(flow.groups) if flow is not None else {}
    if not n:  # patients per group as the analysis counted them
        n = dict(an.n)
    sizes = {f"n:{g}": (an.group_labels.get(g, g), n[g]) for g in an.groups if g in n}
    total = sum(n.values())
    sizes |= {f"n:all:{w}": (w, total) for w in ("All", "Overall", "Total")}
    return sizes


def _model_counts(ledger: Ledger, ctx) -> dict:
    """The adjusted Cox model's patients and events, quoted in its table's footnote
    ("(n = 42, 38 events)"): counts tied to the analysed total and to the groups' events."""
    out = {}
    for res in ctx.analyses.endpoints:
        m = res.model("adjusted")
        if m is None:
            continue
        n_key, e_key = ("cox", res.endpoint, "n"), ("cox", res.endpoint, "events")
        ledger.add(n_key, m.n)
        ledger.add(e_key, m.n_events)
        ledger.alias(n_key, "n:all")
        groups = [f"ep:{res.endpoint}:events:{g.group}" for g in res.groups]
        if all(k in ledger.values for k in groups) and \
                sum(ledger.values[k] for k in groups) == m.n_events:
            ledger.equation({e_key: -1, **{k: 1 for k in groups}})
        out[f"cox_{res.endpoint}"] = ((f"(n = {m.n}, {m.n_events} events)",
                                       "(n = {n}, {events} events)",
                                       {"n": n_key, "events": e_key}),)
    comp = getattr(ctx.analyses.secondary, "competing", None)
    if comp is not None and comp.n_excluded:  # a small count of its own (primary only)
        key = ("cr", comp.endpoint, "excluded")
        ledger.add(key, comp.n_excluded)
        out[f"competing_{comp.endpoint}"] = ((f"{comp.n_excluded} patient(s) without",
                                              "{n} patient(s) without", {"n": key}),)
    return out


def _group_sizes(ledger: Ledger, groups) -> None:
    """Another table's count of a whole group is the group's size; the sizes add up to
    the analysed total."""
    for g in groups:
        for k in [k for k in ledger.values if isinstance(k, str) and k.endswith(f":n:{g}")]:
            ledger.alias(k, f"n:{g}")
    for k in [k for k in ledger.values if isinstance(k, str) and "@" in k]:
        ledger.alias(k, re.sub(r"@[^:]*", "", k))  # the adjusted table's crude counts
    keys = [f"n:{g}" for g in groups if f"n:{g}" in ledger.values]
    if keys and "n:all" in ledger.values:
        ledger.equation({"n:all": 1, **{k: -1 for k in keys}})


def plan(ctx, tables: dict[str, Table]) -> tuple[Plan, dict[str, Table]]:
    """The suppression plan of a run, and its tables with keyed subgroup cells."""
    supp = ctx.protocol.report.suppression
    if supp.threshold <= 0:
        return Plan(mask=supp.mask), tables
    tables = _subgroup_cells(tables, ctx)
    ledger = Ledger()
    sizes = group_sizes(ctx)
    for key, (_, n) in sizes.items():
        ledger.add(key, n)
    if ctx.flow is not None:
        flow_ledger(ledger, ctx.flow)
    for key in sizes:
        if key.startswith("n:all:"):
            ledger.alias(key, "n:all")
    for t in tables.values():
        table_ledger(ledger, t, header_refs(t, sizes))
    _figure_counts(ledger, ctx)
    _competing_sums(ledger, ctx)
    _subset_sums(ledger, ctx.analyses.groups)
    _group_sizes(ledger, ctx.analyses.groups)
    fragments = _model_counts(ledger, ctx)
    primary, secondary = suppress_ledger(ledger, supp.threshold)
    return Plan(threshold=supp.threshold, mask=supp.mask, primary=frozenset(primary),
                secondary=frozenset(secondary), sizes=sizes,
                values=dict(ledger.values), fragments=fragments,
                warnings=frozenset(ctx.analyses.warnings)), tables


def km_mask(plan_: Plan, kind: str, endpoint: str, n_key: str):
    """The ``mask(n, where)`` of a KM or CIF figure: ``where`` is (group, index) for a
    number at risk, (group, "n") for a legend's n."""

    def mask(n, where):
        group, k = where
        if k == "n":
            return plan_.text(f"{n_key}:{group}", n)
        return plan_.text(at_risk_key(kind, endpoint, group, k), n)

    return mask
