"""``[[analyses.time_varying]]``: an exposure that starts after the index date, analysed as a
time-varying covariate (settings only; analysis/time_varying.py runs it).

``exposure`` names a time-to-event endpoint whose event is the start of the exposure, e.g.
``[endpoints.docetaxel_start] kind = "tte"``, ``events = [{ source = "drug", drug =
["docetaxel"] }]``: its ``<exposure>_days`` is the start day when ``<exposure>_event`` is 1.
``window_days`` limits which starts count: only a start within that many days after the
index date; a later start leaves the patient unexposed (both models).
docs/protocol.md documents each key and docs/statistics.md the method.
"""

from __future__ import annotations

from pydantic import Field

from retrostudy.protocol.base import Block


class TimeVaryingAnalysis(Block):
    """Cox model of ``endpoint`` with the exposure as a time-dependent covariate, beside the
    immortal-time-biased model with the exposure as a baseline ever/never covariate."""

    endpoint: str  # the outcome: <endpoint>_days, <endpoint>_event
    exposure: str  # endpoint whose event is the exposure start: <exposure>_days/_event
    label: str | None = None  # how the exposure is printed (default: the exposure's name)
    # Baseline covariates of both models ("group" for the group), besides the exposure.
    adjust: list[str] = Field(default_factory=list)
    # Reference level per categorical covariate of adjust (the group's: [groups].reference).
    reference: dict[str, str | int | float | bool] = Field(default_factory=dict)
    window_days: int | None = Field(default=None, gt=0)
    """The exposure counts only when it starts within this many days after the index date
    (start day <= window_days); a patient whose drug starts later is analysed as unexposed
    for the whole follow-up in both models (and counted). Absent: any start during
    follow-up. The exposure must be a drug start (a tte endpoint with a drug event source)."""

    @property
    def text(self) -> str:
        return self.label or self.exposure
