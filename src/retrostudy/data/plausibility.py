"""Clinical plausibility of observation values: impossible values refused, unusual ones warned.

``observations`` rows whose ``name`` is one of :data:`RULES` (case-insensitive) carry a
number. Two limits apply to each (docs/data-model.md, "Plausibility checks"):

- a **hard** range, outside which a value cannot be a measurement of a living adult (or is
  not on the scale): an ``invalid_value`` problem (``error`` by default, like ECOG 7), so the
  row never reaches the analysis;
- a **usual** range, outside which a value is possible but rare enough to be worth a look
  (a 215 cm or a 32 kg patient): a ``warning`` (``unusual_value``), the row is loaded and
  the warning names patient, file, row and value.

The Karnofsky performance status is a scale from 0 to 100 in steps of 10 (Karnofsky &
Burchenal 1949; Oken et al. 1982, Am J Clin Oncol 5:649, for its ECOG correspondence): any
other number is invalid. Height (cm) and weight (kg) hard limits are wide on purpose
(50–250 cm, 20–300 kg: beyond them a value is a unit or typing error, e.g. metres or
pounds); the usual ranges (140–200 cm, 35–150 kg) are those of adult oncology populations.
The same number in another unit (1.62 for metres) is refused, not converted.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.data.readers import literal, run
from retrostudy.data.result import MAX_EXAMPLES, Finding
from retrostudy.errors import Problem


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # the observation's name, lower case
    unit: str  # an optional unit written after the number ('' for none)
    hard: tuple[float, float]  # outside: invalid_value (error)
    usual: tuple[float, float] | None  # outside (but within hard): unusual_value (warning)
    step: int | None = None  # the value must be a multiple of it
    what: str = ""  # the value in words, for messages

    def number_sql(self, text: str) -> str:
        """The number in ``text`` ('80', '80.0', '80%', '172 cm'), else NULL."""
        unit = f"\\s*({self.unit})?" if self.unit else ""
        return (f"TRY_CAST(regexp_extract(lower({text}), '^([0-9]+(\\.[0-9]+)?){unit}$', 1) "
                "AS DOUBLE)")

    def valid_sql(self, text: str) -> str:
        n = self.number_sql(text)
        step = f" AND {n} % {self.step} = 0" if self.step else ""
        return f"({n} BETWEEN {self.hard[0]} AND {self.hard[1]}{step})"

    @property
    def message(self) -> str:
        lo, hi = (_num(x) for x in self.hard)
        step = f" in steps of {self.step}" if self.step else ""
        return f"{self.what} must be a number from {lo} to {hi}{step}"

    @property
    def hint(self) -> str:
        unit = f" (in {self.unit.split('|')[0]}, the unit may follow the number)" \
            if self.unit else ""
        return f"allowed {self.name} values: {self.message.split('must be ')[1]}{unit}"


RULES: tuple[Rule, ...] = (
    Rule("karnofsky", "%", (0, 100), None, 10, "Karnofsky performance status"),
    Rule("height", "cm", (50, 250), (140, 200), None, "height (cm)"),
    Rule("weight", "kg", (20, 300), (35, 150), None, "weight (kg)"),
)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _applies(name: str, present: tuple[str, ...]) -> bool:
    return name == "observations" and {"name", "value"} <= set(present)


def problems(con, name: str, file: str, present: tuple[str, ...]) -> None:
    """Write an ``invalid_value`` problem for every observation outside its hard range."""
    if not _applies(name, present):
        return
    for rule in RULES:
        run(con,
            "INSERT INTO _problems (tbl, file, row, col, value, code, message, hint) SELECT "
            f"'observations', {literal(file)}, _row, 'value', value, 'invalid_value', "
            f"{literal(rule.message)}, {literal(rule.hint)} FROM observations "
            f"WHERE lower(name) = {literal(rule.name)} AND value IS NOT NULL "
            f"AND NOT COALESCE({rule.valid_sql('value')}, FALSE)")


def warnings(con, name: str, file: str, present: tuple[str, ...]) -> list[Finding]:
    """An ``unusual_value`` warning per loaded observation outside its usual range (up to
    ``MAX_EXAMPLES`` examples per rule, each with the rule's count); rows stay loaded.
    Runs after the rejected rows left the table, before ``_row`` is dropped."""
    if not _applies(name, present):
        return []
    out = []
    for rule in (r for r in RULES if r.usual):
        lo, hi = rule.usual
        n = rule.number_sql("value")
        rows = run(con,
                   f"SELECT _row, patient_id, value, count(*) OVER () FROM observations "
                   f"WHERE lower(name) = {literal(rule.name)} AND ({n} < {lo} OR {n} > {hi}) "
                   f"ORDER BY _row LIMIT {MAX_EXAMPLES}")
        for row, patient, value, count in rows:
            out.append(Finding(severity="warning", table="observations", count=int(count),
                               problem=Problem(
                message=f"unusual {rule.what}, outside the usual range {_num(lo)}-{_num(hi)}; "
                        "loaded as recorded",
                file=file, row=int(row), column="value", value=str(value), patient=patient,
                hint="check the value and its unit; it is kept as recorded",
                code="unusual_value")))
    return out
