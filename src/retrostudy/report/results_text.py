"""The main document's Results as sentences with the numbers.

The words and the numbers come from one object: every number a sentence quotes is the
text of the table cell that shows it (the displayed table, after small-cell suppression),
or, for the flow, the count as the suppression plan prints it in Fig. 1. So a sentence
cannot round differently from its table, and a masked count is masked in the sentence too
(``<5``). p values name their test, read from the footnote the cell's marker points to;
the log-rank p is formatted from the same result and by the same formatter as the survival
table's footnote.

Sentences are left out when their table is absent (no response endpoint, one group: no
comparison).
"""

from __future__ import annotations

import re

from retrostudy.report import fmt
from retrostudy.report.disclosure import flow_keys
from retrostudy.report.document import Paragraph
from retrostudy.report.tables.survival import FIRTH_MARK

_EST_CI = re.compile(r"^(\S+) \((.+)\)$")
_COUNT_PCT = re.compile(r"^(\d+) \((\d+(?:\.\d+)?|NE)\)$")
MARKERS = "\u1d43\u1d47\u1d9c\u1d48\u1d49\u1da0\u1d4d\u02b0"  # superscript a b c d e f g h


def _lower(label: str) -> str:
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def _and(parts: list[str]) -> str:
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _column(table, starts: str) -> int | None:
    return next((j for j, c in enumerate(table.columns) if c.startswith(starts)), None)


def p_and_test(table, text: str) -> str:
    """``0.2566ᵃ`` -> ``p = 0.2566, Pearson's chi-square test ...`` (the footnote the
    marker points to names the test); empty text gives ``""``."""
    bare = text.rstrip(MARKERS)
    if not bare:
        return ""
    p = f"p < {bare[1:]}" if bare.startswith("<") else f"p = {bare}"
    marks = text[len(bare):]
    for note in table.footnotes:
        if marks and note.startswith(marks + " "):
            return f"{p}, {note[len(marks) + 1:].rstrip('.')}"
    return p


def estimate_words(text: str, unit: str = "", reached: bool = True) -> str:
    """A cell ``2.8 (1.7–4.8)`` in words: ``2.8 months (95% CI 1.7–4.8)``; a median NE is
    ``not reached``; a masked or plain cell is quoted as it is."""
    found = _EST_CI.match(text)
    if found is None:
        return text
    est, ci = found.groups()
    if est == "NE":
        return ("not reached" if not reached else "not estimable") + f" (95% CI {ci})"
    return f"{est}{unit} (95% CI {ci})"


def _ci_words(text: str, level: float) -> str:
    return text.replace("(95% CI", f"({int(round(level * 100))}% CI")


def _count_pct_words(text: str) -> str:
    """``2 (11.1)`` -> ``2 (11.1%)``; a masked cell (``<5``) as it is."""
    found = _COUNT_PCT.match(text)
    if found is None:
        return text
    n, pct = found.groups()
    return f"{n} ({pct}%)" if pct != "NE" else n


def flow_sentences(ctx, plan, exhibits: dict[str, str] | None = None) -> list[str]:
    """Identified, excluded by step, analysed and per group, as Fig. 1 prints them."""
    flow = ctx.flow
    if flow is None:
        return []
    keys = flow_keys(flow)
    ident = plan.text(keys["identified"], flow.n_identified)
    analysed = plan.text(keys["analysed"], flow.n_analysed)
    steps = [(s, plan.text(keys[f"step:{i}"], s.n_excluded)) for i, s in enumerate(flow.steps)
             if s.n_excluded or plan.hidden(keys[f"step:{i}"])]  # steps that removed someone
    text = f"Of {ident} patients identified, "
    if steps:
        shown = not (plan.hidden(keys["identified"]) or plan.hidden(keys["analysed"]))
        total = f"{flow.n_identified - flow.n_analysed} were excluded" if shown else \
            "some were excluded"
        reasons = "; ".join(f"{_lower(s.label)}, {t}" for s, t in steps)
        text += f"{total} ({reasons}) and "
    fig = [v for k, v in (exhibits or {}).items() if k.endswith("_flow")]
    text += f"{analysed} were analysed" + (f" ({fig[0]})" if fig else "")
    labels = ctx.analyses.group_labels
    groups = [f"{plan.text(keys[f'group:{i}'], n)} in {labels.get(name, name)}"
              for i, (name, n) in enumerate(flow.groups)]
    text += (": " + _and(groups) + ".") if len(groups) > 1 else "."
    return [text]


def table1_sentences(ctx, tables, exhibits: dict[str, str] | None = None) -> list[str]:
    """Which characteristics differed between the groups, with each p and its test."""
    t = tables.get("table1")
    if t is None:
        return []
    j = _column(t, "p value")
    text = ("Table 1 shows" if "table1" in (exhibits or {}) else
            "The supplement shows") + " the patients' characteristics"
    text += " by group." if len(ctx.analyses.groups) > 1 else "."
    if j is None:
        return [text]
    alpha = 1 - ctx.analyses.conventions.conf_level
    diff = []
    for r in t.rows:
        cell = r.cells[j].text.rstrip(MARKERS)
        value = cell[1:] if cell.startswith("<") else cell
        try:
            below = float(value) < alpha
        except ValueError:
            continue
        if below:
            diff.append(f"{_lower(r.label.strip())} ({p_and_test(t, r.cells[j].text)})")
    if diff:
        text += " The groups differed in " + "; ".join(diff) + "."
    else:
        text += f" No characteristic differed between the groups at p < {alpha:g}."
    return [text]


def followup_sentences(ctx, tables) -> list[str]:
    t = tables.get("followup")
    j = None if t is None else _column(t, "Observed time")
    if j is None:
        return []
    parts = []
    for r in t.rows:
        found = _EST_CI.match(r.cells[j].text)
        if found is None:
            continue
        parts.append(f"{found.group(1)} months (range {found.group(2)}) in {r.label}")
    return ["The median observed time was " + _and(parts) + "."] if parts else []


def _hr_rows(t, group_label: str):
    """The rows of the group variable's block in a Cox table (after its heading row)."""
    out, inside = [], False
    for r in t.rows:
        if r.heading:
            if inside:
                break
            inside = r.label == group_label
            continue
        if inside:
            out.append(r)
    return out


def endpoint_sentences(ctx, tables, res, exhibits: dict[str, str]) -> list[str]:
    """Median (CI) and events per group, the log-rank p, and the crude and adjusted HR."""
    t = tables.get(f"survival_{res.endpoint}")
    if t is None:
        return []
    level = ctx.analyses.conventions.conf_level
    name = res.label
    jm, je, jn = _column(t, "Median"), _column(t, "Events"), _column(t, "Patients")
    parts = []
    for r in t.rows:
        median = _ci_words(estimate_words(r.cells[jm].text, " months", reached=False), level)
        parts.append(f"{median} in {r.label} ({r.cells[je].text} events among "
                     f"{r.cells[jn].text} patients)")
    km = [v for k, v in exhibits.items() if k.endswith(f"_km_{res.endpoint}")]
    where = km[0] if km else exhibits.get(f"survival_{res.endpoint}")
    text = f"The median {_lower(name)} was " + ("; ".join(parts) if len(parts) > 2
                                                 else _and(parts))
    if len(t.rows) > 1:
        p = fmt.p_text(res.logrank.p_value, ctx.protocol.report.p_digits)
        test = "log-rank test" if res.test == "logrank" else "Cox score test, delayed entry"
        text += f" ({test} {p}"
        text += f"; {where})." if where else ")."
    else:
        text += f" ({where})." if where else "."
    out = [text]
    hr = _hr_sentence(ctx, tables, res, exhibits, level)
    if hr:
        out.append(hr)
        if ctx.analyses.endpoints and res is ctx.analyses.endpoints[0]:  # the primary
            out += _evalue_sentence(ctx, tables, res)
    return out


def _evalue_sentence(ctx, tables, res) -> list[str]:
    """The E-value of the primary endpoint's adjusted HR, from its row of the E-value table
    (the cells the supplement prints)."""
    t = tables.get("evalues")
    if t is None:
        return []
    row = next((r for r in t.rows if r.label.startswith(f"{res.label}: Cox, adjusted")), None)
    if row is None:
        return []
    hr, _, conv, e, e_ci = (c.text for c in row.cells)
    how = ("the hazard ratio taken as a risk ratio, as the outcome is rare" if "rare" in conv
           else "the hazard ratio converted to a risk ratio by the square-root transform, as "
           "the outcome is common")
    return [f"The E-value of the adjusted hazard ratio {hr.split(' (')[0]} was {e}, and "
            f"{e_ci} for its confidence limit closer to 1 ({how}; VanderWeele & Ding 2017): "
            "an unmeasured confounder would need risk ratios of at least this size with both "
            "the group and the outcome to explain the estimate away."]


def _hr_sentence(ctx, tables, res, exhibits, level) -> str:
    t = tables.get(f"cox_{res.endpoint}")
    if t is None:
        return ""
    rows = [r for r in _hr_rows(t, ctx.var_labels.get("group", "Group"))
            if not r.cells[0].text.startswith("1 (reference)")]
    if not rows:
        return ""
    ju, ja = _column(t, "Unadjusted HR"), _column(t, "Adjusted HR")
    ref = ctx.analyses.group_labels.get(res.reference, res.reference)
    covs = [_lower(ctx.var_labels.get(a, a)) for a in _adjusted_for(ctx, res)]
    parts = []
    for r in rows:
        part = f"{r.label.strip()} vs {ref} was " + _hr_words(t, r, ju, level)
        if ja is not None and r.cells[ja].text:
            part += ", and " + _hr_words(t, r, ja, level) + " adjusted for " + (
                _and(covs) if covs else "the model's covariates")
        parts.append(part)
    where = exhibits.get(f"cox_{res.endpoint}")
    return (f"The hazard ratio for {_lower(res.label)} (Cox model) of " + "; of ".join(parts)
            + (f" ({where})." if where else "."))


def _hr_words(t, r, j: int, level: float) -> str:
    """``2.85 (95% CI 1.41–5.75; Wald p = 0.0035)`` from an HR cell and the p beside it
    (a Firth-penalised cell, marked by the table: its profile-likelihood p)."""
    text = r.cells[j].text
    firth = text.endswith(FIRTH_MARK)
    hr = _ci_words(estimate_words(text.removesuffix(FIRTH_MARK)), level)
    p = p_and_test(t, r.cells[j + 1].text) if j + 1 < len(r.cells) else ""
    test = "Firth penalised profile-likelihood" if firth else "Wald"
    return hr[:-1] + f"; {test} {p})" if p and hr.endswith(")") else hr


def _adjusted_for(ctx, res) -> list[str]:
    spec = next((s for s in ctx.protocol.analyses.survival if s.endpoint == res.endpoint), None)
    return list(getattr(spec, "adjust", None) or [])


def response_sentences(ctx, tables, exhibits: dict[str, str]) -> list[str]:
    """Each rate (the rows whose cells are rate counts) per group, with its p and test."""
    t = tables.get("table2_response")
    if t is None:
        return []
    jp = _column(t, "p value")
    groups = [c.split(" (n = ")[0] for c in t.columns if c != "p value"]
    source = ctx.tables.get("table2_response", t)  # before masking: the cells keep their ref
    rates = {i for i, r in enumerate(source.rows)
             if any((c.ref or "").startswith("rate:") for c in r.cells)}
    out = []
    for i, r in enumerate(t.rows):
        if i not in rates:
            continue
        label = _lower(r.label.replace(", n (%)", ""))
        vals = [f"{_count_pct_words(c.text)} in {g}"
                for c, g in zip(r.cells, groups, strict=False)]
        p = p_and_test(t, r.cells[jp].text) if jp is not None else ""
        where = exhibits.get("table2_response")
        tail = ", ".join(x for x in (p, where) if x)
        out.append(f"The {label} was " + _and(vals) + (f" ({tail})." if tail else "."))
    return out


def results_items(ctx, tables, plan, exhibits: dict[str, str]) -> list[Paragraph]:
    """The Results paragraphs. ``tables``: the displayed (suppressed) tables; ``exhibits``:
    table or figure key -> how the main document names it ("Fig. 2", "Table 1"), or the
    supplement's name, for the references in brackets."""
    text = flow_sentences(ctx, plan, exhibits) + table1_sentences(ctx, tables, exhibits)
    text += followup_sentences(ctx, tables)
    for res in ctx.analyses.endpoints:
        text += endpoint_sentences(ctx, tables, res, exhibits)
    text += response_sentences(ctx, tables, exhibits)
    return [Paragraph(t) for t in text]
