r"""Time-varying exposure through counting-process intervals (R's ``tmerge`` + ``tdc``).

An exposure that starts after time zero (a drug begun during follow-up) must not be
treated as present from time zero: the time before it starts is *immortal* for the
"exposed" group (Suissa 2008). Each patient's follow-up :math:`(0, t_i]` is split at the
exposure start :math:`u_i` into

* :math:`(0, u_i]` unexposed, event 0, and :math:`(u_i, t_i]` exposed, with the patient's
  event, when :math:`0 < u_i < t_i`;
* one row :math:`(0, t_i]` exposed when :math:`u_i \le 0` (exposed at time zero);
* one row :math:`(0, t_i]` unexposed when :math:`u_i \ge t_i` or :math:`u_i` is missing
  (NaN: never exposed during follow-up).

This is exactly what ``tmerge(base, base, id = id, event = event(time, event))`` followed by
``tmerge(., exposures, id = id, exposed = tdc(day))`` produces. A Cox model on the rows,
``cox_ph(rows, time="stop", event="event", entry="start", covariates=["exposed"])``, is
R's ``coxph(Surv(tstart, tstop, event) ~ exposed)``; with ``cluster="id"`` the robust
variance treats the rows of one patient as one cluster (``cluster(id)``).

One exposure start per patient (an exposure that, once started, stays on: "ever exposed
so far"); exposures that stop again need one row per episode and are not handled here.

References
----------
Therneau T, Crowson C, Atkinson E. Using time dependent covariates and time dependent
coefficients in the Cox model. Vignette of R's survival package. Suissa S. Immortal time
bias in pharmaco-epidemiology. Am J Epidemiol 2008;167:492-499.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats._checks import as_1d_float, check_event, check_time
from retrostudy.stats._types import ArrayLike

__all__ = ["ExposureIntervals", "split_at_exposure"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureIntervals:
    """Counting-process rows ``(start, stop]`` with the exposure status on each.

    ``index`` is the position of each row's patient in the input (to repeat baseline
    covariates: ``age[rows.index]``) and ``id`` the patient's id (the input ``id``, or the
    position). ``n_split`` patients were split in two, ``n_exposed_at_zero`` were exposed
    from time zero, ``n_never`` never exposed during follow-up.
    """

    id: np.ndarray
    index: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    exposed: np.ndarray
    n_split: int
    n_exposed_at_zero: int
    n_never: int

    def as_data(self) -> dict:
        """The rows as a column mapping for :func:`retrostudy.stats.cox_ph` (``start``,
        ``stop``, ``event``, ``exposed``, ``id``)."""
        return {"id": self.id, "start": self.start, "stop": self.stop, "event": self.event,
                "exposed": self.exposed}


def split_at_exposure(time: ArrayLike, event: ArrayLike, exposure_day: ArrayLike, *,
                      id: ArrayLike | None = None) -> ExposureIntervals:
    """Split each patient's follow-up at the start of an exposure (R ``tmerge`` ``tdc``).

    Parameters
    ----------
    time, event : array_like
        Follow-up from time zero (> 0) and the event indicator (0/1), one per patient.
    exposure_day : array_like of float
        Day the exposure starts, relative to time zero; NaN for never exposed. A day <= 0
        means exposed from time zero; a day >= time means not exposed during follow-up.
    id : array_like, optional
        Patient identifiers carried to the rows (default: the positions).

    Examples
    --------
    >>> r = split_at_exposure([10, 8, 5], [1, 0, 1], [3, float("nan"), 0])
    >>> r.start.tolist(), r.stop.tolist(), r.event.tolist(), r.exposed.tolist()
    ([0.0, 3.0, 0.0, 0.0], [3.0, 10.0, 8.0, 5.0], [0, 1, 0, 1], [0, 1, 0, 1])
    """
    t = check_time(time)
    n = t.shape[0]
    e = check_event(event, n)
    if (t <= 0).any():
        i = int(np.flatnonzero(t <= 0)[0])
        raise ValueError(f"time must be > 0 to split follow-up; position {i} is {t[i]} "
                         "(a patient without follow-up has no interval)")
    u = as_1d_float("exposure_day", exposure_day, n=n)
    if np.isinf(u).any():
        i = int(np.flatnonzero(np.isinf(u))[0])
        raise ValueError(f"exposure_day must be finite or NaN (never exposed); position {i} "
                         f"is {u[i]}")
    ids = np.arange(n) if id is None else np.asarray(id)
    if ids.shape != (n,):
        raise ValueError(f"id has shape {ids.shape}; expected ({n},)")
    known = ~np.isnan(u)
    split = known & (u > 0) & (u < t)
    at_zero = known & (u <= 0)
    first = np.arange(n)
    # rows in patient order: each patient's unexposed part, then its exposed part
    index = np.sort(np.concatenate((first, np.flatnonzero(split))), kind="stable")
    second = np.zeros(index.shape[0], bool)
    second[1:] = index[1:] == index[:-1]
    has_second = split[index] & ~second  # first row of a split patient
    start = np.where(second, u[index], 0.0)
    stop = np.where(has_second, u[index], t[index])
    ev = np.where(has_second, 0, e[index]).astype(np.int8)
    exposed = (second | at_zero[index]).astype(np.int8)
    return ExposureIntervals(id=ids[index], index=index, start=start, stop=stop, event=ev,
                             exposed=exposed, n_split=int(split.sum()),
                             n_exposed_at_zero=int(at_zero.sum()),
                             n_never=int(n - split.sum() - at_zero.sum()))
