"""The main document's Methods, written from the protocol and the analyses' conventions.

Paragraphs in the order of a paper's Methods: design, patients and data source with dates,
eligibility steps, groups, endpoints, statistical analysis (every test that produced a p
value of the report, the CI method, ties, the conventions profile), software and version.
The statistical sentences are the ones each table's footnotes repeat (report/sections.py
builds both from the same result objects). Everything here is plain text; the renderers
escape it.
"""

from __future__ import annotations

from retrostudy.report.document import Paragraph
from retrostudy.report.quality import Quality, definitions


def _design(ctx) -> list[str]:
    p = ctx.protocol
    s, idx = p.study, p.index
    out = []
    if s.design:
        out.append(f"{s.design.rstrip('.')}.")
    out += [t for t in (s.description, s.institution) if t]
    if idx is not None:
        drugs = idx.drug if isinstance(idx.drug, str) else ", ".join(idx.drug)
        first = ("first administration of {d} in the study period"
                 if idx.occurrence == "first_in_window"
                 else "first-ever administration of {d}, kept when it fell in the study period")
        period = ""
        if idx.start is not None or idx.end is not None:
            period = (f" The study period ran from {idx.start or 'the first record'} to "
                      f"{idx.end or 'the last record'}.")
        out.append(f"Patients: {p.report.flow_source or idx.label}. The index date was the "
                   + first.format(d=drugs) + "." + period)
    inputs = [f["file"] for f in ctx.provenance.get("inputs", [])]
    if inputs:
        out.append("Data source: the hospital records in " + ", ".join(inputs) + ".")
    return out


def _eligibility(ctx) -> list[str]:
    crit = list(getattr(ctx.protocol, "criteria", None) or [])
    if not crit:
        return []
    steps = [f"({i}) {'excluded' if c.action == 'exclude' else 'required'}: {c.label}"
             for i, c in enumerate(crit, 1)]
    return ["Eligibility was applied in this order: " + "; ".join(steps)
            + ". Each step's count is in the flow chart."]


def _groups(ctx) -> list[str]:
    groups = ctx.protocol.groups.group
    an = ctx.analyses
    if not groups:
        return []
    names = "; ".join(f"{g.name} ({g.label})" if g.label else g.name for g in groups)
    if len(groups) == 1:
        return [f"All analysed patients form one group: {names}."]
    ref = an.group_labels.get(an.reference, an.reference)
    return [f"Patients were assigned to {len(groups)} groups: {names}. Reference group for "
            f"hazard ratios: {ref}."]


def _endpoints(ctx) -> list[str]:
    """Definitions of the main document's endpoints (the survival endpoints compared and
    the response column); the other endpoints are defined in the supplement."""
    defs = definitions(ctx.quality or Quality(), ctx.protocol)
    block = ctx.protocol.analyses
    names = [s.endpoint for s in block.survival]
    resp = getattr(block, "response", None)
    if resp is not None and getattr(resp, "column", None):
        names.append(resp.column)
    return [defs[n] for n in dict.fromkeys(names) if n in defs]


def _software(ctx) -> str:
    pk = ctx.provenance.get("packages", {})
    c = ctx.analyses.conventions
    main = [f"{k} {pk[k]}" for k in ("retrostudy", "python", "numpy", "scipy", "pandas")
            if k in pk]
    return ("Software: " + (", ".join(main) if main else "retrostudy")
            + f"; conventions profile '{c.profile}' (Kaplan\u2013Meier CI on the "
            f"{c.conf_type} scale, {c.ties} ties, confidence level {c.conf_level:g}). "
            "Versions of every package and the SHA-256 of the protocol and of each input file "
            "are listed in the supplement (Conventions and provenance).")


def methods_items(ctx, statistics: list[Paragraph]) -> list[Paragraph]:
    """The Methods paragraphs; ``statistics``: the statistical-analysis paragraphs (with
    the tests of every printed p value), built by report/sections.py."""
    text = _design(ctx) + _eligibility(ctx) + _groups(ctx) + _endpoints(ctx)
    out = [Paragraph(t) for t in text] + list(statistics)
    sec = ctx.analyses.secondary
    extra = [name for name, on in (
        ("propensity-score adjusted comparison", ctx.analyses.adjusted is not None),
        ("restricted mean survival time", bool(sec.rmst)),
        ("competing risks", sec.competing is not None),
        ("subgroup analyses", bool(sec.subgroups)),
        ("sensitivity analyses", sec.sensitivity is not None)) if on]
    if extra:
        out.append(Paragraph("Secondary and sensitivity analyses (" + ", ".join(extra)
                             + ") are described with their results in the supplement."))
    out.append(Paragraph(_software(ctx)))
    return out
