r"""Landmark analysis: the patients event-free and under follow-up at a landmark time.

A landmark analysis (Anderson, Cain & Gelber 1983; Dafni 2011) fixes a time :math:`L`
after time zero, keeps the patients still at risk there, and measures their follow-up
from :math:`L`. It removes the immortal-time bias of classifying patients by something
that happens after time zero (e.g. response, or the start of a drug), provided the
classification uses only what is known by :math:`L`.

Convention: a patient is at risk at the landmark when :math:`t_i > L` (neither the event
nor censoring on or before day :math:`L`); the new time is :math:`t_i - L > 0` and the
event indicator is unchanged. Those with an event on or before :math:`L` and those
censored on or before :math:`L` are counted in the result, so that identified = excluded +
analysed holds.

The Kaplan–Meier curve of the landmark set equals the full-data curve conditional on
surviving to :math:`L`, :math:`\hat S(L + s) / \hat S(L)`.

R equivalent: ``lm <- subset(d, time > L); lm$time <- lm$time - L`` then
``survfit(Surv(time, event) ~ group, data = lm)`` / ``coxph``.

References
----------
Anderson JR, Cain KC, Gelber RD. J Clin Oncol 1983;1:710-719. Dafni U. Circ Cardiovasc
Qual Outcomes 2011;4:363-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats._checks import check_event, check_time
from retrostudy.stats._types import ArrayLike

__all__ = ["Landmark", "landmark"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Landmark:
    """The landmark set: ``index`` (positions in the input of the patients kept), their
    ``time`` measured from the landmark and their ``event``; ``n_event_before`` and
    ``n_censored_before`` count the patients left out (event / censoring on or before the
    landmark); ``n`` the patients given."""

    landmark: float
    index: np.ndarray
    time: np.ndarray
    event: np.ndarray
    n: int
    n_event_before: int
    n_censored_before: int

    @property
    def n_at_risk(self) -> int:
        """Patients at risk at the landmark (the analysed set)."""
        return int(self.index.shape[0])


def landmark(time: ArrayLike, event: ArrayLike, landmark_days: float) -> Landmark:
    """Patients at risk at ``landmark_days`` (``time > landmark_days``), times from it.

    Parameters
    ----------
    time, event : array_like
        Follow-up from time zero (>= 0) and the event indicator (0/1).
    landmark_days : float
        The landmark, >= 0 and before the last follow-up time.

    Examples
    --------
    >>> lm = landmark([3, 10, 7, 12, 5], [1, 0, 1, 1, 0], 5)
    >>> lm.index.tolist(), lm.time.tolist(), lm.event.tolist()
    ([1, 2, 3], [5.0, 2.0, 7.0], [0, 1, 1])
    >>> lm.n_event_before, lm.n_censored_before
    (1, 1)
    """
    t = check_time(time)
    e = check_event(event, t.shape[0])
    try:
        lm = float(landmark_days)
    except (TypeError, ValueError):
        raise ValueError(f"landmark_days must be a number, got {landmark_days!r}") from None
    if not (np.isfinite(lm) and lm >= 0):
        raise ValueError(f"landmark_days must be finite and >= 0, got {landmark_days!r}")
    keep = t > lm
    if not keep.any():
        raise ValueError(f"no patient is at risk at landmark_days={lm:g} (the longest "
                         f"follow-up is {t.max():g}); choose an earlier landmark")
    gone = ~keep
    idx = np.flatnonzero(keep)
    return Landmark(landmark=lm, index=idx, time=t[idx] - lm, event=e[idx], n=int(t.shape[0]),
                    n_event_before=int((gone & (e == 1)).sum()),
                    n_censored_before=int((gone & (e == 0)).sum()))
