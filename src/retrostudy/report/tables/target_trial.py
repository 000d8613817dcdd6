"""The target-trial table (Hernán & Robins 2016, table 1) from the protocol's
``[target_trial]`` block (``TargetTrialBlock.rows()``), with its mismatches with the cohort
definition (``check_target_trial``) as footnotes; the same sentences are the study's
warnings (RS-W006, RS-W007)."""

from __future__ import annotations

from retrostudy.protocol.target_trial import check_target_trial
from retrostudy.report.table import Cell, Row, Table


def target_trial_tables(protocol) -> dict[str, Table]:
    tt = protocol.target_trial
    if tt is None:
        return {}
    rows = tuple(Row(label=k, cells=(Cell(text=v),)) for k, v in tt.rows())
    notes = ["The randomised trial this study emulates (Hern\u00e1n & Robins 2016): its "
             "eligibility, treatment assignment and start of follow-up should coincide at "
             "time zero, the index date."]
    found = check_target_trial(protocol)
    notes += [f"Mismatch ({w.key}): {w.message}" for w in found] or [
        "Checked against the cohort definition: time zero is the index date and eligibility "
        "and treatment assignment use records on or before it."]
    return {"target_trial": Table(key="target_trial", title="Target trial specification",
                                  stub="Protocol component", columns=("Target trial",),
                                  rows=rows, footnotes=tuple(notes))}
