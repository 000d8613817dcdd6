"""Quantiles of a Kaplan–Meier curve and their confidence limits, as R's ``quantile.survfit``.

The p-th quantile is the first time at which the cumulative failure ``F = 1 - S`` reaches
``p``. Two details decide parity with R (survival 3.5, ``quantile.survfit`` / ``findq``):

* "reaches" is tested with a tolerance ``tol = sqrt(machine epsilon)``: a step of F that
  lands within ``tol`` of ``p`` counts as lying *on* ``p``;
* when F lies on ``p`` over a flat stretch, the quantile is the midpoint between the start
  of that stretch and the next time F rises (or the last time of the curve, if it never
  rises again). ``veteran``, trt = 2 has S = 0.49999999999999967 on [52, 53): median 52.5.

The confidence limits apply the same rule to the pointwise bands: the lower limit is
where the lower survival band falls to ``1 - p``, the upper limit where the upper band
does. A limit that is never reached is NaN (R's NA), so the limits depend on the CI
transform.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def check_p(p) -> float:
    p = float(p)
    if not (0.0 < p < 1.0):
        raise ValueError(f"p must be strictly between 0 and 1, got {p}")
    return p


def _first_at_or_above(values: np.ndarray, target: float) -> int | None:
    """Index of the smallest value >= target (R's ``approx(values, 1:n, target, "constant",
    f=1)``, which sorts by value), None outside [min, max] (R's NA).

    For the curve itself the values increase, so this is the first time F reaches the
    target; a confidence band need not be monotone (the log band's upper limit can rise
    again when the standard error grows), and R then takes the point with the smallest
    value at or above the target, not the first crossing in time.
    """
    if target < values.min() or target > values.max():
        return None
    above = np.flatnonzero(values >= target)
    return int(above[np.argmin(values[above])])


def find_quantile(time: np.ndarray, fail: np.ndarray, p: float, tol: float = TOLERANCE) -> float:
    """Time at which the step function ``fail`` (starting at 0 at time 0) reaches ``p``.

    ``time`` and ``fail`` are the curve's distinct times and 1 - S (or 1 - a band, which may
    hold NaN where the band is undefined); NaN is returned when ``p`` is never reached.
    """
    x = np.concatenate(([0.0], time))
    y = np.concatenate(([0.0], fail))
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = x[-1]
    # Keep the first time of each distinct value of F (NaN counts as one value) ...
    _, first = np.unique(y, return_index=True)
    first.sort()
    x, y = x[first], y[first]
    y_last = y[-1]
    # ... and drop the undefined points, as R's approx() does.
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    lo = _first_at_or_above(y + tol, p)
    hi = _first_at_or_above(y - tol, p)
    if lo is not None and hi is not None:
        return float((x[lo] + x[hi]) / 2)
    if lo is not None and not np.isnan(y_last) and abs(p - y_last) < tol:
        return float((x[lo] + xmax) / 2)
    return float("nan")
