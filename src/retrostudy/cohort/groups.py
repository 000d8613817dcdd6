"""Group assignment policy shared by the record path (:mod:`.build`) and the analysis-table
path (:mod:`.table`): the flow-chart labels of patients in no group or in several, and the
check that turns them into errors when the protocol says so."""

from __future__ import annotations

import pandas as pd

from retrostudy.errors import CohortError, Problem
from retrostudy.protocol.cohort import GroupsBlock

UNASSIGNED_LABEL = "Matched no group"
OVERLAP_LABEL = "Matched several groups"


def check_group_policy(block: GroupsBlock, member: pd.DataFrame, n: pd.Series) -> None:
    """Raise :class:`CohortError` naming every patient in several groups (``on_overlap =
    "error"``) or in none (``on_unassigned = "error"``); ``member`` is patient x group
    booleans and ``n`` its row sums."""
    problems = []
    if block.on_overlap == "error":
        for pid in n.index[(n > 1).to_numpy()]:
            names = [g for g in member.columns if member.at[pid, g]]
            problems.append(
                Problem(
                    message=f"patient {pid} matches several groups: {', '.join(names)}",
                    hint="make the group conditions mutually exclusive, or set "
                    'groups.on_overlap = "report" to exclude such patients as a flow-chart step',
                    code="group_overlap",
                    value=pid,
                )
            )
    if block.on_unassigned == "error":
        for pid in n.index[(n == 0).to_numpy()]:
            problems.append(
                Problem(
                    message=f"patient {pid} matches no group",
                    hint="add a criterion that excludes them, "
                    'or set groups.on_unassigned = "report"',
                    code="group_unassigned",
                    value=pid,
                )
            )
    if problems:
        raise CohortError(problems)
