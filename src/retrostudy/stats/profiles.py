"""Named convention profiles: the defaults a reviewer's software would use.

A profile is passed down by higher layers (analysis, report) and recorded in their output,
so a reader comparing with R, SAS or EZR sees why numbers differ (the three the protocol's
``[analyses] profile`` and ``retrostudy run --profile`` accept). Sources for
each default are listed in ``docs/statistics.md`` (and docs/sources.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILES", "Profile", "get_profile"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """Conventions for one reference tool.

    ``conf_type`` is the Kaplan–Meier CI transform (also used for the median CI), ``ties``
    the Cox tie method, ``chisq_correct`` whether Table 1's 2x2 chi-square uses Yates'
    continuity correction.
    """

    name: str
    conf_type: str
    ties: str
    chisq_correct: bool
    description: str


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="r",
            conf_type="log",
            ties="efron",
            chisq_correct=False,
            description="R survival defaults (survfit conf.type='log', coxph ties='efron'); "
            "Table 1 as gtsummary (chisq.test without continuity correction)",
        ),
        Profile(
            name="sas",
            conf_type="log-log",
            ties="breslow",
            chisq_correct=False,
            description="SAS PROC LIFETEST CONFTYPE=LOGLOG, PROC PHREG TIES=BRESLOW",
        ),
        Profile(
            name="ezr",
            conf_type="log-log",
            ties="breslow",
            chisq_correct=True,
            description="EZR (Kanda): log-log KM CI, coxph method='breslow', "
            "Yates-corrected chi-square",
        ),
    )
}


def get_profile(name: str) -> Profile:
    """The profile called ``name`` (case-insensitive); ValueError lists the known ones."""
    key = str(name).lower()
    if key not in PROFILES:
        known = ", ".join(repr(k) for k in PROFILES)
        raise ValueError(f"unknown profile {name!r}; known profiles: {known}")
    return PROFILES[key]
