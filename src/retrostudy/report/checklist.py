"""The reporting checklist: STROBE for cohort studies plus RECORD for routinely collected
data, filled in from the report that was built.

Sources (the item numbers are theirs; the topics here are short paraphrases in our own
words, not the guidelines' text, which the authors should consult):

- STROBE: von Elm E, Altman DG, Egger M, et al. The Strengthening the Reporting of
  Observational Studies in Epidemiology (STROBE) statement. PLoS Med 2007;4:e296.
- RECORD: Benchimol EI, Smeeth L, Guttmann A, et al. The REporting of studies Conducted
  using Observational Routinely-collected health Data (RECORD) statement. PLoS Med
  2015;12:e1001885.

Each row says where the report answers the item, as the titles of the sections, tables
and figures that the built report really holds (read from its sections, so a renamed or
absent exhibit cannot leave a stale reference), or that the item is for the authors to
complete (the background, the discussion, funding, the wording of title and abstract:
nothing in the records answers them). The status is one of :data:`STATUSES`:

- ``reported``: the places named answer the item;
- ``partly reported``: they answer part of it, the authors complete the rest (e.g. the
  flow chart gives the study size, the reason for that size is the authors');
- ``for the authors to complete``: nothing in the report answers it;
- ``not applicable``: the protocol rules it out (item 6b without matching).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from retrostudy.report.document import Document, FigureItem, Paragraph, Section, TableItem
from retrostudy.report.docx import render_docx
from retrostudy.report.table import Row, Table, text_cells

Status = Literal["reported", "partly reported", "for the authors to complete", "not applicable"]
REPORTED: Status = "reported"
PARTLY: Status = "partly reported"
AUTHORS: Status = "for the authors to complete"
NOT_APPLICABLE: Status = "not applicable"
STATUSES: tuple[Status, ...] = (REPORTED, PARTLY, AUTHORS, NOT_APPLICABLE)

FACTS_TITLE = "Conventions and provenance"
"""The closing heading both renderers write after the sections (report/html.py, docx.py)."""
TITLE = "Reporting checklist (STROBE cohort, RECORD)"
SOURCES = (
    "STROBE: von Elm E et al. The STROBE statement. PLoS Med 2007;4:e296. "
    "RECORD: Benchimol EI et al. The RECORD statement. PLoS Med 2015;12:e1001885.",
    "Topics are short paraphrases of each item; consult the statements for the full text. "
    "\u201cWhere\u201d names the section, table or figure of this report that answers the item.",
)


@dataclass(frozen=True, slots=True)
class Ref:
    """A place in the report: a section, table or figure, by its title as printed."""

    kind: Literal["section", "table", "figure"]
    title: str

    @property
    def text(self) -> str:
        if self.kind == "section":
            return f"Section \u201c{self.title}\u201d"
        if self.kind == "table" and not self.title.startswith("Table "):
            return f"Table \u201c{self.title}\u201d"
        return self.title  # "Table 1. Patient characteristics", "Fig. 1. Patient flow"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistRow:
    guideline: Literal["STROBE", "RECORD"]
    item: str  # "6a", "12.1"
    topic: str
    where: tuple[Ref, ...]
    status: Status


@dataclass(frozen=True, slots=True)
class _Index:
    """The built report's places: section anchor -> title, table key -> title, figure key
    -> title (only what the document holds)."""

    sections: dict[str, str]
    tables: dict[str, str]
    figures: dict[str, str]

    @classmethod
    def of(cls, sections) -> _Index:
        secs, tabs, figs = {}, {}, {}
        for s in sections:
            secs[s.anchor or s.title] = s.title
            for it in s.items:
                if isinstance(it, TableItem):
                    tabs[it.table.key] = it.table.title
                elif isinstance(it, FigureItem):
                    figs[it.figure.key] = it.figure.title
        return cls(secs, tabs, figs)

    def section(self, *anchors: str) -> tuple[Ref, ...]:
        return tuple(Ref("section", self.sections[a]) for a in anchors if a in self.sections)

    def table(self, *keys: str) -> tuple[Ref, ...]:
        return tuple(Ref("table", self.tables[k]) for k in keys if k in self.tables)

    def tables_like(self, prefix: str) -> tuple[Ref, ...]:
        return tuple(Ref("table", t) for k, t in sorted(self.tables.items())
                     if k.startswith(prefix))

    def figure(self, suffix: str) -> tuple[Ref, ...]:
        """Figures whose key ends with ``suffix`` (e.g. "_flow"), in key order."""
        return tuple(Ref("figure", t) for k, t in sorted(self.figures.items())
                     if k.endswith(suffix))


def _row(guideline, item, topic, where=(), full=True) -> ChecklistRow:
    where = tuple(dict.fromkeys(where))
    status = AUTHORS if not where else (REPORTED if full else PARTLY)
    return ChecklistRow(guideline=guideline, item=item, topic=topic, where=where, status=status)


def _strobe(ix: _Index, protocol) -> list[ChecklistRow]:
    km = tuple(Ref("figure", t) for k, t in sorted(ix.figures.items())
               if "_km_" in k and "_km_adjusted" not in k)
    ep_secs = ix.section("results") + tuple(Ref("section", t) for a, t in ix.sections.items()
                                            if a.startswith("ep-"))
    survival, cox = ix.tables_like("survival_"), ix.tables_like("cox_")
    flow = ix.figure("_flow")
    study = ix.section("methods", "study")
    defs = ix.section("endpoint-definitions")
    quality = ix.section("data-quality")
    adjusted = ix.section("adjusted")
    followup = ix.section("followup") + ix.table("followup")
    other = ix.section("rmst", "competing", "subgroups", "sensitivity", "adjusted")
    matching = "adjusted" in ix.sections and "matching" in _adjusted_methods(protocol)
    s = "STROBE"
    rows = [
        _row(s, "1a", "Title or abstract: name the study design in common terms"),
        _row(s, "1b", "Abstract: a balanced, informative summary of methods and findings"),
        _row(s, "2", "Introduction: scientific background and rationale"),
        _row(s, "3", "Introduction: objectives, including any prespecified hypotheses"),
        _row(s, "4", "Methods: key elements of the design, early in the paper",
             study, full=bool(protocol.study.design)),
        _row(s, "5", "Methods: setting, locations and dates (recruitment, exposure, "
             "follow-up, data collection)", study + quality, full=False),
        _row(s, "6a", "Methods: eligibility criteria, sources and selection of participants; "
             "methods of follow-up", flow + study + defs),
        ChecklistRow(guideline=s, item="6b", topic="Methods: matched cohorts \u2014 matching "
                     "criteria and numbers exposed and unexposed",
                     where=adjusted if matching else (),
                     status=REPORTED if matching else NOT_APPLICABLE),
        _row(s, "7", "Methods: define outcomes, exposures, predictors, confounders and effect "
             "modifiers; diagnostic criteria", defs + study + ix.table("table1")),
        _row(s, "8", "Methods: data sources and measurement of each variable; comparability "
             "of assessment across groups", defs + quality + study),
        _row(s, "9", "Methods: efforts to address potential sources of bias",
             adjusted + ix.section("sensitivity") + defs, full=False),
        _row(s, "10", "Methods: how the study size was arrived at", flow, full=False),
        _row(s, "11", "Methods: handling of quantitative variables, groupings chosen and why",
             study + ix.table("table1"), full=False),
        _row(s, "12a", "Methods: all statistical methods, including control for confounding",
             study + adjusted),
        _row(s, "12b", "Methods: methods for subgroups and interactions",
             ix.section("subgroups")),
        _row(s, "12c", "Methods: how missing data were addressed",
             quality + ix.table("table1") + defs, full=False),
        _row(s, "12d", "Methods: how loss to follow-up was addressed", study + defs + followup),
        _row(s, "12e", "Methods: sensitivity analyses",
             ix.section("sensitivity", "adjusted")),
        _row(s, "13a", "Results: numbers at each stage (potentially eligible, examined, "
             "eligible, included, followed up, analysed)", flow + ix.section("results")),
        _row(s, "13b", "Results: reasons for non-participation at each stage", flow),
        _row(s, "13c", "Results: consider a flow diagram", flow),
        _row(s, "14a", "Results: characteristics of participants; exposures and potential "
             "confounders", ix.table("table1")),
        _row(s, "14b", "Results: number of participants with missing data for each variable",
             ix.table("table1"), full=False),
        _row(s, "14c", "Results: follow-up time (average and total)", followup, full=False),
        _row(s, "15", "Results: numbers of outcome events or summary measures over time",
             km + survival + ix.table("table2_response")),
        _row(s, "16a", "Results: unadjusted and confounder-adjusted estimates with precision; "
             "which confounders were adjusted for and why", cox + ep_secs + adjusted,
             full=False),
        _row(s, "16b", "Results: category boundaries when continuous variables were "
             "categorised", ix.table("table1"), full=False),
        _row(s, "16c", "Results: if relevant, translate relative risk into absolute risk",
             ix.section("rmst") + survival, full=False),
        _row(s, "17", "Results: other analyses (subgroups, interactions, sensitivity)", other),
        _row(s, "18", "Discussion: key results with reference to the objectives"),
        _row(s, "19", "Discussion: limitations, sources of bias or imprecision, their "
             "direction and magnitude"),
        _row(s, "20", "Discussion: cautious overall interpretation"),
        _row(s, "21", "Discussion: generalisability (external validity)"),
        _row(s, "22", "Other: funding and the role of the funders"),
    ]
    return rows


def _record(ix: _Index) -> list[ChecklistRow]:
    flow = ix.figure("_flow")
    study = ix.section("methods", "study")
    defs = ix.section("endpoint-definitions")
    quality = ix.section("data-quality")
    facts = (Ref("section", FACTS_TITLE),)
    r = "RECORD"
    return [
        _row(r, "1.1", "Title or abstract: the type of routinely collected data used"),
        _row(r, "1.2", "Title or abstract: geographic region and time frame, if applicable"),
        _row(r, "1.3", "Title or abstract: any linkage between databases"),
        _row(r, "6.1", "Methods: how the population was selected (codes, algorithms)",
             flow + study, full=False),
        _row(r, "6.2", "Methods: validation studies of the codes or algorithms used"),
        _row(r, "6.3", "Methods: if linked, a flow diagram or description of the linkage",
             quality + flow, full=False),
        _row(r, "7.1", "Methods: complete list of codes and algorithms for exposures, "
             "outcomes, confounders and effect modifiers", defs + study, full=False),
        _row(r, "12.1", "Methods: the investigators' access to the database population"),
        _row(r, "12.2", "Methods: data cleaning", quality),
        _row(r, "12.3", "Methods: record linkage and evaluation of its quality",
             quality, full=False),
        _row(r, "13.1", "Results: selection of the persons included, including linkage and "
             "cleaning (flow diagram)", flow + quality),
        _row(r, "19.1", "Discussion: implications of data not created for this question "
             "(misclassification, unmeasured confounding, missing data, changing eligibility)"),
        _row(r, "22.1", "Other: access to the protocol, raw data and programming code",
             facts, full=False),
    ]


def _adjusted_methods(protocol) -> list[str]:
    block = getattr(protocol.analyses, "adjusted", None)
    return list(getattr(block, "methods", []) or [])


def checklist_rows(protocol, sections) -> tuple[ChecklistRow, ...]:
    """The STROBE and RECORD rows for a report made of ``sections`` (its
    :class:`~retrostudy.report.document.Section` list, before the checklist's own)."""
    ix = _Index.of(sections)
    return tuple(_strobe(ix, protocol) + _record(ix))


def checklist_table(rows) -> Table:
    out = []
    for guideline, heading in (("STROBE", "Cohort studies"),
                               ("RECORD", "Routinely collected health data")):
        out.append(Row(label=guideline, cells=text_cells(heading, "", ""), heading=True))
        out += [Row(label=r.item,
                    cells=text_cells(r.topic, "; ".join(w.text for w in r.where) or "\u2014",
                                     r.status))
                for r in rows if r.guideline == guideline]
    return Table(key="checklist", title=TITLE, stub="Item",
                 columns=("Topic", "Where in this report", "Status"), rows=tuple(out),
                 footnotes=SOURCES)


def checklist_section(table: Table) -> Section:
    intro = ("Each item of the STROBE checklist for cohort studies and of its RECORD "
             "extension for routinely collected data, with the part of this report that "
             "answers it; items marked for the authors (background, discussion, funding, "
             "the wording of title and abstract) are for the manuscript.")
    return Section("Reporting checklist", (Paragraph(intro), TableItem(table)),
                   anchor="checklist")


def checklist_docx(table: Table, report, page) -> bytes:
    """``checklist.docx``: the checklist section alone, titled with the study (``report``:
    the report's :class:`~retrostudy.report.document.Document`), in its page set-up."""
    doc = Document(title=TITLE, subtitle=report.title, synthetic=report.synthetic,
                   sections=(checklist_section(table),))
    return render_docx(doc, page)
