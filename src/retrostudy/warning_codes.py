"""Stable codes for the study's warnings (``RS-W012``), in one registry.

The analyses say what is weak in plain sentences (``Analyses.warnings``: the report's
"Warnings" section and results.json). Each sentence belongs to one *kind* of warning, and
each kind has a code that never changes meaning: users search for it (docs/warnings.md
lists them all), and silence it on the console deliberately (``retrostudy run --silence
RS-W012``; the report keeps every warning). A code is recognised from the sentence's fixed
wording (the ``pattern`` beside it), so the words and the code stay one object here; a
sentence no pattern knows gets ``RS-W000`` and a test fails (tests/test_warning_codes.py).

Codes are never renumbered or reused: a retired kind keeps its number, a new kind takes
the next free one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrostudy.errors import Problem, RetroStudyError

UNKNOWN = "RS-W000"


@dataclass(frozen=True, slots=True)
class WarningKind:
    code: str
    pattern: str  # a regular expression searched in the warning's sentence
    title: str  # what the warning means, for docs/warnings.md
    example: str  # a sentence of this kind, as the analyses write it (docs and tests)


REGISTRY: tuple[WarningKind, ...] = (
    # Kaplan-Meier / log-rank / Cox of each endpoint (analysis.endpoint, analysis.cox)
    WarningKind("RS-W001", r"Cox model has \d+ events for \d+ term\(s\)",
                "a Cox model has fewer events per term than [analyses] epv_min",
                "pfs: the adjusted Cox model has 38 events for 4 term(s) (9.5 events per term, "
                "below 10); its estimates may be unstable."),
    WarningKind("RS-W002", r"Cox model has a monotone likelihood",
                "a Cox model's likelihood is monotone: an endpoint's model then shows Firth's "
                "estimate, other models NE",
                "os: the adjusted Cox model has a monotone likelihood (a level with no events, or"
                " separation), so its ordinary hazard ratios are not estimable; Firth's "
                "penalised estimates are shown instead (...)."),
    WarningKind("RS-W003", r"^(?!adjusted comparison)[^:]+: the .+ Cox model is not estimable",
                "a Cox model cannot be fitted (e.g. a constant covariate): NE",
                "pfs: the univariable:ecog_9 Cox model is not estimable (covariate 'ecog_9' is "
                "constant; it cannot be estimated); its hazard ratios are shown as NE."),
    WarningKind("RS-W005", r"^Immortal-time bias: ",
                "a criterion or group uses records after the index date (allow_post_index)",
                "Immortal-time bias: Group 'Long' assigns patients to groups on records after the"
                " index date (window [1, inf] at groups.group.0.when.drug.window; ...)."),
    # [target_trial] checked against the cohort definition (protocol.target_trial)
    WarningKind("RS-W006", r"^Target trial \([^)]*\): Time zero is stated as",
                "the target trial's time zero is not the index date",
                "Target trial (target_trial.time_zero): Time zero is stated as 'first "
                "diagnosis', but follow-up of every endpoint starts at the index date: ..."),
    WarningKind("RS-W007", r"^Target trial \([^)]*\): (Eligibility|Treatment assignment) "
                r"uses data after time zero",
                "the target trial's eligibility or treatment assignment uses data after time "
                "zero",
                "Target trial (criteria.1.drug.window): Eligibility uses data after time zero: "
                "criterion 'Prior lapatinib' has window [-inf, 30], which ends after the index "
                "day. ..."),
    # response (analysis.response)
    WarningKind("RS-W010", r"^response: no patient has an assessed best overall response",
                "no patient has an assessed best overall response (rates count them as "
                "non-responders)",
                "response: no patient has an assessed best overall response (12 of 12 not "
                "assessed); the rates count them as non-responders (intention-to-treat)."),
    WarningKind("RS-W011", r"^response: .+: no test, .+ \(NE\)\.$",
                "a response rate comparison has no test (NE)",
                "response: Tumour response rate: no test, no responder in any group (NE)."),
    # propensity-score comparison (analysis.checks)
    WarningKind("RS-W020", r"^adjusted comparison: the propensity model shows separation",
                "the propensity model shows separation",
                "adjusted comparison: the propensity model shows separation (a covariate, or a "
                "combination, predicts the group almost perfectly): Firth's penalised likelihood "
                "was used. ..."),
    WarningKind("RS-W021", r"^adjusted comparison: the propensity model did not converge",
                "the propensity model did not converge",
                "adjusted comparison: the propensity model did not converge."),
    WarningKind("RS-W022", r"^adjusted comparison: the propensity model has \d+ term\(s\) for",
                "too few patients per propensity-model term (overfitting)",
                "adjusted comparison: the propensity model has 6 term(s) for 18 patients in the "
                "smaller group (3.0 per term, below 10); the score may be overfitted."),
    WarningKind("RS-W023", r"^adjusted comparison: propensity model: ",
                "a note of the propensity model's fit (as R glm's warnings)",
                "adjusted comparison: propensity model: maximum likelihood did not converge in 25"
                " iterations"),
    WarningKind("RS-W024", r"^adjusted comparison: .+ have a propensity score outside",
                "patients outside the common support of the propensity score",
                "adjusted comparison: 6 of 18 A and 20 of 24 B patients have a propensity score "
                "outside the range shared by both groups (0.307–0.912): ..."),
    WarningKind("RS-W025", r"^adjusted comparison: after .+ remain imbalanced",
                "covariates remain imbalanced after IPTW or matching (|SMD| >= threshold)",
                "adjusted comparison: after IPTW 5 of 6 covariate column(s) remain imbalanced "
                "(|SMD| >= 0.1): ..."),
    WarningKind("RS-W026", r"^adjusted comparison: the IPTW effective sample size",
                "a small IPTW effective sample size (a few patients carry large weights)",
                "adjusted comparison: the IPTW effective sample size of B is 8.4 of 24 patients "
                "(below 50%): a few patients carry large weights."),
    WarningKind("RS-W027", r"^adjusted comparison: .+ found no match within the caliper",
                "patients without a match within the caliper",
                "adjusted comparison: 11 of 18 A patients found no match within the caliper; the "
                "matched comparison describes the 7 matched patients only."),
    WarningKind("RS-W028", r"^adjusted comparison: matching: ",
                "a note of the matching (e.g. fewer controls than treated)",
                "adjusted comparison: matching: fewer control than treated units; not all treated"
                " units can be matched"),
    WarningKind("RS-W029", r"^adjusted comparison: .+ left no patient in one group",
                "a weighting or matching method left a group empty and is omitted",
                "adjusted comparison: matching left no patient in one group, so it is omitted."),
    WarningKind("RS-W030", r"^adjusted comparison: .+ has a monotone Cox likelihood",
                "an adjusted hazard ratio is NE (monotone likelihood)",
                "adjusted comparison: pfs (iptw) has a monotone Cox likelihood; its hazard ratio "
                "is not estimable (NE)."),
    WarningKind("RS-W031", r"^adjusted comparison: .+ the Cox model is not estimable",
                "an adjusted Cox model cannot be fitted: NE",
                "adjusted comparison: pfs (matching): the Cox model is not estimable (one group "
                "has no patient); its hazard ratio is NE."),
    # competing risks (analysis.competing)
    WarningKind("RS-W040", r"^Gray's test for .+ not computed",
                "Gray's test could not be computed for a cause",
                "Gray's test for death without progression not computed: cause 2: the variance of"
                " Gray's scores is singular (...); the groups cannot be compared"),
    WarningKind("RS-W041", r"^No .+ events: no cause-specific Cox model",
                "a cause without events: no cause-specific Cox model",
                "No death without progression events: no cause-specific Cox model."),
    WarningKind("RS-W042", r"^Cause-specific .+ model for .+: not estimable",
                "a cause-specific Cox model cannot be fitted: NE",
                "Cause-specific adjusted model for progression: not estimable (covariate 'x' is "
                "constant), hazard ratios NE."),
    WarningKind("RS-W043", r"^Cause-specific .+ model for .+: monotone likelihood",
                "a cause-specific Cox model's likelihood is monotone: NE",
                "Cause-specific unadjusted model for death without progression: monotone "
                "likelihood (a group without events), hazard ratios not estimable (NE)."),
    WarningKind("RS-W044", r"^Cause-specific .+ model for .+: \d+ events for \d+ term\(s\)",
                "a cause-specific Cox model has too few events per term",
                "Cause-specific adjusted model for progression: 38 events for 4 term(s), below 10"
                " per term."),
    # the records (retrostudy.data: loading goes on; counted in the data-quality section)
    WarningKind("RS-W050", r": not read: ",
                "an entry of the data folder (or a sheet) is not read: not a table's name",
                "README.md: not read: its name is not a canonical table (patients, diagnoses, "
                "...)."),
    WarningKind("RS-W051", r"read as table \w+ \(its name is spelled differently\)",
                "a file or sheet read as a table whose name it spells differently",
                "tumour_assessments.csv: read as table tumor_assessments (its name is spelled "
                "differently)"),
    WarningKind("RS-W052", r"HER2 IHC and ISH disagree",
                "HER2 IHC and ISH disagree on one specimen (counted positive)",
                "biomarkers.csv, row 12, column 'result': patient 'P7': HER2 IHC and ISH disagree"
                " on one specimen (...); counted positive"),
    WarningKind("RS-W053", r"result differs between primary\s+and metastasis",
                "a receptor result differs between primary and metastasis specimens",
                "biomarkers.csv, row 30, column 'result': patient 'P9': ER result differs "
                "between primary and metastasis specimens (...)"),
    WarningKind("RS-W054", r": unusual [^,]+, outside the usual range ",
                "an observation (height, weight) outside its usual range, loaded as recorded",
                "observations.csv, row 7, column 'value', patient 'P2': unusual weight (kg), "
                "outside the usual range 35-150; loaded as recorded (value '31')"),
    # last (the most general wording): an endpoint's log-rank test without a test
    WarningKind("RS-W004", r"^[^:\s]+: .+ \(NE\)\.$",
                "an endpoint's log-rank test is not estimable (e.g. one group)",
                "pfs: one group only (NE)."),
)

_COMPILED = tuple((k.code, re.compile(k.pattern)) for k in REGISTRY)
CODES = frozenset(k.code for k in REGISTRY)


def code_of(message: str) -> str:
    """The code of a warning sentence (``RS-W000`` when no registered kind matches)."""
    for code, pattern in _COMPILED:
        if pattern.search(message):
            return code
    return UNKNOWN


def markdown_table() -> str:
    """The registry as the Markdown table of docs/warnings.md (a test keeps them equal)."""
    rows = ["| Code | Kind | Example |", "| --- | --- | --- |"]
    rows += [f"| {k.code} | {k.title.replace('|', '&#124;')} | "
             f"{k.example.replace('|', '&#124;')} |"
             for k in sorted(REGISTRY, key=lambda k: k.code)]
    return "\n".join(rows) + "\n"


def check_codes(codes) -> frozenset[str]:
    """``codes`` (e.g. ``--silence`` values) normalised to upper case; an unknown code is a
    user error naming the known ones, so a typo does not silently silence nothing."""

    wanted = frozenset(str(c).strip().upper() for c in codes)
    unknown = sorted(wanted - CODES - {UNKNOWN})
    if unknown:
        raise RetroStudyError(Problem(
            message=f"unknown warning code(s) {', '.join(unknown)}", code="unknown_warning_code",
            hint="the codes are listed in docs/warnings.md (RS-W001, RS-W002, ...)"))
    return wanted
