"""Statistics with R survival's numbers: pure numpy/scipy."""

from retrostudy.stats.km import KaplanMeier, Quantile, RestrictedMean, SurvivalAt, kaplan_meier
from retrostudy.stats.logrank import LogRank, logrank_test
from retrostudy.stats.profiles import Profile, get_profile
from retrostudy.stats.cox import CoxCoefficient, CoxPH, Test, cox_ph
from retrostudy.stats.cox_zph import CoxZPH, ZPHTerm, cox_zph
