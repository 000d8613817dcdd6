"""The STROBE flow (Fig. 1) as data: read from the cohort builder's attrition, never typed in.

The cohort layer returns attrition as a value; :func:`flow_from_attrition` reads it into
a :class:`Flow` (identified -> exclusions with reasons -> analysed -> per group), which the
figure, the HTML/Word text and results.json all use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowStep:
    """One box line of the flow: ``label`` names the removed patients (what they met, for
    an exclusion; ``"Not: ..."`` what they failed, for an inclusion; or the criterion's
    ``excluded_label``), ``criterion`` the step as the protocol labels it."""

    label: str
    n_excluded: int
    n_remaining: int
    criterion: str = ""  # the protocol's label of the step (default: ``label``)
    kind: str = "exclude"  # include | exclude | unassigned | overlap

    @property
    def step(self) -> str:
        return self.criterion or self.label


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    source: str
    n_identified: int
    steps: tuple[FlowStep, ...]
    n_analysed: int
    groups: tuple[tuple[str, int], ...]
    notes: tuple[str, ...] = ()  # e.g. "PFS evaluable: 42; response evaluable: 41"

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "n_identified": self.n_identified,
            "exclusions": [
                {
                    "label": s.label,
                    "criterion": s.step,
                    "kind": s.kind,
                    "n_excluded": s.n_excluded,
                    "n_remaining": s.n_remaining,
                }
                for s in self.steps
            ],
            "n_analysed": self.n_analysed,
            "groups": [{"name": g, "n": n} for g, n in self.groups],
            "notes": list(self.notes),
        }


def flow_from_attrition(
    attrition, *, source: str | None = None, notes: tuple[str, ...] = ()
) -> Flow:
    """Read the cohort builder's :class:`~retrostudy.cohort.result.Attrition` into a Flow.

    Every step is kept, also one that excluded nobody (n = 0): STROBE item 13 asks for the
    numbers at each stage. A step is shown by what its removed patients are called
    (:attr:`~retrostudy.cohort.result.Step.removed`), never by an inclusion criterion's
    own label.
    """
    steps = tuple(
        FlowStep(
            label=s.removed,
            criterion=s.label,
            kind=s.kind,
            n_excluded=s.n_excluded,
            n_remaining=s.n_remaining,
        )
        for s in attrition.steps
    )
    return Flow(
        source=source or attrition.identified_label,
        n_identified=attrition.identified,
        steps=steps,
        n_analysed=attrition.analysed,
        groups=tuple((g.name, g.n) for g in attrition.groups),
        notes=notes,
    )
