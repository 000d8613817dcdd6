"""The optional ``[target_trial]`` block: the trial a retrospective comparison emulates.

Hernán & Robins (Am J Epidemiol 2016;183:758-764) ask an observational study to state the
protocol of the randomised trial it emulates -- eligibility, treatment strategies,
assignment, time zero, outcome, causal contrast, analysis plan -- and to align eligibility,
assignment and the start of follow-up at one time zero, as randomisation does. Most of the
block is text for the report's target-trial table; two links are machine-checked against
the cohort definition by :func:`check_target_trial`:

* ``time_zero`` names the start of follow-up; it must be ``"index"`` (the index date of
  ``[index]``, day 0), the only time zero the cohort and endpoints use;
* ``eligibility_criteria`` lists the ``[[criteria]]`` (by label) that are the trial's
  eligibility (default: all of them); each must use records on or before time zero only
  (windows ending on day 0 or earlier). Group definitions (the treatment assignment) are
  checked the same way.

Each mismatch is a warning, not an error: a study may knowingly deviate (and
``allow_post_index`` already made the window legal); the report prints the warning beside
the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from retrostudy.protocol.base import Block
from retrostudy.protocol.timing import post_index_windows

TIME_ZERO = "index"


class TargetTrialBlock(Block):
    """The target trial's protocol (Hernán & Robins 2016, table 1), as text plus two links."""

    eligibility: str = Field(min_length=1)
    treatment_strategies: str = Field(min_length=1)
    assignment: str = Field(min_length=1)
    time_zero: str = TIME_ZERO
    outcome: str = Field(min_length=1)
    causal_contrast: str = Field(min_length=1)
    analysis_plan: str = Field(min_length=1)
    follow_up: str | None = None
    # Links checked against the cohort definition (labels of [[criteria]]; None: all).
    eligibility_criteria: list[str] | None = None
    # The [endpoints] name of the primary outcome (checked to exist), if given.
    outcome_endpoint: str | None = None

    def rows(self) -> tuple[tuple[str, str], ...]:
        """(component, text) in the order of Hernán & Robins' table, for the report."""
        out = [("Eligibility criteria", self.eligibility),
               ("Treatment strategies", self.treatment_strategies),
               ("Assignment procedures", self.assignment),
               ("Time zero", "Index date (day 0)" if self.time_zero == TIME_ZERO
                else self.time_zero)]
        if self.follow_up:
            out.append(("Follow-up period", self.follow_up))
        out += [("Outcome", self.outcome), ("Causal contrast", self.causal_contrast),
                ("Analysis plan", self.analysis_plan)]
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetTrialWarning:
    """One mismatch between the target trial and the cohort definition."""

    key: str  # protocol key path the warning is about
    message: str


def unknown_links(protocol) -> list[str]:
    """Problems with the block's links: criteria labels or an endpoint that do not exist."""
    tt = protocol.target_trial
    if tt is None:
        return []
    problems = []
    labels = [c.label for c in protocol.criteria]
    for i, name in enumerate(tt.eligibility_criteria or []):
        if name not in labels:
            problems.append(f"target_trial.eligibility_criteria.{i}: {name!r} is not the label "
                            f"of a [[criteria]] entry (labels: {labels})")
    if tt.outcome_endpoint is not None and tt.outcome_endpoint not in protocol.endpoints.items:
        problems.append(f"target_trial.outcome_endpoint: {tt.outcome_endpoint!r} is not an "
                        f"endpoint (endpoints: {sorted(protocol.endpoints.items)})")
    return problems


def check_target_trial(protocol) -> tuple[TargetTrialWarning, ...]:
    """Warnings where the cohort definition does not emulate the stated target trial.

    Time zero other than the index date; an eligibility criterion or a group (treatment
    assignment) that uses records after time zero (a window ending after day 0).
    """
    tt = protocol.target_trial
    if tt is None:
        return ()
    out = []
    if tt.time_zero.strip().lower() != TIME_ZERO:
        out.append(TargetTrialWarning(
            key="target_trial.time_zero",
            message=f"Time zero is stated as {tt.time_zero!r}, but follow-up of every endpoint "
            "starts at the index date: eligibility, treatment assignment and the start of "
            "follow-up must coincide at time zero (Hernán & Robins 2016); write "
            'time_zero = "index" or define the index event at the intended time zero.'))
    chosen = None if tt.eligibility_criteria is None else set(tt.eligibility_criteria)
    for w in post_index_windows(protocol):
        is_criterion = w.owner_key.startswith("criteria.")
        if is_criterion:
            label = protocol.criteria[int(w.owner_key.split(".")[1])].label
            if chosen is not None and label not in chosen:
                continue
            what = "Eligibility uses data after time zero"
        else:
            what = "Treatment assignment uses data after time zero"
        out.append(TargetTrialWarning(
            key=w.key,
            message=f"{what}: {w.owner} has window {w.text}, which ends after the index "
            "day. In the target trial this is only known after randomisation; patients "
            "must survive until then (immortal time). Use a window ending on or before day "
            "0, a landmark analysis or a time-varying exposure."))
    return tuple(out)


def target_trial_warnings(protocol) -> tuple[str, ...]:
    """:func:`check_target_trial` as the study's warning sentences (the report's "Warnings",
    results.json; codes RS-W006 and RS-W007 in retrostudy.warning_codes)."""
    return tuple(f"Target trial ({w.key}): {w.message}" for w in check_target_trial(protocol))
