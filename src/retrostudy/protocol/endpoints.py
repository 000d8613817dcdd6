"""The ``[endpoints]`` protocol block: named endpoint definitions, each a small strict block.

Layout in the protocol file (docs/protocol.md, section "Endpoints")::

    [endpoints]
    days_per_month = 30.4375          # display only; durations are integer days

    [endpoints.pfs]
    kind = "pfs"
    label = "PFS (radiological PD only, as in the seed)"
    events = ["progression"]

    [endpoints.bor]
    kind = "bor"
    confirmation = false

Every table under ``[endpoints]`` is one endpoint; its key (``pfs``, ``bor``, ...) becomes the
prefix of its columns in the analysis dataset, so it must be a lower-case identifier. The
``kind`` field selects the definition (a discriminated union); unknown keys are errors.
Rules and their sources are in docs/endpoints.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from retrostudy.protocol.base import Block

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

Progression = Literal["radiological", "any"]


class MissedAssessments(Block):
    """Censor an event that follows ``> max_missed * interval_days + window_days`` days
    without an adequate assessment (FDA 2007 guidance, Appendix 3, Table A; [M])."""

    interval_days: int = Field(gt=0)
    max_missed: int = Field(default=2, ge=1)
    window_days: int = Field(default=0, ge=0)

    @property
    def limit_days(self) -> int:
        return self.max_missed * self.interval_days + self.window_days


class _Endpoint(Block):
    label: str = ""


class PfsEndpoint(_Endpoint):
    """Progression-free survival from the index date (docs/sources.md)."""

    kind: Literal["pfs"]
    events: tuple[Literal["progression", "death"], ...] = ("progression", "death")
    progression: Progression = "radiological"
    death_window_days: int | None = Field(default=None, ge=0)
    censor_at_new_therapy: bool = False
    missed_assessments: MissedAssessments | None = None

    @model_validator(mode="after")
    def _check(self) -> PfsEndpoint:
        if "progression" not in self.events:
            raise ValueError("events must include 'progression'")
        if len(set(self.events)) != len(self.events):
            raise ValueError("events must not repeat")
        if self.death_window_days is not None and "death" not in self.events:
            raise ValueError("death_window_days needs 'death' in events")
        return self


class DorEndpoint(PfsEndpoint):
    """Duration of response: from the first CR/PR of ``response_from`` (a BOR endpoint)."""

    kind: Literal["dor"]  # type: ignore[assignment]
    response_from: str = "bor"


class OsEndpoint(_Endpoint):
    """Overall survival: death from any cause; censored at the last date known alive."""

    kind: Literal["os"]
    last_alive_from: tuple[
        Literal["last_contact", "tumor_assessments", "drug_administrations", "observations"], ...
    ] = ("last_contact", "tumor_assessments", "drug_administrations", "observations")


class TtdEndpoint(_Endpoint):
    """Time to treatment discontinuation of ``drug`` (Blumenthal et al.; docs/sources.md)."""

    kind: Literal["ttd"]
    drug: str
    extension_days: int = Field(default=0, ge=0)
    gap_days: int = Field(default=120, gt=0)


class TtntEndpoint(_Endpoint):
    """Time to next treatment: start of the first line that starts after the index date."""

    kind: Literal["ttnt"]
    events: tuple[Literal["next_treatment", "death"], ...] = ("next_treatment",)


class BorEndpoint(_Endpoint):
    """RECIST 1.1 best overall response (docs/sources.md)."""

    kind: Literal["bor"]
    confirmation: bool = False
    confirm_days: int = Field(default=28, ge=1)
    sd_min_days: int = Field(default=42, ge=0)
    max_ne_between: int = Field(default=1, ge=0)
    accept_sd: bool = False
    assessments: Progression = "radiological"
    ignore_after_new_therapy: bool = True


class RatesEndpoint(_Endpoint):
    """Tumour response rate and disease-control rates from a BOR endpoint, with exact CIs."""

    kind: Literal["rates"]
    response_from: str = "bor"
    sd_duration_days: int = Field(default=183, ge=0)
    sd_duration_to: Literal["first_pd_or_last_response", "last_non_pd"] = (
        "first_pd_or_last_response"
    )
    denominator: Literal["analysed", "evaluable"] = "analysed"
    ci_method: Literal["clopper-pearson", "wilson", "wilson-cc"] = "clopper-pearson"
    conf_level: float = Field(default=0.95, gt=0, lt=1)


class FollowupEndpoint(_Endpoint):
    """Follow-up summaries: median (range) of observation time and reverse Kaplan–Meier."""

    kind: Literal["followup"]
    observation: str = "pfs"  # an endpoint name, or "last_contact"
    reverse_km_of: str = "os"


class DiscontinuationEndpoint(_Endpoint):
    """Counts and % of discontinuation reasons of a TTD endpoint, per group."""

    kind: Literal["discontinuation"]
    ttd_from: str = "ttd"
    denominator: Literal["discontinued", "all"] = "discontinued"


EndpointSpec = Annotated[
    PfsEndpoint
    | DorEndpoint
    | OsEndpoint
    | TtdEndpoint
    | TtntEndpoint
    | BorEndpoint
    | RatesEndpoint
    | FollowupEndpoint
    | DiscontinuationEndpoint,
    Field(discriminator="kind"),
]

_REFERENCES = {
    "dor": ("response_from", "bor"),
    "rates": ("response_from", "bor"),
    "discontinuation": ("ttd_from", "ttd"),
    "followup": ("reverse_km_of", "os"),
}


_TIME_TO_EVENT = ("pfs", "dor", "os", "ttd", "ttnt")


def _followup_problems(items: dict[str, Any]) -> list[str]:
    problems = []
    for name, spec in items.items():
        if spec.kind != "followup" or spec.observation == "last_contact":
            continue
        target = items.get(spec.observation)
        if target is None or target.kind not in _TIME_TO_EVENT:
            problems.append(f"{name}.observation = {spec.observation!r} is neither "
                            "'last_contact' nor a time-to-event endpoint")
    return problems


class EndpointsBlock(Block):
    """All endpoints of a study, by name (every other key of ``[endpoints]``), plus display
    settings. Named endpoints are validated as pydantic extras typed :data:`EndpointSpec`,
    so an error names its key as ``endpoints.<name>.<field>``."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)
    __pydantic_extra__: dict[str, EndpointSpec] = Field(init=False)

    days_per_month: float = Field(default=30.4375, gt=0)

    @property
    def items(self) -> dict[str, Any]:
        """Endpoint name -> definition, in protocol order."""
        return dict(self.__pydantic_extra__ or {})

    @model_validator(mode="after")
    def _check(self) -> EndpointsBlock:
        items = self.items
        problems = [f"endpoint name {n!r} must match [a-z][a-z0-9_]*" for n in items
                    if not _NAME.match(n)]
        for name, spec in items.items():
            ref = _REFERENCES.get(spec.kind)
            if ref is None:
                continue
            target = getattr(spec, ref[0])
            if spec.kind == "followup" and target not in items:
                continue  # reverse KM is skipped (and said so) when no OS endpoint exists
            if items.get(target) is None or items[target].kind != ref[1]:
                problems.append(f"{name}.{ref[0]} = {target!r} is not a {ref[1]!r} endpoint")
        problems += _followup_problems(items)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def of_kind(self, kind: str) -> dict[str, Any]:
        """The endpoints of one ``kind``, by name, in protocol order."""
        return {n: s for n, s in self.items.items() if s.kind == kind}
