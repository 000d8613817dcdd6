"""Every check of the analysis layer, each problem naming its protocol key (``key``).

- Before any statistic: every column ``[analyses]`` names exists (:func:`check_columns`),
  and at least two groups have patients (:func:`check_groups`).
- Inside an analysis: :func:`require_columns`, :func:`fail` and :func:`keyed` (re-raise a
  shared step's data problem under the analysis's key), used by RMST, competing risks,
  subgroups and sensitivity analyses.
- The adjusted comparison's weaknesses (:func:`flags_and_warnings`; none stops it) and the
  conventions behind its numbers (:func:`conventions_of`).

Small-sample honesty: with a few dozen patients a propensity analysis is fragile. Each
adjusted-comparison check below states its rule; a failed check adds a readable warning to
the results and a ``flags`` entry for machines.

- separation / Firth: the ML propensity fit diverged (a covariate predicts the group
  perfectly); the Firth fit was used or should be;
- not converged: the propensity fit did not converge;
- few patients per term: fewer than 10 patients of the smaller group per model term;
- imbalance: ``|SMD| >= threshold`` after a method (listed per column);
- small ESS: an arm's effective sample size below ``min_ess_fraction`` of its patients;
- unmatched: treated patients without a match within the caliper (the matched estimate
  then describes only the matched treated);
- monotone Cox likelihood: a hazard ratio not estimable (shown as NE).
"""

from __future__ import annotations

import difflib
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import pandas as pd

from retrostudy.analysis.adjusted_stats import balance_sd
from retrostudy.analysis.adjusted_types import (
    AdjustedConventions,
    AdjustedFlags,
    MatchingRun,
    Truncation,
)
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.errors import CohortError, Problem, ProtocolError, RetroStudyError


def _needed(block) -> list[tuple[str, str]]:
    """(protocol key, column) pairs the analyses read."""
    out = [(f"analyses.derived[{i}].column", d.column) for i, d in enumerate(block.derived)]
    for i, v in enumerate(block.table1):
        out.append((f"analyses.table1[{i}].name", v.name))
        if v.among:
            out.append((f"analyses.table1[{i}].among", v.among))
    for i, s in enumerate(block.survival):
        key = f"analyses.survival[{i}]"
        c = time_to_event_columns(s.endpoint)
        out += [(f"{key}.endpoint", c.time), (f"{key}.endpoint", c.event)]
        out += [(f"{key}.adjust", c) for c in s.adjust]
    if block.response is not None:
        out.append(("analyses.response.column", block.response.column))
        out += [
            (f"analyses.response.rates[{i}].name", r.name)
            for i, r in enumerate(block.response.rates)
        ]
    if block.followup is not None:
        fu = block.followup
        out += [(f"analyses.followup.{key}", col)
                for key, ep in (("observation", fu.observed), ("reverse_km_of", fu.reverse_km_of))
                for col in (time_to_event_columns(ep).time, time_to_event_columns(ep).event)]
    if block.discontinuation is not None:
        out.append(("analyses.discontinuation.column", block.discontinuation.column))
    return out


def check_columns(block, data: pd.DataFrame) -> None:
    """Raise :class:`ProtocolError` listing every column the analyses need but the data lack."""
    have = set(data.columns) | {d.name for d in block.derived}
    problems = []
    for key, column in _needed(block):
        if column in have:
            continue
        close = difflib.get_close_matches(column, sorted(have), n=3)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else "columns: " + ", ".join(sorted(map(str, have)))
        )
        problems.append(
            Problem(
                message=f"the analysis dataset has no column {column!r}",
                key=key,
                column=column,
                hint=hint,
                code="unknown_column",
            )
        )
    if "group" not in data.columns:
        problems.append(
            Problem(message="the analysis dataset has no 'group' column", code="unknown_column")
        )
    if problems:
        raise ProtocolError(problems)


def check_groups(named: list[str], groups: list[str], n: dict[str, int]) -> None:
    """Raise :class:`CohortError` when fewer than two groups have patients: every analysis
    compares groups, so the study cannot run (a group of one patient can, with NE where a
    statistic needs more). ``named``: the ``[[groups.group]]`` names."""
    if len(groups) >= 2:
        return
    found = ", ".join(f"{g!r} ({n[g]} patients)" for g in groups) or "none"
    empty = [g for g in named if g not in groups]
    raise CohortError(
        Problem(
            message=f"fewer than two groups have patients after the exclusions (with patients: "
            f"{found}; without: {', '.join(map(repr, empty)) or 'none'}); the study compares "
            "groups and needs at least two",
            key="groups.group",
            hint="check each [[groups.group]] 'when' condition and the [[criteria]] against "
            "the data: the flow chart (StudyResult.attrition) shows where patients were lost",
            code="empty_group",
        )
    )


def fail(key: str, message: str, hint: str | None = None, code: str = "secondary") -> None:
    """Raise one :class:`ProtocolError` naming the protocol key."""
    raise ProtocolError([Problem(message=message, key=key, hint=hint, code=code)])


def require_columns(data, needed: list[tuple[str, str]]) -> None:
    """Raise listing every (protocol key, column) whose column the dataset lacks."""
    have = sorted(map(str, data.columns))
    problems = []
    for key, column in needed:
        if column in data.columns:
            continue
        close = difflib.get_close_matches(column, have, n=3)
        problems.append(
            Problem(
                message=f"the analysis dataset has no column {column!r}",
                key=key,
                column=column,
                hint=f"did you mean {', '.join(close)}?" if close
                else "columns: " + ", ".join(have),
                code="unknown_column",
            )
        )
    if problems:
        raise ProtocolError(problems)


def tte_columns(key: str, endpoint: str) -> list[tuple[str, str]]:
    c = time_to_event_columns(endpoint)
    return [(key, c.time), (key, c.event)]


@contextmanager
def keyed(key: str, what: str):
    """Re-raise a data problem of a shared step (a Cox fit, a log-rank test) under this
    analysis's protocol key, prefixed with what was being computed."""
    try:
        yield
    except RetroStudyError as exc:
        raise type(exc)([
            replace(p, key=key, column=None, message=f"{what}: {p.message}") for p in exc.problems
        ]) from None


PATIENTS_PER_TERM = 10
# The weights of each estimand, in words (e: the propensity score; stats.ps_weights)
IPTW_WEIGHTS = {
    "ATE": "1/e for treated and 1/(1-e) for reference patients",
    "ATT": "1 for treated and e/(1-e) for reference patients",
    "ATC": "(1-e)/e for treated and 1 for reference patients",
    "ATO": "overlap weights: 1-e for treated and e for reference patients",
}


def conventions_of(block, conv, extra: dict) -> AdjustedConventions:
    """The choices behind every number of the adjusted comparison; ``extra``: what the
    methods found (``iptw_trimmed``, ``iptw_truncate``/``_truncation_cap``/``_truncated``,
    ``caliper_width`` and ``matching_warnings``, ``methods_without_patients``)."""
    return AdjustedConventions(
        estimand=block.estimand,
        propensity_model="logistic regression (maximum likelihood; Firth's penalised "
        "likelihood "
        + ("always" if block.firth else "never" if block.firth is False else "if ML separates")
        + "); Wald CIs for odds ratios",
        iptw_weights=IPTW_WEIGHTS[block.estimand]
        + (", stabilised" if block.stabilized else ", unstabilised"),
        trim=None if block.trim is None else (block.trim[0], block.trim[1]),
        matching=f"1:1 nearest neighbour on the logit of the PS, order {block.order}, "
        + ("with" if block.replace else "without")
        + " replacement, caliper "
        + (f"{block.caliper:g} SD of the logit" if block.caliper else "none"),
        caliper=block.caliper,
        replace=block.replace,
        seed=block.seed,
        balance_threshold=block.threshold,
        balance_sd=balance_sd(block),  # SMD denominator: "pooled" or "treated"
        min_ess_fraction=block.min_ess_fraction,
        missing=block.missing,
        km_variance="Greenwood (integer weights) or infinitesimal jackknife (other weights)",
        cox=f"group only, {conv.ties} ties; crude: model variance; IPTW: robust sandwich; "
        "matching: sandwich clustered on matched sets",
        test="crude: log-rank; weighted: robust score test of the weighted Cox model",
        conf_level=conv.conf_level,
        iptw_trimmed=extra.get("iptw_trimmed"),
        truncation=None if "iptw_truncate" not in extra else Truncation(
            quantile=extra["iptw_truncate"], cap=extra["iptw_truncation_cap"],
            truncated=extra["iptw_truncated"]),
        matching_run=None if "matching_warnings" not in extra else MatchingRun(
            caliper_width=extra.get("caliper_width"),
            warnings=tuple(extra["matching_warnings"]), fitted="caliper_width" in extra),
        methods_without_patients=tuple(extra.get("methods_without_patients", ())),
    )


def _smd_text(v: float) -> str:
    """An SMD as printed; infinite (a difference with zero variance in both groups, e.g. one
    patient each) or NaN (a group without weight) said in words, not as inf/nan."""
    if np.isfinite(v):
        return f"{v:+.2f}"
    return "NE: no variance within the groups" if np.isinf(v) else "NE"


def _balance_warnings(block, design, balance, flags) -> list[str]:
    out = []
    labels = dict(zip(design.names, design.labels, strict=True))
    flags["imbalanced"] = {}
    for method, smd in balance.items():
        if method == "before":
            continue
        bad = [n for n, v in smd.items() if not abs(v) < block.threshold]
        flags["imbalanced"][method] = tuple(bad)
        if bad:
            shown = ", ".join(f"{labels[n]} ({_smd_text(smd[n])})" for n in bad)
            out.append(
                f"adjusted comparison: after {_word(method)} {len(bad)} of {len(smd)} "
                f"covariate column(s) remain imbalanced (|SMD| >= {block.threshold:g}): {shown}."
            )
    return out


def _sample_warnings(block, samples, names, flags) -> list[str]:
    out = []
    flags["low_ess"], flags["unmatched"] = {}, {}
    by = samples.by_method
    if "iptw" in by:
        low = [g for g in names if by["iptw"][g].effective_n
               < block.min_ess_fraction * by["iptw"][g].n]
        flags["low_ess"]["iptw"] = tuple(low)
        for g in low:
            s = by["iptw"][g]
            out.append(
                f"adjusted comparison: the IPTW effective sample size of {g} is "
                f"{s.effective_n:.1f} of {s.n} patients (below "
                f"{block.min_ess_fraction:.0%}): a few patients carry large weights."
            )
    if "matching" in by:
        m = by["matching"]
        unmatched = {g: m[g].n - m[g].n_used for g in names}
        flags["unmatched"] = unmatched
        if unmatched[names[0]]:
            out.append(
                f"adjusted comparison: {unmatched[names[0]]} of {m[names[0]].n} {names[0]} "
                "patients found no match within the caliper; the matched comparison describes "
                f"the {m[names[0]].n_used} matched patients only."
            )
    return out


def _overlap_warnings(samples, names, flags) -> list[str]:
    ov = samples.overlap
    flags["outside_common_support"] = dict(ov.outside)
    parts = [f"{n} of {samples.by_method['unadjusted'][g].n} {g}"
             for g, n in ov.outside.items() if n]
    if not parts:
        return []
    lo, hi = ov.common_support
    shared = (f"the range shared by both groups ({lo:.3f}\u2013{hi:.3f})" if lo <= hi else
              "any range shared by both groups (the groups' scores do not overlap)")
    return [
        f"adjusted comparison: {' and '.join(parts)} patients have a propensity score outside "
        f"{shared}: no comparable patient in the other group, so their weights or matches "
        "extrapolate."
    ]


def _word(method: str) -> str:
    return {"iptw": "IPTW", "matching": "matching"}[method]


def flags_and_warnings(block, design, ps_fit, balance, samples, comparisons, names,
                       extra) -> tuple[AdjustedFlags, list[str]]:
    """The weaknesses of the adjusted comparison: flags for machines, warnings in words."""
    flags: dict = {
        "separation": ps_fit.separation,
        "firth": ps_fit.method == "firth",
        "converged": ps_fit.converged,
    }
    out = []
    if ps_fit.separation:
        out.append(
            "adjusted comparison: the propensity model shows separation (a covariate, or a "
            "combination, predicts the group almost perfectly): "
            + (
                "Firth's penalised likelihood was used. "
                if flags["firth"]
                else "its maximum-likelihood estimates are unreliable. "
            )
            + "Groups overlap poorly; weights and matches rest on few patients."
        )
    if not ps_fit.converged:
        out.append("adjusted comparison: the propensity model did not converge.")
    smaller = min(s.n for s in samples.by_method["unadjusted"].values())
    flags["patients_per_term"] = smaller / max(ps_fit.terms, 1)
    if flags["patients_per_term"] < PATIENTS_PER_TERM:
        out.append(
            f"adjusted comparison: the propensity model has {ps_fit.terms} term(s) for "
            f"{smaller} patients in the smaller group ({flags['patients_per_term']:.1f} per "
            f"term, below {PATIENTS_PER_TERM}); the score may be overfitted."
        )
    out += [f"adjusted comparison: propensity model: {w}" for w in ps_fit.warnings]
    out += _overlap_warnings(samples, names, flags)
    out += _balance_warnings(block, design, balance, flags)
    out += _sample_warnings(block, samples, names, flags)
    out += [f"adjusted comparison: matching: {w}" for w in extra.get("matching_warnings", [])]
    flags["omitted_methods"] = tuple(extra.get("methods_without_patients", ()))
    out += [
        f"adjusted comparison: {_word(m)} left no patient in one group, so it is omitted."
        for m in flags["omitted_methods"]
    ]
    flags["monotone"] = tuple(
        f"{c.endpoint}:{c.method}" for c in comparisons if c.hazard_ratio.monotone
    )
    out += [
        f"adjusted comparison: {c.endpoint} ({c.method}) has a monotone Cox likelihood; its "
        "hazard ratio is not estimable (NE)."
        for c in comparisons
        if c.hazard_ratio.monotone
    ]
    out += [
        f"adjusted comparison: {c.endpoint} ({c.method}): the Cox model is not estimable "
        f"({c.hazard_ratio.not_estimable}); its hazard ratio is NE."
        for c in comparisons
        if c.hazard_ratio.not_estimable
    ]
    return AdjustedFlags(**flags), out
