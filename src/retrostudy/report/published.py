"""Published vs reproduced, and literature comparators.

:func:`flat_results` turns the study's results into the key paths of
:mod:`retrostudy.protocol.published` (``table1.ecog.0.Tmab``, ``pfs.median.Tmab``, ...);
:func:`retrostudy.protocol.published.compare_published` pairs them with the printed numbers.
This module only computes the keys and draws the tables and the comparator figure rows.
"""

from __future__ import annotations

from retrostudy.protocol.published import ENDPOINT_TYPE_TITLES, compare_published, printed
from retrostudy.report import fmt
from retrostudy.report.published_labels import RATE_KEYS, describe, label_names, slug
from retrostudy.report.table import Cell, Row, Table, text_cells


def _flow_keys(flow, out: dict) -> None:
    out["flow.identified"] = flow.n_identified
    out["flow.analysed"] = flow.n_analysed
    for i, step in enumerate(flow.steps, start=1):
        out[f"flow.excluded.{i}"] = step.n_excluded
        out[f"flow.excluded.{slug(step.step)}"] = step.n_excluded
    for name, n in flow.groups:
        out[f"groups.{name}.n"] = n


def _table1_keys(rows: list[dict], out: dict) -> None:
    """Continuous rows (``among`` rows too: the duration of a prior drug among the exposed)
    give median/min/max per group and overall; categorical rows the count and percentage
    of each level per group and overall (percentages of the non-missing, as Table 1)."""
    for t in rows:
        v = t["variable"]
        out[f"table1.{v}.p_value"] = t["p_value"]
        if t["kind"] == "continuous":
            for g, s in t["groups"].items():
                for stat in ("median", "min", "max"):
                    if stat in s:
                        out[f"table1.{v}.{stat}.{g}"] = s[stat]
            continue
        counts = dict(t["counts"])
        counts["overall"] = [sum(c) for c in zip(*counts.values(), strict=True)]
        for g, per_level in counts.items():
            total = sum(per_level)
            for value, n in zip(t["values"], per_level, strict=True):
                out[f"table1.{v}.{value}.{g}"] = n
                if total:
                    out[f"table1.{v}.{value}.{g}.percent"] = 100.0 * n / total


def _response_keys(response: dict, out: dict) -> None:
    for r in response.get("rates", []):
        key = RATE_KEYS.get(r["name"], r["name"])
        out[f"response.{key}.p_value"] = r["p_value"]
        for g, s in r["groups"].items():
            out[f"response.{key}.{g}.n"] = s["x"]
            if s["n"]:
                out[f"response.{key}.{g}.percent"] = 100.0 * s["x"] / s["n"]
    best = response.get("best_response", {})
    totals: dict = {}
    for per_group in best.values():
        for g, n in per_group.items():
            totals[g] = totals.get(g, 0) + n
    for cat, per_group in best.items():
        for g, n in per_group.items():
            out[f"response.bor.{cat}.{g}.n"] = n
            if totals[g]:
                out[f"response.bor.{cat}.{g}.percent"] = 100.0 * n / totals[g]


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


def flat_results(analyses, flow) -> dict[str, float]:
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
    overall = analyses.followup.overall if analyses.followup is not None else None
    if overall is not None and overall.n:  # every patient's observed time (analysis/followup)
        out["followup.median.overall"] = overall.median
        out["followup.min.overall"] = overall.low
        out["followup.max.overall"] = overall.high
    disc = analyses.discontinuation.to_json() if analyses.discontinuation else {}
    if disc:
        total = sum(disc["discontinued"].values())
        out["discontinuation.total.n"] = total
        for reason, per_group in disc["reasons"].items():
            out[f"discontinuation.{reason}.n"] = sum(per_group.values())
            if total:
                out[f"discontinuation.{reason}.percent"] = 100.0 * sum(per_group.values()) / total
    return out


def _status(c) -> str:
    return {"match": "\u2713 match", "differs": "\u2717 differs", "not_computed": "not computed"}[
        c.status
    ]


def _difference(c) -> str:
    """Reproduced minus published at one decimal more than printed; a negative one with a
    true minus sign, a positive one unsigned (a leading + or - reads as a formula in a
    spreadsheet)."""
    text = f"{abs(c.difference):.{c.decimals + 1}f}"
    return f"\u2212{text}" if c.difference < 0 else text


def _row_label(c, names: dict[str, str]) -> str:
    label = c.label or describe(c.what, names)
    return f"{c.where}: {label}" if c.where else label


def comparison_table(comparisons, source: str | None, names: dict[str, str] | None = None) -> Table:
    """One row per printed number: where the paper printed it and what it is (the protocol's
    ``label``, else :func:`describe`), the printed and reproduced values at the printed
    precision, the status, the difference where they differ, and the note (the reason a
    number is not reproduced)."""
    names = names or {}
    rows = tuple(
        Row(
            label=_row_label(c, names),
            cells=(
                Cell(text=f"{c.published:.{c.decimals}f}"),
                Cell(text="" if c.reproduced is None else printed(c.reproduced, c.decimals)),
                Cell(text=_status(c)),
                Cell(text=_difference(c) if c.status == "differs" else ""),
                Cell(text=c.note or ""),
            ),
        )
        for c in comparisons
    )
    n_match = sum(c.match for c in comparisons)
    n_missing = sum(c.status == "not_computed" for c in comparisons)
    notes = [
        f"{n_match} of {len(comparisons)} printed numbers reproduced at the precision printed "
        "(reproduced value rounded to the printed decimals); "
        f"{n_missing} not computed (the note gives the reason). "
        "Difference: reproduced minus published (\u2212 where lower), "
        "one decimal more than printed."
    ]
    if source:
        notes.append(f"Source: {source}")
    return Table(
        key="published",
        title="Published vs reproduced",
        stub="Printed number",
        columns=("Published", "Reproduced", "", "Difference", "Note"),
        rows=rows,
        footnotes=tuple(notes),
    )


def _median_text(s) -> str:
    if s.median is None:
        return ""
    if s.conf_low is not None and s.conf_high is not None:
        return fmt.estimate_ci(s.median, s.conf_low, s.conf_high)
    return fmt.num(s.median)


def _source_text(s) -> str:
    """The source, then each link as "text <URL>" (a plain-text URL: the HTML report
    turns it into a link, Word keeps it as text)."""
    links = [f"{text} {url}".strip() for text, url in s.links]
    return "; ".join([s.source, *links])


def own_types(protocol, analyses) -> dict[str, str]:
    """Comparator group of each of this cohort's analysed endpoints: the protocol's
    ``[comparators] this_study`` entry, else real-world PFS for a PFS endpoint (the cohort
    comes from routine records) and the endpoint kind for OS and time on treatment."""
    given = dict(protocol.comparators.this_study or {}) if protocol.comparators else {}
    items = protocol.endpoints.items
    default = {"pfs": "rwpfs", "os": "os", "ttd": "ttd"}
    out = {}
    for ep in analyses.endpoints:
        kind = getattr(items.get(ep.endpoint), "kind", None)
        t = given.get(ep.endpoint, default.get(kind))
        if t:
            out[ep.endpoint] = t
    return out


def comparator_groups(studies, own: list[tuple[str, str, float, float, float]]):
    """[(endpoint type, heading, own rows, studies)] in first-seen order of the studies; the
    cohort's rows ``(type, label, median, low, high)`` join the group of their type only."""
    order = list(dict.fromkeys(s.endpoint_type for s in studies))
    return [
        (
            t,
            ENDPOINT_TYPE_TITLES.get(t, t),
            [r for r in own if r[0] == t],
            [s for s in studies if s.endpoint_type == t],
        )
        for t in order
    ]


def comparators_table(studies, own: list[tuple[str, str, float, float, float]]) -> Table:
    """Studies grouped by endpoint type under a heading row each (trial PFS, real-world PFS
    and time on treatment are never one list); sources, DOIs and registry ids go to
    numbered footnotes."""
    rows: list[Row] = []
    notes = []
    k = 0
    for _t, heading, own_rows, members in comparator_groups(studies, own):
        rows.append(Row(label=heading, cells=text_cells(*[""] * 7), heading=True))
        rows += [
            Row(
                label=f"This cohort: {label}",
                cells=text_cells("", "", "", "", fmt.estimate_ci(m, lo, hi), "", ""),
                indent=1,
            )
            for _, label, m, lo, hi in own_rows
        ]
        for s in members:
            k += 1
            hr = (
                fmt.estimate_ci(s.hazard_ratio, s.hr_conf_low, s.hr_conf_high, 2)
                if s.hazard_ratio
                else ""
            )
            rows.append(
                Row(
                    label=f"{s.study} [{k}]",
                    cells=text_cells(
                        s.design,
                        s.population + (f" ({s.line})" if s.line else ""),
                        "" if s.n is None else str(s.n),
                        s.endpoint,
                        _median_text(s),
                        hr,
                        s.evidence,
                    ),
                    indent=1,
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
            notes.append(f"[{k}] {s.study}: {detail + '. ' if detail else ''}"
                         f"Source: {_source_text(s)}")
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
            "Studies are grouped by endpoint type; compare medians only within a group. "
            "Evidence: V verified in the source, S stated by the seed only, "
            "M background knowledge, X unverified or conflicting.",
            *notes,
        ),
    )


def published_parts(
    protocol, analyses, flow=None
) -> tuple[object, dict[str, Table], list]:
    """(JSON-ready comparison, tables, comparator figure rows); empty without the blocks.

    Figure rows are ``(group heading, label, median, low, high, own)``, one group per
    endpoint type (see :func:`comparator_groups`)."""
    tables: dict[str, Table] = {}
    payload: dict = {}
    rows: list = []
    if protocol.published is not None and protocol.published.values:
        comparisons = compare_published(protocol.published, flat_results(analyses, flow))
        names = label_names(analyses, flow)
        tables["published"] = comparison_table(comparisons, protocol.published.source, names)
        payload["published"] = [
            {
                "what": c.what,
                "label": _row_label(c, names),
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
        types = own_types(protocol, analyses)
        own = [
            (types[ep.endpoint], f"{ep.label}, {analyses.group_labels.get(g.group, g.group)}",
             *g.median)
            for ep in analyses.endpoints
            if ep.endpoint in types
            for g in ep.groups
        ]
        studies = protocol.comparators.studies
        tables["comparators"] = comparators_table(studies, own)
        for _t, heading, own_rows, members in comparator_groups(studies, own):
            rows += [(heading, label, m, lo, hi, True) for _, label, m, lo, hi in own_rows]
            rows += [
                (heading, s.study, s.median, s.conf_low, s.conf_high, False)
                for s in members
                if s.median is not None
            ]
        payload["comparators"] = [s.model_dump(mode="json") for s in studies]
    return (payload or None), tables, rows
