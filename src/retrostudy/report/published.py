"""Published vs reproduced, and literature comparators.

:func:`flat_results` turns the study's results into the key paths of
:mod:`retrostudy.protocol.published` (``table1.ecog.0.Tmab``, ``pfs.median.Tmab``, ...);
:func:`retrostudy.protocol.published.compare_published` pairs them with the printed numbers.
This module only computes the keys and draws the tables and the comparator figure rows.
"""

from __future__ import annotations

import re

import numpy as np

from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table, text_cells

_RATE_KEYS = {"response": "trr", "disease_control": "dcr"}


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def _flow_keys(flow, out: dict) -> None:
    out["flow.identified"] = flow.n_identified
    out["flow.analysed"] = flow.n_analysed
    for i, step in enumerate(flow.steps, start=1):
        out[f"flow.excluded.{i}"] = step.n_excluded
        out[f"flow.excluded.{_slug(step.step)}"] = step.n_excluded
    for name, n in flow.groups:
        out[f"groups.{name}.n"] = n


def _table1_keys(rows: list[dict], out: dict) -> None:
    for t in rows:
        v = t["variable"]
        out[f"table1.{v}.p_value"] = t["p_value"]
        if t["kind"] == "continuous":
            if t.get("among"):
                continue
            for g, s in t["groups"].items():
                for stat in ("median", "min", "max"):
                    if stat in s:
                        out[f"table1.{v}.{stat}.{g}"] = s[stat]
        else:
            for g, counts in t["counts"].items():
                for value, n in zip(t["values"], counts, strict=True):
                    out[f"table1.{v}.{value}.{g}"] = n


def _response_keys(response: dict, out: dict) -> None:
    for r in response.get("rates", []):
        key = _RATE_KEYS.get(r["name"], r["name"])
        out[f"response.{key}.p_value"] = r["p_value"]
        for g, s in r["groups"].items():
            out[f"response.{key}.{g}.n"] = s["x"]
            if s["n"]:
                out[f"response.{key}.{g}.percent"] = 100.0 * s["x"] / s["n"]
    for cat, per_group in response.get("best_response", {}).items():
        for g, n in per_group.items():
            out[f"response.bor.{cat}.{g}.n"] = n


def _endpoint_keys(analyses, out: dict) -> None:
    for i, ep in enumerate(analyses.endpoints):
        for g in ep.groups:
            for stat, v in zip(("median", "conf_low", "conf_high"), g.median, strict=True):
                out[f"{ep.endpoint}.{stat}.{g.group}"] = v
        out[f"{ep.endpoint}.logrank.p_value"] = ep.logrank.p_value
        prefixes = [f"{ep.endpoint}.cox"] + (
            ["cox"] if i == 0 else []
        )  # bare "cox." = first endpoint
        for name in ("unadjusted", "adjusted"):
            hr = ep.group_hr(name)
            for prefix in prefixes if hr else []:
                for stat in ("hazard_ratio", "conf_low", "conf_high", "p_value"):
                    out[f"{prefix}.{name}.{stat}"] = getattr(hr, stat)


def flat_results(
    analyses, flow, dataset=None, followup_endpoint: str | None = None
) -> dict[str, float]:
    """Every comparable result under its key path (see retrostudy.protocol.published)."""
    out: dict[str, float] = {}
    if flow is not None:
        _flow_keys(flow, out)
    _table1_keys(analyses.table1.to_json(), out)
    _response_keys(analyses.response.to_json() if analyses.response else {}, out)
    _endpoint_keys(analyses, out)
    for f in analyses.followup.groups if analyses.followup is not None else ():
        out[f"followup.median.{f.group}"] = f.median
        out[f"followup.min.{f.group}"] = f.low
        out[f"followup.max.{f.group}"] = f.high
    time = time_to_event_columns(followup_endpoint).time if followup_endpoint else None
    if time is not None and dataset is not None and time in dataset:
        days = dataset[time].dropna().to_numpy(float)
        if days.size:
            months = days / analyses.conventions.days_per_month
            out.update(
                {
                    "followup.median.overall": float(np.median(months)),
                    "followup.min.overall": float(months.min()),
                    "followup.max.overall": float(months.max()),
                }
            )
    disc = analyses.discontinuation.to_json() if analyses.discontinuation else {}
    if disc:
        out["discontinuation.total.n"] = sum(disc["discontinued"].values())
        for reason, per_group in disc["reasons"].items():
            out[f"discontinuation.{reason}.n"] = sum(per_group.values())
    return out


def _status(c) -> str:
    return {"match": "\u2713 match", "differs": "\u2717 differs", "not_computed": "not computed"}[
        c.status
    ]


def comparison_table(comparisons, source: str | None) -> Table:
    rows = tuple(
        Row(
            label=c.what,
            cells=(
                Cell(text=f"{c.published:.{c.decimals}f}"),
                Cell(text="" if c.reproduced is None else f"{c.reproduced:.{c.decimals}f}"),
                Cell(text=_status(c)),
                Cell(text=c.note or ""),
            ),
        )
        for c in comparisons
    )
    n_match = sum(c.match for c in comparisons)
    notes = [
        f"{n_match} of {len(comparisons)} printed numbers reproduced at the precision printed "
        "(reproduced value rounded to the printed decimals)."
    ]
    if source:
        notes.append(f"Source: {source}")
    return Table(
        key="published",
        title="Published vs reproduced",
        stub="Quantity",
        columns=("Published", "Reproduced", "", "Note"),
        rows=rows,
        footnotes=tuple(notes),
    )


def comparators_table(studies, own: list[tuple[str, float, float, float]]) -> Table:
    """One row per study; HR comparisons and sources go to numbered footnotes (long text)."""
    rows = [
        Row(
            label=f"This cohort: {label}",
            cells=text_cells("", "", "", "", fmt.estimate_ci(m, lo, hi), "", ""),
        )
        for label, m, lo, hi in own
    ]
    notes = []
    for k, s in enumerate(studies, start=1):
        hr = (
            fmt.estimate_ci(s.hazard_ratio, s.hr_conf_low, s.hr_conf_high, 2)
            if s.hazard_ratio
            else ""
        )
        median = (
            ""
            if s.median is None
            else (
                fmt.estimate_ci(s.median, s.conf_low, s.conf_high)
                if s.conf_low is not None
                else fmt.num(s.median)
            )
        )
        rows.append(
            Row(
                label=f"{s.study} [{k}]",
                cells=text_cells(
                    s.design,
                    s.population + (f" ({s.line})" if s.line else ""),
                    "" if s.n is None else str(s.n),
                    s.endpoint,
                    median,
                    hr,
                    s.evidence,
                ),
            )
        )
        detail = "; ".join(
            t
            for t in (
                f"HR {s.hr_comparison}" if s.hr_comparison else "",
                s.other or "",
                s.note or "",
            )
            if t
        )
        notes.append(f"[{k}] {s.study}: {detail + '. ' if detail else ''}Source: {s.source}")
    return Table(
        key="comparators",
        title="Literature comparators",
        stub="Study",
        columns=(
            "Design",
            "Population",
            "n",
            "Endpoint",
            "Median, months (95% CI)",
            "HR (95% CI)",
            "Evidence",
        ),
        rows=tuple(rows),
        footnotes=(
            "Endpoints differ between studies (trial PFS, real-world PFS, time on treatment); "
            "compare with care. Evidence: V verified in the source, S stated by the seed only, "
            "M background knowledge, X unverified or conflicting.",
            *notes,
        ),
    )


def published_parts(
    protocol, analyses, flow=None, dataset=None
) -> tuple[object, dict[str, Table], list]:
    """(JSON-ready comparison, tables, comparator figure rows); empty without the blocks."""
    tables: dict[str, Table] = {}
    payload: dict = {}
    rows: list = []
    if protocol.published is not None and protocol.published.values:
        from retrostudy.protocol.published import compare_published

        fu = protocol.analyses.followup.observed if protocol.analyses.followup else None
        comparisons = compare_published(
            protocol.published, flat_results(analyses, flow, dataset, fu)
        )
        tables["published"] = comparison_table(comparisons, protocol.published.source)
        payload["published"] = [
            {
                "what": c.what,
                "published": c.published,
                "reproduced": c.reproduced,
                "difference": c.difference,
                "decimals": c.decimals,
                "match": c.match,
                "status": c.status,
                "unit": c.unit,
                "note": c.note,
            }
            for c in comparisons
        ]
    if protocol.comparators is not None and protocol.comparators.studies:
        first = analyses.endpoints[0] if analyses.endpoints else None
        own = (
            [
                (f"{first.label}, {analyses.group_labels.get(g.group, g.group)}", *g.median)
                for g in first.groups
            ]
            if first
            else []
        )
        tables["comparators"] = comparators_table(protocol.comparators.studies, own)
        rows = [(label, m, lo, hi, True) for label, m, lo, hi in own]
        rows += [
            (f"{s.study} ({s.endpoint_type})", s.median, s.conf_low, s.conf_high, False)
            for s in protocol.comparators.studies
            if s.median is not None
        ]
        payload["comparators"] = [s.model_dump(mode="json") for s in protocol.comparators.studies]
    return (payload or None), tables, rows
