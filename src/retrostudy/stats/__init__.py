"""Statistics with R survival's numbers: pure numpy/scipy."""

from retrostudy.stats.aipw import AIPWSurvival, aipw_survival
from retrostudy.stats.bootstrap import BootstrapIPTW, bootstrap_iptw
from retrostudy.stats.cause_specific import CauseSpecificCox, cause_specific_cox
from retrostudy.stats.competing import CumulativeIncidence, cumulative_incidence
from retrostudy.stats.contingency import ChisqResult, FisherResult, chisq_test, fisher_test
from retrostudy.stats.cox import CoxCoefficient, CoxPH, Test, cox_ph
from retrostudy.stats.cox_zph import CoxZPH, ZPHTerm, cox_zph
from retrostudy.stats.evalue import EValue, evalue_hr, hr_to_rr
from retrostudy.stats.finegray import FineGray, fine_gray
from retrostudy.stats.gray import GrayTest, gray_test
from retrostudy.stats.km import KaplanMeier, Quantile, RestrictedMean, SurvivalAt, kaplan_meier
from retrostudy.stats.km_table import SurvivalTable, survival_table
from retrostudy.stats.landmark import Landmark, landmark
from retrostudy.stats.logrank import LogRank, logrank_test
from retrostudy.stats.mice import Imputation, mice
from retrostudy.stats.missingness import MissingnessTable, missingness_table
from retrostudy.stats.pool import PooledTerm, pool_cox, pool_logistic, rubin_pool
from retrostudy.stats.profiles import Profile, get_profile
from retrostudy.stats.propensity import (
    Balance,
    LogisticFit,
    Matching,
    PropensityScore,
    PSWeights,
    balance_table,
    logistic_regression,
    match_nearest,
    propensity_score,
    ps_weights,
)
from retrostudy.stats.proportions import (
    ProportionCI,
    StandardisedDifference,
    binom_ci,
    smd,
    smd_table,
)
from retrostudy.stats.ranks import KruskalResult, WilcoxonResult, kruskal_test, wilcoxon_test
from retrostudy.stats.rmst import RMSTComparison, RMSTContrast, rmst_compare
from retrostudy.stats.subgroup_hrs import SubgroupHR, subgroup_hazard_ratios
from retrostudy.stats.subgroups import InteractionTest, interaction_test
from retrostudy.stats.tvc import ExposureIntervals, split_at_exposure
from retrostudy.stats.weighted import (
    WeightedRMST,
    weighted_cumulative_incidence,
    weighted_rmst,
)

__all__ = [
    "ChisqResult", "CoxCoefficient", "CoxPH", "CoxZPH", "FisherResult", "KaplanMeier",
    "KruskalResult", "LogRank", "Profile", "ProportionCI", "Quantile", "RestrictedMean",
    "StandardisedDifference", "SurvivalAt", "Test", "WilcoxonResult", "ZPHTerm",
    "binom_ci", "chisq_test", "cox_ph", "cox_zph", "fisher_test", "get_profile",
    "kaplan_meier", "kruskal_test", "logrank_test", "smd", "smd_table", "wilcoxon_test",
    "SurvivalTable", "survival_table",
    "CumulativeIncidence", "RMSTComparison", "RMSTContrast", "cumulative_incidence",
    "rmst_compare",
    "CauseSpecificCox", "GrayTest", "InteractionTest", "SubgroupHR", "cause_specific_cox",
    "gray_test", "interaction_test", "subgroup_hazard_ratios", "FineGray", "fine_gray",
    "Balance", "LogisticFit", "Matching", "PSWeights", "PropensityScore", "balance_table",
    "logistic_regression", "match_nearest", "propensity_score", "ps_weights",
    "EValue", "evalue_hr", "hr_to_rr", "Landmark", "landmark",
    "ExposureIntervals", "split_at_exposure",
    "Imputation", "mice", "MissingnessTable", "missingness_table", "PooledTerm", "pool_cox",
    "pool_logistic", "rubin_pool", "AIPWSurvival", "aipw_survival", "BootstrapIPTW",
    "bootstrap_iptw", "WeightedRMST", "weighted_cumulative_incidence", "weighted_rmst",
]
