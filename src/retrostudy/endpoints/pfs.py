"""Progression-free survival (and duration of response, which shares its rules).

Rules (docs/sources.md; FDA 2007 guidance Appendix 3 Table A as summarised there, [M] rows;
admiralonco ADTTE vignette for new-therapy and no-assessment censoring, [V]):

1. Assessments used: post-baseline (after the origin), not after death; with
   ``progression = "radiological"`` assessments whose method is 'clinical' are ignored
   entirely; with ``censor_at_new_therapy`` those dated after the start of the next line
   are ignored (a scan on the day the next line starts still counts).
2. Adequate assessment = any response other than NE.
3. Event "progression" on the first PD, unless it follows more than
   ``max_missed * interval_days + window_days`` days without an adequate assessment
   (``missed_assessments``): then censored at the last adequate assessment before it.
4. With ``"death"`` in ``events`` and no PD: death is an event, unless it follows a gap as in
   3 (censored, ``censored_missed_visits``), lies more than ``death_window_days`` after the
   last adequate assessment (or origin) (censored there, ``censored_death_outside_window``),
   or follows the start of a new therapy when ``censor_at_new_therapy`` (censored).
5. Otherwise censored: at the origin if there is no adequate post-baseline assessment
   (``censored_no_post_baseline_assessment``); at the last adequate assessment on or before
   the next-line start (``censored_new_therapy``); else at the last adequate assessment
   (``censored_last_assessment``). Without ``"death"`` in ``events`` (the seed's
   definition, i.e. TTP) a death is simply not an event.
"""

from __future__ import annotations

import numpy as np

from retrostudy.endpoints import tte
from retrostudy.endpoints.records import NE, PD, Records
from retrostudy.endpoints.tte import NONE, TimeToEvent, group_first, group_last
from retrostudy.protocol.endpoints import PfsEndpoint


def _used(spec: PfsEndpoint, rec: Records, origin: np.ndarray) -> tuple[np.ndarray, ...]:
    a = rec.assessments
    pid = a["pid"].to_numpy()
    day = a["day"].to_numpy()
    code = a["code"].to_numpy()
    keep = day > origin[pid]
    if spec.progression == "radiological":
        keep &= ~a["clinical"].to_numpy()
    if spec.censor_at_new_therapy:
        keep &= day <= rec.next_therapy_day[pid]
    keep &= code != NE  # only adequate assessments matter below
    return pid[keep], day[keep], code[keep]


def derive_pfs(
    spec: PfsEndpoint, rec: Records, origin: np.ndarray | None = None
) -> TimeToEvent:
    """PFS (origin = index, day 0) or DoR (origin = response day, NONE = not a responder)."""
    n = rec.n
    origin = np.zeros(n, dtype=np.int64) if origin is None else origin
    applies = origin != NONE
    pid, day, code = _used(spec, rec, origin)
    pd_day = group_first(pid[code == PD], day[code == PD], n)
    before_pd = day < pd_day[pid]
    last_before_pd = np.maximum(origin, group_last(pid[before_pd], day[before_pd], n, fill=0))
    has_adequate = np.zeros(n, dtype=bool)
    has_adequate[pid] = True
    last_adequate = np.where(has_adequate, group_last(pid, day, n, fill=0), origin)
    limit = spec.missed_assessments.limit_days if spec.missed_assessments else NONE
    has_pd = pd_day != NONE
    death = rec.death_day
    nt = rec.next_therapy_day if spec.censor_at_new_therapy else np.full(n, NONE)
    death_counts = ("death" in spec.events) & (death != NONE) & ~has_pd & (death >= origin)
    window = NONE if spec.death_window_days is None else spec.death_window_days
    new_therapy = (nt != NONE) & (nt >= origin)
    d, e, r = tte.decide(
        n,
        [
            (has_pd & (pd_day - last_before_pd > limit), last_before_pd, 0,
             tte.CENSORED_MISSED_VISITS),
            (has_pd, pd_day, 1, tte.PROGRESSION),
            (death_counts & new_therapy & (death > nt), last_adequate, 0,
             tte.CENSORED_NEW_THERAPY),
            (death_counts & (death - last_adequate > limit), last_adequate, 0,
             tte.CENSORED_MISSED_VISITS),
            (death_counts & (death - last_adequate > window), last_adequate, 0,
             tte.CENSORED_DEATH_OUTSIDE_WINDOW),
            (death_counts, death, 1, tte.DEATH),
            (~has_adequate, origin, 0, tte.CENSORED_NO_POST_BASELINE),
            (new_therapy, last_adequate, 0, tte.CENSORED_NEW_THERAPY),
            (np.ones(n, dtype=bool), last_adequate, 0, tte.CENSORED_LAST_ASSESSMENT),
        ],
    )
    return TimeToEvent(origin_day=np.where(applies, origin, 0), day=d, event=e, reason=r,
                       applies=applies)


def describe_pfs(name: str, spec: PfsEndpoint, what: str = "the index date") -> str:
    """The rule in words, for the report's methods section."""
    events = " or ".join(
        {"progression": f"{spec.progression} progression (PD)", "death": "death from any cause"}[e]
        for e in spec.events
    )
    parts = [f"{spec.label or name}: time from {what} to {events}."]
    if spec.progression == "radiological":
        parts.append("Clinical (non-radiological) assessments are ignored.")
    if "death" not in spec.events:
        parts.append("Deaths without documented progression are censored (time to progression).")
    elif spec.death_window_days is not None:
        parts.append(f"A death counts only within {spec.death_window_days} days of the last "
                     "adequate assessment.")
    parts.append("Patients without an event are censored at the last adequate (non-NE) "
                 "assessment, or at the start if none.")
    if spec.censor_at_new_therapy:
        parts.append("Patients starting a new line of therapy before an event are censored at "
                     "the last adequate assessment on or before its start.")
    if spec.missed_assessments:
        m = spec.missed_assessments
        parts.append(f"An event after more than {m.limit_days} days without an adequate "
                     f"assessment ({m.max_missed} missed {m.interval_days}-day visits"
                     f"{f' + {m.window_days} days window' if m.window_days else ''}) is censored "
                     "at the last adequate assessment before it.")
    return " ".join(parts)
