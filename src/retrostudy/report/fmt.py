"""Number formatting for the report: one place, so every table rounds the same way.

Rounding is half-to-even on the decimal value Python prints (``format(x, ".1f")``); the
same float always gives the same text. Missing values print as ``NE`` (not estimable) in
estimates and as an empty string in summaries.
"""

from __future__ import annotations

import math

DASH = "\u2013"  # en dash for ranges, as journals print them


def isnum(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def num(x, digits: int = 1, missing: str = "NE") -> str:
    if not isnum(x):
        return missing
    if math.isinf(x):
        return missing
    return f"{x:.{digits}f}"


def interval(low, high, digits: int = 1) -> str:
    return f"{num(low, digits)}{DASH}{num(high, digits)}"


def estimate_ci(est, low, high, digits: int = 1) -> str:
    """``2.8 (1.7–4.8)``; a missing limit prints as NE (R prints NA)."""
    return f"{num(est, digits)} ({interval(low, high, digits)})"


def p_value(p, digits: int = 4, missing: str = "") -> str:
    """``0.0030``, ``<0.0001``; ``missing`` for NaN (``"NE"`` where a test was expected)."""
    if not isnum(p):
        return missing
    floor = 10.0**-digits
    if p < floor:
        return f"<{floor:.{digits}f}"
    return f"{p:.{digits}f}"


def p_text(p, digits: int = 4, missing: str = "NE") -> str:
    """A p value in a sentence or a figure: ``p = 0.0030``, ``p < 0.0001`` (never
    ``p = <0.0001``), ``p = NE`` when there is none."""
    value = p_value(p, digits, missing)
    return f"p < {value[1:]}" if value.startswith("<") else f"p = {value}"


def count_pct(n: int, denom: int, digits: int = 1) -> str:
    if denom == 0:
        return f"{n} (NE)"
    return f"{n} ({100.0 * n / denom:.{digits}f})"
