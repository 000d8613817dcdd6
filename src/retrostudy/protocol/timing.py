"""Windows that reach past the index date: refused in criteria and groups, stated for covariates.

Follow-up starts on the index day (day 0). A criterion or group that looks at records after
it (a window whose end is > 0 days) selects or classifies patients by what happened to
them *during* follow-up: a patient can only have "6 or more doses in [1, inf]" by living,
unprogressed, long enough to receive them. The time up to those records is event-free by
construction ("immortal time"), and comparing such groups flatters the one defined by
later records (Suissa, Am J Epidemiol 2008;167:492; Lévesque et al., BMJ 2010;340:b5087).
So such a window is a protocol error unless the criterion or group sets
``allow_post_index = true``; then the report carries a warning naming the bias.

Covariates at baseline may legitimately use a window a few days past index (an ECOG
recorded at the first visit after the first dose, ``ecog_window = [-30, 7]``); the Methods
say so, in a sentence generated here from the protocol.

A window ending on day 0 (the index day) is allowed: day 0 is the index.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from retrostudy.errors import Problem, ProtocolError
from retrostudy.protocol.conditions import AllCondition, AnyCondition, NotCondition

ALLOW_KEY = "allow_post_index"


@dataclass(frozen=True, slots=True, kw_only=True)
class PostIndexWindow:
    """One window of a criterion or group that reaches past the index day."""

    owner: str  # 'criterion "..."' or 'group "..."'
    owner_key: str  # criteria.<i> or groups.group.<i>
    key: str  # the window's key path, as protocol errors name it
    window: tuple[float, float]
    allowed: bool  # the owner sets allow_post_index = true

    @property
    def text(self) -> str:
        return window_text(self.window)


def window_text(window: tuple[float, float]) -> str:
    """``[-30, 7]`` / ``[1, "inf"]`` as the protocol writes it."""

    def bound(v: float) -> str:
        if math.isinf(v):
            return '"-inf"' if v < 0 else '"inf"'
        return str(int(v))

    return f"[{bound(window[0])}, {bound(window[1])}]"


def _windows(condition, path: str) -> Iterator[tuple[str, tuple[float, float]]]:
    """(key path, window) of every record condition in ``condition`` (paths as the
    protocol loader names them: ``criteria.0.when.all.1.drug.window``)."""
    if isinstance(condition, (AllCondition, AnyCondition)):
        kind = "all" if isinstance(condition, AllCondition) else "any"
        for j, part in enumerate(getattr(condition, kind)):
            yield from _windows(part, f"{path}.{kind}.{j}")
    elif isinstance(condition, NotCondition):
        yield from _windows(condition.not_, f"{path}.not")
    elif getattr(condition, "window", None) is not None:
        tag = next(k for k in ("drug", "diagnosis", "biomarker", "observation") if
                   k in type(condition).model_fields)
        yield f"{path}.{tag}.window", condition.window


def post_index_windows(protocol) -> tuple[PostIndexWindow, ...]:
    """Every window of a criterion or group that ends after the index day (end > 0)."""
    owners = [
        (f'criterion "{c.label}"', f"criteria.{i}", c) for i, c in enumerate(protocol.criteria)
    ] + [
        (f'group "{g.name}"', f"groups.group.{i}", g)
        for i, g in enumerate(protocol.groups.group)
        if g.when is not None
    ]
    return tuple(
        PostIndexWindow(owner=owner, owner_key=key, key=path, window=window,
                        allowed=bool(item.allow_post_index))
        for owner, key, item in owners
        for path, window in _windows(item.when, f"{key}.when")
        if window[1] > 0
    )


def check_post_index(protocol, source: str | None = None) -> None:
    """Raise :class:`ProtocolError` naming every post-index window of a criterion or group
    that does not set ``allow_post_index = true`` (key path, window, hint)."""
    problems = [
        Problem(
            message=f"{w.owner} uses records after the index date: window {w.text} reaches "
            f"{_past(w.window[1])} the index day (day 0)",
            file=source,
            key=w.key,
            value=w.text,
            hint="criteria and groups may only look at the index day and before (window end "
            '<= 0, e.g. ["-inf", -1] or ["-inf", 0]): selecting or grouping patients on what '
            "happens after the index date gives them immortal time (immortal-time bias). "
            f"If that is really meant, set {w.owner_key}.{ALLOW_KEY} = true; the report "
            "then warns of the bias",
            code="post_index_window",
        )
        for w in post_index_windows(protocol)
        if not w.allowed
    ]
    if problems:
        raise ProtocolError(problems)


def post_index_warnings(protocol) -> tuple[str, ...]:
    """One warning per criterion or group allowed to look past the index date."""
    seen: dict[str, list[PostIndexWindow]] = {}
    for w in post_index_windows(protocol):
        if w.allowed:
            seen.setdefault(w.owner_key, []).append(w)
    out = []
    for found in seen.values():
        owner = found[0].owner
        where = "; ".join(f"{w.text} at {w.key}" for w in found)
        what = (
            "selects patients" if owner.startswith("criterion") else "assigns patients to groups"
        )
        out.append(
            f"Immortal-time bias: {owner[0].upper()}{owner[1:]} {what} on records after the "
            f"index date (window {where}; {found[0].owner_key}.{ALLOW_KEY} = true). A patient "
            "must survive, event-free, until those records to meet it, so the time before "
            "them is immortal and the comparison favours patients with later records. "
            "Consider a landmark analysis or a time-dependent exposure instead."
        )
    return tuple(out)


_COVARIATE_WINDOWS = (
    ("ecog_window", "ECOG performance status at baseline was the value nearest to the index "
                    "date among those recorded"),
    ("sites_window", "Metastatic sites (visceral disease, number of sites) were those recorded"),
    ("exposure_window", "Prior drug exposure (ever exposed, exposure duration) counted the "
                        "records"),
)


def covariate_window_sentences(protocol) -> tuple[str, ...]:
    """Methods sentences: each baseline covariate window that reaches past the index day.

    None for an ``[analysis_table]`` study (its covariates are read, not derived).
    """
    if getattr(protocol, "analysis_table", None) is not None:
        return ()
    out = []
    for key, what in _COVARIATE_WINDOWS:
        start, end = getattr(protocol.covariates, key)
        if end <= 0:
            continue
        after = "at any time after" if math.isinf(end) else f"up to {_days(end)} after"
        if math.isinf(start):
            span = "at any time, before or after," if math.isinf(end) else after
        else:
            first = (f"{_days(-start)} before" if start < 0 else
                     f"{_days(start)} after" if start > 0 else "the index day")
            span = f"from {first} to {after.removeprefix('up to ')}"
        out.append(
            f"{what} {span} the index date (covariates.{key} = {window_text((start, end))}). "
            "This window reaches past the index date, so a value recorded after the index "
            "treatment started can stand for baseline."
        )
    return tuple(out)


def _past(end: float) -> str:
    return "without limit past" if math.isinf(end) else f"{_days(end)} past"


def _days(n: float) -> str:
    n = int(n)
    return f"{n} day" if abs(n) == 1 else f"{n} days"
