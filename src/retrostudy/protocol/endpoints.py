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

import functools
import operator
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from retrostudy.protocol.base import Block

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

Progression = Literal["radiological", "any"]


class MissedAssessments(Block):
    """Censor an event that follows ``> max_missed * interval_days + window_days`` days
    without an adequate assessment (FDA 2007 guidance, Appendix 3, Table A; [M])."""

    interval_days: int = Field(gt=0)
    """Planned interval between tumour assessments, in days."""
    max_missed: int = Field(default=2, ge=1)
    """Number of missed assessments after which an event is censored."""
    window_days: int = Field(default=0, ge=0)
    """Days of tolerance added to the limit."""

    @property
    def limit_days(self) -> int:
        return self.max_missed * self.interval_days + self.window_days


class _Endpoint(Block):
    label: str = ""
    """Text used in tables and the Methods; empty: the endpoint's name."""
    # (field, kind): the field names another endpoint, which must be of that kind
    references: ClassVar[tuple[str, str] | None] = None


class PfsEndpoint(_Endpoint):
    """Progression-free survival from the index date (docs/sources.md)."""

    kind: Literal["pfs"]
    """The endpoint definition: "pfs", progression-free survival from the index date."""
    events: tuple[Literal["progression", "death"], ...] = ("progression", "death")
    """What counts as an event: progression, and death when listed (the seed counts
    radiological progression only)."""
    progression: Progression = "radiological"
    """Which assessments can show progression: "radiological" ignores clinical assessments;
    "any" counts them too."""
    death_window_days: int | None = Field(default=None, ge=0)
    """With death as an event: a death counts only within this many days of the last adequate
    assessment; absent: any death."""
    censor_at_new_therapy: bool = False
    """Censor at the last adequate assessment before the next line of therapy."""
    missed_assessments: MissedAssessments | None = None
    """Censor an event that follows more than max_missed x interval_days + window_days days
    without an adequate assessment; absent: never."""

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
    """The endpoint definition: "dor", duration of response from the first complete or partial
    response."""
    response_from: str = "bor"
    """The BOR endpoint whose responders are followed."""
    references: ClassVar[tuple[str, str] | None] = ("response_from", "bor")


AliveSource = Literal["last_contact", "tumor_assessments", "drug_administrations",
                      "observations"]
ALIVE_SOURCES: tuple[AliveSource, ...] = ("last_contact", "tumor_assessments",
                                          "drug_administrations", "observations")


class OsEndpoint(_Endpoint):
    """Overall survival: death from any cause; censored at the last date known alive."""

    kind: Literal["os"]
    """The endpoint definition: "os", overall survival (death from any cause) from the index
    date."""
    last_alive_from: tuple[AliveSource, ...] = ALIVE_SOURCES
    """Records that give the last date known alive, where a patient without death is censored."""


class TtdEndpoint(_Endpoint):
    """Time to treatment discontinuation of ``drug`` (Blumenthal et al.; docs/sources.md)."""

    kind: Literal["ttd"]
    """The endpoint definition: "ttd", time to treatment discontinuation of one drug."""
    drug: str
    """The drug whose discontinuation is the event (usually the index drug)."""
    extension_days: int = Field(default=0, ge=0)
    """Discontinuation date = last administration + this many days (or death, if earlier)."""
    gap_days: int = Field(default=120, gt=0)
    """No administration for longer than this before the last contact means the drug was stopped."""


class TtntEndpoint(_Endpoint):
    """Time to next treatment: start of the first line that starts after the index date."""

    kind: Literal["ttnt"]
    """The endpoint definition: "ttnt", time to the next line of therapy."""
    events: tuple[Literal["next_treatment", "death"], ...] = ("next_treatment",)
    """What counts as an event: the next treatment, and death when listed."""


class BorEndpoint(_Endpoint):
    """RECIST 1.1 best overall response (docs/sources.md)."""

    kind: Literal["bor"]
    """The endpoint definition: "bor", RECIST 1.1 best overall response."""
    confirmation: bool = False
    """Require a complete or partial response to be confirmed by a later assessment (RECIST
    confirmed BOR); the seed does not."""
    confirm_days: int = Field(default=28, ge=1)
    """With confirmation: the confirming assessment is at least this many days later."""
    sd_min_days: int = Field(default=42, ge=0)
    """Stable disease counts only when assessed at least this many days after the index date."""
    max_ne_between: int = Field(default=1, ge=0)
    """With confirmation: how many not-evaluable assessments may lie between a response and its
    confirmation."""
    accept_sd: bool = False
    """With confirmation: an unconfirmed response counts as stable disease."""
    assessments: Progression = "radiological"
    """Which assessments count: "radiological" only, or "any" (clinical too)."""
    ignore_after_new_therapy: bool = True
    """Ignore assessments after the start of the next line of therapy."""


class RatesEndpoint(_Endpoint):
    """Per-patient tumour response and disease-control flags from a BOR endpoint. The
    per-group rates, their CIs, denominator and tests are ``[analyses.response]`` (Table 2)."""

    kind: Literal["rates"]
    """The endpoint definition: "rates", per-patient response and disease-control flags."""
    response_from: str = "bor"
    """The BOR endpoint the flags are read from."""
    references: ClassVar[tuple[str, str] | None] = ("response_from", "bor")
    sd_duration_days: int = Field(default=183, ge=0)
    """Stable disease counts towards disease control when it lasts at least this many days (the
    seed: 183, over 6 months)."""
    sd_duration_to: Literal["first_pd_or_last_response", "last_non_pd"] = (
        "first_pd_or_last_response"
    )
    """Where the stable disease's duration ends: "first_pd_or_last_response" or "last_non_pd"."""


EventSourceName = Literal["progression", "death", "next_treatment", "observation", "drug"]
CensorSourceName = Literal["index_date", "last_adequate_assessment", "last_known_alive",
                           "death", "next_treatment"]
CENSOR_REASONS: dict[str, str] = {
    "index_date": "censored_index",
    "last_adequate_assessment": "censored_last_assessment",
    "last_known_alive": "censored_last_contact",
    "death": "censored_death",
    "next_treatment": "censored_new_therapy",
}
"""Default reason code of each censoring source (docs/endpoints.md, "Reason codes")."""


def _source_table(value: Any) -> Any:
    """``"death"`` is short for ``{source = "death"}``."""
    return {"source": value} if isinstance(value, str) else value


class EventSource(Block):
    """One kind of event of a ``tte`` endpoint (admiral's ``event_source``, as data).

    ``progression``: the first PD (``progression`` picks the assessment method);
    ``death``: the death date; ``next_treatment``: the start of the first line of therapy
    after the index date; ``observation``: the first ``observations`` record after the
    index date whose ``name`` is ``observation`` (and ``value``, when given); ``drug``: the
    first administration after the index date of a drug in ``drug`` (the start of an
    exposure, for ``[[analyses.time_varying]]``).
    """

    source: EventSourceName
    observation: str | None = None
    drug: tuple[str, ...] | None = None
    value: str | None = None
    progression: Progression = "radiological"
    reason: str = ""

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        return _source_table(data)

    @model_validator(mode="after")
    def _check(self) -> EventSource:
        if (self.source == "observation") != (self.observation is not None):
            raise ValueError("observation = '<observations.name>' is needed with, and only "
                             "with, source = 'observation'")
        if (self.source == "drug") != bool(self.drug):
            raise ValueError("drug = ['<drug>', ...] is needed with, and only with, "
                             "source = 'drug'")
        if self.value is not None and self.source != "observation":
            raise ValueError("value applies only to source = 'observation'")
        if self.reason and not _NAME.match(self.reason):
            raise ValueError(f"reason {self.reason!r} must match [a-z][a-z0-9_]*")
        return self

    @property
    def code(self) -> str:
        """The reason code this event writes (``<name>_reason``)."""
        return self.reason or (self.observation if self.source == "observation"
                               else self.source) or self.source


class CensorSource(Block):
    """One candidate censoring date of a ``tte`` endpoint (admiral's ``censor_source``)."""

    source: CensorSourceName
    reason: str = ""

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        return _source_table(data)

    @property
    def code(self) -> str:
        return self.reason or CENSOR_REASONS[self.source]


class TteEndpoint(_Endpoint):
    """A time-to-event endpoint from declarative sources (docs/endpoints.md, "kind = tte").

    The event is the earliest event of any source in ``events`` (a tie goes to the source
    listed first); without one the patient is censored at the latest date of the sources in
    ``censor`` (a tie likewise), never before the index date.
    """

    kind: Literal["tte"]
    """The endpoint definition: "tte", a time-to-event endpoint built from event and censoring
    sources."""
    events: tuple[EventSource, ...] = Field(min_length=1)
    """Event sources: progression, death, next_treatment or an observation; the earliest counts
    (a tie goes to the one listed first)."""
    censor: tuple[CensorSource, ...] = (CensorSource(source="last_known_alive"),)
    """Censoring sources: index_date, last_adequate_assessment, last_known_alive, death,
    next_treatment; the latest date wins."""
    last_alive_from: tuple[AliveSource, ...] = ALIVE_SOURCES
    """Records that give the last date known alive, as for overall survival."""

    @model_validator(mode="after")
    def _check(self) -> TteEndpoint:
        codes = [e.code for e in self.events]
        if len(set(codes)) != len(codes):
            raise ValueError(f"events must not repeat (reason codes {codes})")
        if not self.censor:
            raise ValueError("censor needs at least one source (e.g. 'last_known_alive')")
        return self


def rates_column(name: str, measure: str) -> str:
    """Column of a rates endpoint's per-patient flag: bare for the name ``rates``, else
    ``<name>_<measure>`` (docs/endpoints.md)."""
    return measure if name == "rates" else f"{name}_{measure}"


# Keys that summarise groups rather than derive a patient's endpoint: each has one home in
# [analyses] (one implementation, one block), and the old spelling says where it went.
_MOVED = {
    ("followup", None): "[analyses.followup] (observation = <endpoint>, reverse_km_of = "
                        "<endpoint>)",
    ("discontinuation", None): "[analyses.discontinuation] (column = "
                               "'<ttd endpoint>_discontinuation_reason', denominator)",
    ("rates", "denominator"): "[analyses.response] denominator",
    ("rates", "ci_method"): "[analyses.response] ci_method",
    ("rates", "conf_level"): "[analyses] conf_level",
}


def _moved_problems(raw: dict) -> list[str]:
    out = []
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            continue
        kind = spec.get("kind")
        if (kind, None) in _MOVED:
            out.append(f"{name}: kind = {kind!r} is a per-group summary, configured in "
                       f"{_MOVED[(kind, None)]}")
        out += [f"{name}.{key} moved to {_MOVED[(kind, key)]}" for key in spec
                if (kind, key) in _MOVED]
    return out


SPEC_MODELS: tuple[type[_Endpoint], ...] = (
    PfsEndpoint, DorEndpoint, OsEndpoint, TtdEndpoint, TtntEndpoint, BorEndpoint, RatesEndpoint,
    TteEndpoint,
)
"""The spec model of every endpoint kind, the protocol half of the kind registry
(``retrostudy.endpoints.kinds.KINDS`` holds one entry per model: deriver, describer, needs)."""

EndpointSpec = Annotated[functools.reduce(operator.or_, SPEC_MODELS), Field(discriminator="kind")]


class EndpointsBlock(Block):
    """All endpoints of a study, by name (every other key of ``[endpoints]``), plus display
    settings. Named endpoints are validated as pydantic extras typed :data:`EndpointSpec`,
    so an error names its key as ``endpoints.<name>.<field>``."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)
    __pydantic_extra__: dict[str, EndpointSpec] = Field(init=False)

    days_per_month: float = Field(default=30.4375, gt=0)
    """Days per month, to show durations in months (durations are whole days)."""

    @property
    def items(self) -> dict[str, Any]:
        """Endpoint name -> definition, in protocol order."""
        return dict(self.__pydantic_extra__ or {})

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data):
        problems = _moved_problems(data) if isinstance(data, dict) else []
        if problems:
            raise ValueError("; ".join(problems))
        return data

    @model_validator(mode="after")
    def _check(self) -> EndpointsBlock:
        items = self.items
        problems = [f"endpoint name {n!r} must match [a-z][a-z0-9_]*" for n in items
                    if not _NAME.match(n)]
        for name, spec in items.items():
            ref = type(spec).references
            if ref is None:
                continue
            target = getattr(spec, ref[0])
            if items.get(target) is None or items[target].kind != ref[1]:
                problems.append(f"{name}.{ref[0]} = {target!r} is not a {ref[1]!r} endpoint")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def of_kind(self, kind: str) -> dict[str, Any]:
        """The endpoints of one ``kind``, by name, in protocol order."""
        return {n: s for n, s in self.items.items() if s.kind == kind}
