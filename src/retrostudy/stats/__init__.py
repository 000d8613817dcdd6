"""Statistics with R survival's numbers: pure numpy/scipy."""

from retrostudy.stats.km import KaplanMeier, Quantile, RestrictedMean, SurvivalAt, kaplan_meier
from retrostudy.stats.logrank import LogRank, logrank_test
from retrostudy.stats.profiles import Profile, get_profile
