"""retrostudy: a retrospective cohort study from hospital records, from one protocol file.

The Python API::

    import retrostudy as rs

    result = rs.run_study("study.toml", out="report")   # the whole study, as the CLI runs it
    protocol = rs.load_protocol("study.toml")            # the validated protocol
    rs.table_one(df, by="arm")                           # Table 1 of any DataFrame
    km = rs.kaplan_meier(time, event)                    # the statistics (retrostudy.stats)
    km.plot(ax=ax); km.to_frame()

Names are loaded when first used, so ``import retrostudy.stats`` stays numpy/scipy only.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Protocol", "StudyResult", "__version__", "load_protocol", "run_study", "table_one",
    # retrostudy.stats
    "balance_table", "binom_ci", "cause_specific_cox", "chisq_test", "cox_ph", "cox_zph",
    "cumulative_incidence", "evalue_hr", "fine_gray", "fisher_test", "get_profile",
    "gray_test", "hr_to_rr", "interaction_test", "kaplan_meier", "kruskal_test", "landmark",
    "logistic_regression", "logrank_test", "match_nearest", "propensity_score", "ps_weights",
    "rmst_compare", "smd", "smd_table", "split_at_exposure", "subgroup_hazard_ratios",
    "wilcoxon_test",
    "aipw_survival", "bootstrap_iptw", "mice", "missingness_table", "pool_cox",
    "pool_logistic", "rubin_pool", "weighted_cumulative_incidence", "weighted_rmst",
    "survival_table",
]
_WHERE = {
    "run_study": "retrostudy.pipeline",
    "StudyResult": "retrostudy.pipeline",
    "load_protocol": "retrostudy.protocol",
    "Protocol": "retrostudy.protocol",
    "table_one": "retrostudy.report.tables.table1",
}
_WHERE |= {name: "retrostudy.stats" for name in __all__[__all__.index("balance_table"):]}

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from retrostudy.pipeline import StudyResult, run_study
    from retrostudy.protocol import Protocol, load_protocol
    from retrostudy.report.tables.table1 import table_one
    from retrostudy.stats import (
        aipw_survival,
        balance_table,
        binom_ci,
        bootstrap_iptw,
        cause_specific_cox,
        chisq_test,
        cox_ph,
        cox_zph,
        cumulative_incidence,
        evalue_hr,
        fine_gray,
        fisher_test,
        get_profile,
        gray_test,
        hr_to_rr,
        interaction_test,
        kaplan_meier,
        kruskal_test,
        landmark,
        logistic_regression,
        logrank_test,
        match_nearest,
        mice,
        missingness_table,
        pool_cox,
        pool_logistic,
        propensity_score,
        ps_weights,
        rmst_compare,
        rubin_pool,
        smd,
        smd_table,
        split_at_exposure,
        subgroup_hazard_ratios,
        survival_table,
        weighted_cumulative_incidence,
        weighted_rmst,
        wilcoxon_test,
    )


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'retrostudy' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
