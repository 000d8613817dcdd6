"""Small-cell suppression with secondary suppression, for outputs meant for sharing.

The printed counts of a run are variables of one linear system (:class:`Ledger`): every
count has a key (the same key wherever the same number is printed: a group's size in a
table header, the flow chart and a KM legend), and every relation a reader knows is an
equation (the levels of a variable add up to the group size, the groups to the analysed
total, the flow's steps to what remains, the causes of a composite endpoint to its events).

Primary suppression masks every count from 1 to ``threshold - 1`` (zero is shown: it
discloses nobody). Secondary suppression then masks further counts until no masked count
is determined by the shown ones, in two steps repeated to a fixed point, as the statistical
agencies' cell-suppression methods do (Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012, ch. 4; the constraint-based heuristic of R's sdcTable, "SIMPLEHEURISTIC",
which solves attacker problems to check each primary cell; Statistics Norway's Gaussian-
elimination secondary suppression, R package GaussSuppression, Langsrud):

1. an equation with exactly one masked count gives it away by subtraction: its smallest
   shown count (non-zero first) is masked too;
2. an audit by exact Gaussian elimination (fractions) over the masked counts: a masked
   count is determined when its unit vector lies in the row space of the equations
   restricted to the masked counts (the reduced row echelon form has a row with that
   single non-zero entry); then the smallest shown count of an equation holding it is masked.

The RHS of an equation (a shown total) never matters for the audit: only which counts are
masked does. Counts masked in step 1 or 2 are marked differently from primary ones: they
may be of any size.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

SECONDARY_MARK = "\u2021"  # double dagger: masked to protect another masked count


@dataclass(slots=True)
class Ledger:
    """The printed counts (key -> value) and the equations between them.

    An equation maps keys to integer coefficients: ``sum(c * value[k]) = constant`` for a
    constant a reader knows; it need not be zero (a shown total not itself a key).
    """

    values: dict[Hashable, int] = field(default_factory=dict)
    equations: list[dict[Hashable, int]] = field(default_factory=list)

    def add(self, key: Hashable, value: int) -> Hashable:
        old = self.values.setdefault(key, int(value))
        if old != int(value):
            raise ValueError(f"count {key!r} printed as {old} and {value}")
        return key

    def equation(self, coefficients: dict[Hashable, int]) -> None:
        eq = {k: c for k, c in coefficients.items() if c}
        if len(eq) > 1 and eq not in self.equations:
            self.equations.append(eq)

    def alias(self, a: Hashable, b: Hashable) -> None:
        """``a`` and ``b`` are the same number (added only when both are printed and equal)."""
        if a in self.values and b in self.values and a != b and self.values[a] == self.values[b]:
            self.equation({a: 1, b: -1})


def determined(equations: list[dict], unknown: set) -> set:
    """The keys of ``unknown`` fixed by ``equations`` once every other key is known.

    Exact reduced row echelon form over the rationals, columns = ``unknown`` keys."""
    cols = sorted(unknown, key=repr)
    index = {k: i for i, k in enumerate(cols)}
    rows = []
    for eq in equations:
        row = {index[k]: Fraction(c) for k, c in eq.items() if k in index}
        if row:
            rows.append(row)
    pivots: list[tuple[int, dict]] = []
    for row in rows:
        for col, prow in pivots:  # reduce by the pivots found so far
            if col in row:
                f = row[col]
                for k, v in prow.items():
                    row[k] = row.get(k, 0) - f * v
                row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        f = row[col]
        row = {k: v / f for k, v in row.items()}
        for i, (c2, r2) in enumerate(pivots):  # keep the earlier rows reduced
            if col in r2:
                g = r2[col]
                r2 = {k: r2.get(k, 0) - g * row.get(k, 0) for k in set(r2) | set(row)}
                pivots[i] = (c2, {k: v for k, v in r2.items() if v})
        pivots.append((col, row))
    return {cols[col] for col, row in pivots if len(row) == 1}


def at_bound(eq: dict, values: dict, primary: set, masked: set, threshold: int) -> bool:
    """Whether the masked counts of ``eq`` are fixed by their known sum and their ranges:
    a primary count lies in 1..threshold-1 (its mark says so), a secondary one in 0..inf;
    when the masked part's sum is its least or greatest possible value, each count is at
    its bound (two "<5" cells that add up to 2 are both 1)."""
    hidden = [k for k in eq if k in masked]
    if not hidden:
        return False
    actual = sum(eq[k] * values[k] for k in hidden)
    low = high = 0.0
    for k in hidden:
        lo, hi = (1, threshold - 1) if k in primary else (0, float("inf"))
        c = eq[k]
        low += c * lo if c > 0 else c * hi
        high += c * hi if c > 0 else c * lo
    return actual in (low, high)


def _cost(values, k) -> tuple:
    return (values[k] == 0, values[k], repr(k))


def suppress_ledger(ledger: Ledger, threshold: int) -> tuple[set, set]:
    """(primary, secondary) keys to mask so that no masked count is determined."""
    values, eqs = ledger.values, [e for e in ledger.equations if all(k in ledger.values
                                                                     for k in e)]
    if threshold <= 0:
        return set(), set()
    primary = {k for k, n in values.items() if 0 < n < threshold}
    masked = set(primary)
    while True:
        changed = True
        while changed:  # step 1: single-unknown equations, to a fixed point
            changed = False
            for eq in eqs:
                hidden = [k for k in eq if k in masked]
                shown = [k for k in eq if k not in masked]
                if shown and (len(hidden) == 1 or at_bound(eq, values, primary, masked,
                                                           threshold)):
                    masked.add(min(shown, key=lambda k: _cost(values, k)))
                    changed = True
        found = determined(eqs, masked)  # step 2: exact audit
        if not found:
            return primary, masked - primary
        key = min(found, key=repr)
        masked.add(_protector(key, eqs, values, masked))


def _protector(key, eqs: list[dict], values: dict, masked: set):
    """The shown count to mask so that ``key`` is no longer determined: the cheapest shown
    count of the equations linked to ``key`` through masked counts whose masking undoes
    the determination (else the cheapest of them)."""
    component, todo = {key}, [key]
    while todo:  # masked counts linked to key by equations
        k = todo.pop()
        for eq in eqs:
            if k in eq:
                for other in eq:
                    if other in masked and other not in component:
                        component.add(other)
                        todo.append(other)
    near = sorted({k for eq in eqs if component & eq.keys() for k in eq if k not in masked},
                  key=lambda k: _cost(values, k))
    if not near:
        raise RuntimeError(f"suppression: {key!r} cannot be protected")
    for k in near[:40]:
        if key not in determined(eqs, masked | {k}):
            return k
    return near[0]


def suppress_cells(
    counts: dict[Hashable, int], constraints: Iterable[Iterable[Hashable]], threshold: int
) -> set[Hashable]:
    """Keys of the cells to mask; each constraint is a set of counts with a known sum."""
    ledger = Ledger(values=dict(counts))
    for c in constraints:
        ledger.equation({k: 1 for k in c if k in counts})
    primary, secondary = suppress_ledger(ledger, threshold)
    return primary | secondary


def mask_texts(threshold: int, mask: str) -> tuple[str, str]:
    """(primary text, secondary text)."""
    return mask.format(threshold=threshold), SECONDARY_MARK


def footnote(threshold: int, mask: str, secondary: bool) -> str:
    text = mask.format(threshold=threshold)
    note = f"{text}: a count from 1 to {threshold - 1}, masked (small-cell suppression)."
    if secondary:
        note += (f" {SECONDARY_MARK}: a count of any size, masked so that no masked count "
                 "can be recovered from the totals and the other tables shown.")
    return note


def mask_count(n: int, threshold: int, mask: str) -> str:
    return mask.format(threshold=threshold) if 0 < n < threshold else str(n)


__all__ = [
    "SECONDARY_MARK",
    "Ledger",
    "determined",
    "footnote",
    "mask_count",
    "suppress_cells",
    "suppress_ledger",
]
