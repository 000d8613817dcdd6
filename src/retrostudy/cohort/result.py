"""What :func:`~retrostudy.cohort.build_cohort` returns: the cohort and its attrition, as values."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.errors import CohortError, Problem


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One flow-chart step: ``n_in`` patients entered, ``n_excluded`` left, ``n_remaining`` stayed.

    ``kind`` is ``"include"``/``"exclude"`` (protocol criteria), ``"unassigned"`` (matched no
    group) or ``"overlap"`` (matched several groups, when the protocol reports overlaps).
    ``label`` is the step as the protocol names it; ``excluded_label`` names the patients it
    removed (:func:`excluded_label`; the label itself when not given).
    """

    label: str
    kind: str
    n_in: int
    n_excluded: int
    n_remaining: int
    excluded_label: str | None = None

    @property
    def removed(self) -> str:
        """What the removed patients are called in the flow chart."""
        return self.excluded_label or self.label


def excluded_label(criterion) -> str:
    """The flow-chart label of the patients a criterion removes: its ``excluded_label``
    when set, else its label for an exclusion (they met it) and ``"Not: <label>"`` for an
    inclusion (they failed it)."""
    if getattr(criterion, "excluded_label", None):
        return criterion.excluded_label
    return criterion.label if criterion.action == "exclude" else f"Not: {criterion.label}"


def apply_in_order(frame: pd.DataFrame, criteria, hit) -> tuple[pd.DataFrame, list, list]:
    """Apply ``criteria`` to ``frame`` (one row per patient, column ``patient_id``) in order.

    ``hit(criterion, frame)`` is a boolean array aligned with ``frame``: who meets the
    criterion's condition. An exclusion drops those who meet it, an inclusion those who do
    not. Returns the patients remaining, one :class:`Step` per criterion, and
    ``(patient_id, label)`` for every patient dropped — the flow chart's rows.
    """
    steps: list[Step] = []
    excluded: list[tuple[str, str]] = []
    for criterion in criteria:
        met = np.asarray(hit(criterion, frame), dtype=bool)
        drop = met if criterion.action == "exclude" else ~met
        excluded += [(pid, criterion.label) for pid in frame.loc[drop, "patient_id"]]
        steps.append(
            Step(
                label=criterion.label,
                kind=criterion.action,
                n_in=len(frame),
                n_excluded=int(drop.sum()),
                n_remaining=int((~drop).sum()),
                excluded_label=excluded_label(criterion),
            )
        )
        frame = frame.loc[~drop]
    return frame, steps, excluded


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCount:
    name: str
    label: str
    n: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Attrition:
    """The flow chart as data. Invariant: identified = sum of excluded + analysed.

    Raises
    ------
    CohortError
        When the counts do not add up (a bug, never a user error; checked on construction).
    """

    identified_label: str
    identified: int
    steps: tuple[Step, ...]
    groups: tuple[GroupCount, ...]
    analysed: int
    unassigned: tuple[str, ...] = ()
    overlap: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        excluded = sum(s.n_excluded for s in self.steps)
        problems = []
        if self.identified != excluded + self.analysed:
            problems.append(
                f"identified ({self.identified}) != excluded ({excluded})"
                f" + analysed ({self.analysed})"
            )
        if self.groups and self.analysed != sum(g.n for g in self.groups):
            problems.append(f"analysed ({self.analysed}) != sum of group sizes")
        n = self.identified
        for step in self.steps:
            if step.n_in != n or step.n_remaining != n - step.n_excluded:
                problems.append(f"step {step.label!r} does not follow from the previous one")
            n = step.n_remaining
        if n != self.analysed:
            problems.append(f"last step leaves {n} patients, but {self.analysed} are analysed")
        if problems:
            raise CohortError(
                [Problem(message=f"attrition invariant violated: {p}") for p in problems]
            )

    def rows(self) -> list[dict]:
        """The flow chart as rows (identified, each step, analysed, each group), for tables
        and JSON. Every row has ``kind, label, group, n_in, n_excluded, excluded_label,
        n_remaining`` (``excluded_label``: what the removed patients are called, on steps only).
        Every step is a row, also one that removed nobody (STROBE item 13)."""
        rows = [_row("identified", self.identified_label, self.identified)]
        rows += [
            _row(s.kind, s.label, s.n_remaining, n_in=s.n_in, n_excluded=s.n_excluded,
                 excluded_label=s.removed)
            for s in self.steps
        ]
        rows.append(_row("analysed", "Analysed", self.analysed))
        rows += [_row("group", g.label or g.name, g.n, group=g.name) for g in self.groups]
        return rows

    def to_frame(self) -> pd.DataFrame:
        """:meth:`rows` as a DataFrame."""
        frame = pd.DataFrame(self.rows())
        return frame.astype({c: "Int64" for c in ("n_in", "n_excluded", "n_remaining")})

    def _repr_html_(self) -> str:
        """The flow chart as an HTML table (labels are the protocol's text: escaped)."""
        keys = ("kind", "label", "n_in", "n_excluded", "excluded_label", "n_remaining")
        head = "".join(f"<th>{k}</th>" for k in keys)
        body = "".join(
            "<tr>" + "".join(
                f"<td>{'' if r[k] is None else html.escape(str(r[k]))}</td>" for k in keys
            ) + "</tr>"
            for r in self.rows()
        )
        return (f"<div><strong>Attrition</strong><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table></div>")


def _row(kind, label, n_remaining, *, group=None, n_in=None, n_excluded=None,
         excluded_label=None) -> dict:
    return {
        "kind": kind,
        "label": label,
        "group": group,
        "n_in": n_in,
        "n_excluded": n_excluded,
        "excluded_label": excluded_label,
        "n_remaining": n_remaining,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Cohort:
    """The analysed cohort.

    Attributes
    ----------
    attrition : Attrition
        The flow chart.
    patients : pandas.DataFrame
        One row per analysed patient: ``patient_id``, ``group``, ``index_date`` and the
        covariates at index (docs/protocol.md lists every column).
    excluded : pandas.DataFrame
        ``patient_id``, ``step`` (the label of the step that removed the patient).
    lines : pandas.DataFrame
        Lines of therapy of the analysed patients
        (see :func:`~retrostudy.cohort.lines.derive_lines`).
    first_ever_before_window : pandas.DataFrame
        ``patient_id``, ``first_ever_date``, ``first_in_window_date``: patients with an
        index-drug dose in the window whose first-ever dose came before it.
    """

    attrition: Attrition
    patients: pd.DataFrame
    excluded: pd.DataFrame
    lines: pd.DataFrame
    first_ever_before_window: pd.DataFrame
