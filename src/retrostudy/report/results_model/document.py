"""results.json at the top level: the study, the flow, the tables and figures, the data
quality accounting, the published comparison, suppression and provenance."""

from __future__ import annotations

from typing import Literal

from retrostudy.protocol.published import Comparator, Status
from retrostudy.report.results_model.analyses import Analyses
from retrostudy.report.results_model.common import Conventions, Strict, absent, doc

#: A count that small-cell suppression may mask: an integer, or a string such as ``"<5"``
#: (a small count) or ``"‡"`` (masked to protect another).
MaskedCount = int | str


class Study(Strict):
    """The study."""

    title: str = doc("`[study] title`.")
    synthetic: bool = doc("True for demonstration (synthetic) data.")


class FlowExclusion(Strict):
    """One attrition step, in protocol order (also one that excluded nobody)."""

    label: str = doc("The removed patients as the flow chart names them.")
    criterion: str = doc("The step's label in the protocol.")
    kind: Literal["include", "exclude", "unassigned", "overlap"] = doc(
        "`include`, `exclude`, `unassigned` (matched no group) or `overlap` (matched "
        "several groups).")
    n_excluded: MaskedCount = doc("Patients removed by this step.")
    n_remaining: MaskedCount = doc("Patients left after it.")


class FlowGroup(Strict):
    """A group box of the flow chart."""

    name: str = doc("Group name.")
    n: MaskedCount = doc("Patients analysed in the group.")


class Flow(Strict):
    """The flow chart (Fig. 1), from the cohort's attrition.

    With small-cell suppression, masked counts are strings: the mask (`"<5"`) for a small
    count, `"‡"` for a count masked to protect another (docs/protocol.md,
    `[report.suppression]`), and `notes` is empty."""

    source: str = doc("The identified population in words.")
    n_identified: MaskedCount = doc("Patients identified.")
    exclusions: list[FlowExclusion] = doc("Attrition steps in protocol order.")
    n_analysed: MaskedCount = doc("Patients analysed.")
    groups: list[FlowGroup] = doc("Groups in protocol order.")
    notes: list[str] = doc("Patients per outcome analysis; empty under suppression.")


class TableJson(Strict):
    """A table exactly as displayed (after suppression).

    The same text is in `tables/<key>.csv`, whose rows end with an empty row and the
    footnotes, one per row (so the test named for each marked p value travels with the
    CSV), except that a CSV cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
    return gets a leading `'` so no spreadsheet runs it as a formula (OWASP's CSV-injection
    guidance; a plain number such as `-0.25` is left as it is). Keys: `table1`,
    `survival_<endpoint>`, `cox_<endpoint>`, `ps_model`, `balance`, `adjusted_<endpoint>`,
    `adjusted_curves_<endpoint>` (with `[analyses.adjusted]`), `table2_response`,
    `followup`, `discontinuation`,
    `published`, `comparators`, `data_records` (rows read, loaded, rejected per table),
    `data_rejections` (problem classes found while loading), `endpoint_bad_input`
    (bad-input rules that fired), `data_episode_lines`, `rmst`, `competing_<endpoint>`,
    `competing_cox_<endpoint>`, `subgroups_<endpoint>`, `sensitivity`,
    `sensitivity_response` (each when present), and `checklist` (always: the STROBE and
    RECORD reporting checklist; docs/protocol.md, "Reporting checklist")."""

    title: str = doc("Title.")
    columns: list[str] = doc("Column headers, the label column's first.")
    rows: list[list[str]] = doc("Rows of cell text, the label first (two spaces of "
                                "indentation per level).")
    footnotes: list[str] = doc("Footnotes, each naming what its marks mean.")


class Figure(Strict):
    """A figure of the report."""

    key: str = doc("File stem under `figures/`.")
    title: str = doc("Title.")
    caption: str = doc("Caption.")


class NumbersAtRisk(Strict):
    """The counts printed under a Kaplan-Meier figure, checked against R in
    tests/report/test_numbers_at_risk.py. Under suppression masked counts are strings as
    in `flow` (the first is the group's analysed n and is masked with it)."""

    months: list[float] = doc("Start of each interval, months.")
    groups: dict[str, list[MaskedCount]] = doc(
        "Group -> patients under observation at each time (observed time >= t, as R's "
        "`summary(survfit, times)`); masked counts are strings under suppression.")


class PublishedValue(Strict):
    """A published number beside the reproduced one.

    The reproduced values are looked up under the key paths documented in
    `retrostudy/protocol/published.py`; `retrostudy.report.published.flat_results`
    computes them. Flow exclusions are keyed both by step number (`flow.excluded.1`, in
    protocol order) and by the criterion's label in lower case with `_` for other
    characters (`flow.excluded.received_t_dm1_as_prior_treatment`)."""

    what: str = doc("Key path of the value (retrostudy/protocol/published.py).")
    label: str = doc("What the value is, as the report prints it: \"where: label\" from "
                     "the protocol, or one built from the key and the study's labels.")
    published: float = doc("The published value.")
    reproduced: float | None = doc("The reproduced value; null when not computed.")
    difference: float | None = doc("reproduced - published.")
    decimals: int = doc("Decimals as printed.")
    match: bool = doc("The reproduced value rounded to the printed decimals equals it.")
    status: Status = doc("`match`, `differs` or `not_computed`.")
    unit: str | None = doc("Unit.")
    note: str | None = doc("Note.")


class PublishedComparison(Strict):
    """Published against reproduced numbers, and comparator studies."""

    published: list[PublishedValue] | None = absent(
        "One entry per `[published].values` entry, in order; absent without them.")
    comparators: list[Comparator] | None = absent(
        "The `[comparators]` studies as given in the protocol; absent without them.")


class Suppression(Strict):
    """Small-cell suppression."""

    threshold: int = doc("Counts below it are masked (0 = off).")
    cells_masked: int = doc("Distinct counts masked (a count printed in several places "
                            "counts once).")


class PatientLevel(Strict):
    """Whether the identifiable patient-level folder was written beside the report."""

    written: bool = doc("Whether it was written (`[report] patient_level`, "
                        "`run --patient-level`).")
    contains_identifiers: bool = doc("Whether the written files hold patient identifiers.")
    files: list[str] = doc("Table names written; empty when not written.")
    formats: list[str] = doc("File formats (`csv`, `parquet`).")


class RecordCounts(Strict):
    """Rows of one input table."""

    read: int = doc("Rows read.")
    loaded: int = doc("Rows loaded.")
    rejected: int = doc("Rows rejected (kept in the engine's rejects table).")
    not_relevant: int | None = absent("OMOP only: rows whose concept is in no concept "
                                      "set (read = loaded + rejected + not_relevant).")


class LoadProblem(Strict):
    """A problem class found while loading."""

    table: str | None = doc("Canonical table, or null for a file of the folder not read.")
    code: str = doc("Problem code, e.g. `duplicate_row`.")
    severity: str = doc("`quarantine` (rows rejected), `warning` or `note`.")
    occurrences: int = doc("Occurrences.")
    example: str = doc("File, row and message of the first occurrence (no cell value).")


class BadInputRule(Strict):
    """An endpoint bad-input rule that fired (docs/endpoints.md, "Bad input")."""

    rule: str = doc("Rule.")
    scope: str = doc("Table it concerns.")
    n_records: int = doc("Records affected.")
    n_patients: MaskedCount = doc("Patients affected; a string such as `<5` under "
                                  "suppression.")
    action: str = doc("What was done.")


class EpisodeLines(Strict):
    """OMOP regimen episodes against the derived lines of the analysed patients."""

    patients: int = doc("Analysed patients.")
    derived_lines: int = doc("Lines derived by the `[lines]` rules.")
    episode_lines: int = doc("Treatment Regimen episodes.")
    matched: int = doc("Same patient and line number.")
    same_start: int = doc("Of those, same start date.")
    same_drugs: int = doc("Of those, same drugs.")
    episode_only: int = doc("Episode lines without a derived line.")
    derived_only: int = doc("Derived lines without an episode line.")


class DataQuality(Strict):
    """What the report's "Data quality and record accounting" section shows.

    `read = loaded + rejected` always holds for every table (the loader checks it, and so
    does the report); for an OMOP CDM also `not_relevant` counts: `read = loaded + rejected
    + not_relevant`. From an analysis table (`source` `"analysis_table"`) `records` is null
    and the lists are empty."""

    source: Literal["records", "analysis_table"] = doc("Where the analysis dataset came from.")
    analysis_table: str | None = doc("The analysis table's file, else null.")
    records: dict[str, RecordCounts] | None = doc("Table -> row counts; null from an "
                                                  "analysis table.")
    load_problems: list[LoadProblem] = doc("One entry per (table, problem class).")
    bad_input: list[BadInputRule] = doc("Endpoint bad-input rules that fired.")
    episode_lines: EpisodeLines | None = absent("Only for an OMOP CDM with regimen "
                                                "episodes.")


class InputFile(Strict):
    """An input file and its hash."""

    file: str = doc("File name as the protocol's data folder names it.")
    sha256: str | None = doc("SHA-256 of its bytes.")


class Seeds(Strict):
    """Random seeds."""

    report: int = doc("`[report] seed` (no step is random; recorded for completeness).")


class Provenance(Strict):
    """What produced the numbers."""

    protocol_sha256: str | None = doc("SHA-256 of the protocol file (null when a parsed "
                                      "Protocol was passed).")
    inputs: list[InputFile] = doc("Input files, sorted by name.")
    packages: dict[str, str] = doc("Versions of Python, retrostudy and its dependencies.")
    conventions: Conventions = doc("As `analyses.conventions`.")
    seeds: Seeds = doc("Random seeds.")
    engine: str = doc("The engine that held the records, e.g. `duckdb`.")


class Results(Strict):
    """The top-level object of results.json: every number of the report."""

    schema_version: str = doc("Changes when a field is renamed or removed.")
    study: Study = doc("The study.")
    flow: Flow | None = doc("The flow chart; null without attrition.")
    analyses: Analyses | None = doc("Every estimate and count; null under small-cell "
                                    "suppression.")
    tables: dict[str, TableJson] = doc("Table key -> the table as displayed.")
    figures: list[Figure] = doc("Figures, by key.")
    numbers_at_risk: dict[str, NumbersAtRisk] = doc("Endpoint -> the counts under its "
                                                    "Kaplan-Meier figure.")
    published_comparison: PublishedComparison | None = doc(
        "Published vs reproduced, comparators; null without those blocks or under "
        "suppression.")
    endpoint_definitions: dict[str, str] = doc(
        "Endpoint name (as in `[endpoints]`) -> the rule as applied, in words (the report's "
        "\"Methods: endpoint definitions\"); from an analysis table, per "
        "`[[analyses.survival]]` endpoint the columns it was read from; `{}` when neither "
        "applies.")
    data_quality: DataQuality = doc("Record accounting and bad input.")
    suppression: Suppression = doc("Small-cell suppression.")
    patient_level: PatientLevel = doc("The identifiable patient-level folder.")
    warnings: list[str] = doc("Every warning of the study, each once.")
    provenance: Provenance = doc("What produced the numbers.")
