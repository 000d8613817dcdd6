"""The cohort layer: index event, criteria with attrition, groups, lines of therapy, covariates.

Entry point: :func:`build_cohort` (``protocol``, ``store``) -> :class:`Cohort`.
"""

from retrostudy.cohort.build import build_cohort
from retrostudy.cohort.dataset import WrittenDataset, write_analysis_dataset
from retrostudy.cohort.eras import drug_eras
from retrostudy.cohort.lines import derive_lines
from retrostudy.cohort.result import Attrition, Cohort, GroupCount, Step

__all__ = [
    "Attrition",
    "Cohort",
    "GroupCount",
    "Step",
    "WrittenDataset",
    "build_cohort",
    "derive_lines",
    "drug_eras",
    "write_analysis_dataset",
]
