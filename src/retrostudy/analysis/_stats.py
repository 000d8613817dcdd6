"""The one place the analysis layer calls :mod:`retrostudy.stats`.

Everything else in ``analysis`` works with the small frozen records below, so a change in
a stats signature is absorbed here. All times passed to stats are integer days.
"""

from __future__ import annotations

import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from retrostudy.errors import Problem, RetroStudyError
from retrostudy.stats import binom_ci as ci
from retrostudy.stats import (
    chisq_test,
    cox_ph,
    fisher_test,
    get_profile,
    kruskal_test,
    logrank_test,
    smd,
    smd_table,
    wilcoxon_test,
)
from retrostudy.stats import kaplan_meier as km


@dataclass(frozen=True, slots=True, kw_only=True)
class Conventions:
    profile: str
    conf_type: str
    ties: str
    conf_level: float
    days_per_month: float
    chisq_correct: bool = False  # Yates in the default 2x2 chi-square (EZR)


def conventions(block) -> Conventions:
    """The profile's choices (retrostudy.stats.profiles), with the protocol's overrides."""
    prof = get_profile(block.profile)
    return Conventions(
        profile=prof.name,
        conf_type=block.conf_type or prof.conf_type,
        ties=block.ties or prof.ties,
        conf_level=block.conf_level,
        days_per_month=block.days_per_month,
        chisq_correct=prof.chisq_correct,
    )


@contextmanager
def explained(where: str, key: str | None = None):
    """Turn a statistics ValueError (bad or degenerate data) into a readable user error."""
    try:
        yield
    except ValueError as exc:
        raise RetroStudyError(
            Problem(
                message=f"{where}: {exc}",
                column=key,
                hint="check this variable in the analysis dataset "
                "(e.g. constant, or all missing in a group)",
            )
        ) from None


# cox_ph's ValueErrors that mean "not estimable on these data" (R: coefficient NA), not bad
# input: the model is kept with NaN estimates and this message as its reason.
DEGENERATE = re.compile(r"no events|is constant|singular design|have no rows")


def degenerate_reason(exc: ValueError) -> str:
    """The reason shown for a :data:`DEGENERATE` error ("no events" said plainly)."""
    text = str(exc)
    return "no events among its patients (all censored)" if "no events" in text else text


def as_float(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def kaplan_meier(time, event, conv: Conventions, entry=None):
    """``entry``: delayed entry (left truncation), R's ``Surv(entry, time, event)``."""
    return km(
        np.asarray(time, float),
        np.asarray(event, int),
        conf_type=conv.conf_type,
        conf_level=conv.conf_level,
        entry=None if entry is None else np.asarray(entry, float),
    )


def km_median(fit) -> tuple[float, float, float]:
    q = fit.median()
    return as_float(q.estimate), as_float(q.conf_low), as_float(q.conf_high)


def km_at(fit, times) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Survival and its CI at ``times`` (days), R's ``summary(fit, times=)``."""
    res = fit.at(np.asarray(times, float))
    return (
        np.asarray(res.survival, float),
        np.asarray(res.conf_low, float),
        np.asarray(res.conf_high, float),
    )


def logrank(time, event, group):
    return logrank_test(np.asarray(time, float), np.asarray(event, int), np.asarray(group, object))


def cox(data: dict, *, covariates: list[str], levels: dict, conv: Conventions,
        weights: str | None = None, robust: bool | None = None, cluster: str | None = None,
        firth: bool = False, entry: str | None = None):
    """Fit with :func:`retrostudy.stats.cox_ph`; a monotone likelihood comes back in the fit
    (``fit.monotone``, ``fit.warnings``) and is reported by the caller, not as a Python warning.
    ``weights``, ``robust`` and ``cluster`` are passed on unchanged (column names of ``data``);
    ``firth``: Firth's penalised likelihood (Breslow ties, profile-likelihood CI and p);
    ``entry``: the column of entry days (delayed entry, ``Surv(entry, time, event)``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*monotone likelihood.*", category=RuntimeWarning
        )
        return cox_ph(
            data,
            time="time",
            event="event",
            covariates=covariates,
            ties=conv.ties,
            levels=levels,
            weights=weights,
            robust=robust,
            cluster=cluster,
            conf_level=conv.conf_level,
            firth=firth,
            entry=entry,
        )


Level = str | int | float | bool | None
"""A covariate level as the data hold it (None: the one term of a numeric covariate)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatTest:
    """A test statistic, its degrees of freedom and two-sided p. ``test`` names the test (the
    name results.json and the report's footnotes use; None: not computed, no name written),
    ``note`` says why it was not computed. NaN: not computed."""

    statistic: float
    df: float
    p_value: float
    test: str | None = None
    note: str | None = None

    def to_json(self) -> dict:
        out: dict = {"statistic": self.statistic, "df": self.df, "p_value": self.p_value}
        if self.test is not None:
            out["test"] = self.test
        if self.note is not None:
            out["note"] = self.note
        return out


NOT_TESTED = StatTest(statistic=math.nan, df=math.nan, p_value=math.nan)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelTests:
    """The global tests of a Cox model (likelihood ratio, Wald, score: R's ``summary(coxph)``)
    and Harrell's C."""

    lr: StatTest
    wald: StatTest
    score: StatTest
    concordance: float

    def to_json(self) -> dict:
        return {"lr": self.lr.to_json(), "wald": self.wald.to_json(),
                "score": self.score.to_json(), "concordance": self.concordance}


@dataclass(frozen=True, slots=True, kw_only=True)
class HazardRatio:
    """One term of a Cox model: the hazard ratio of ``level`` of ``variable`` (None: per
    unit of a numeric covariate) against its reference, its CI and the two-sided p of the
    same Wald statistic (``test``: "wald", or "robust_wald" with a sandwich variance). NaN:
    not estimable."""

    variable: str
    level: Level
    hazard_ratio: float
    conf_low: float
    conf_high: float
    p_value: float
    test: str

    def to_json(self) -> dict:
        return {"variable": self.variable, "level": self.level,
                "hazard_ratio": self.hazard_ratio, "conf_low": self.conf_low,
                "conf_high": self.conf_high, "p_value": self.p_value, "test": self.test}


def coefficient_records(fit) -> list[HazardRatio]:
    """Hazard ratios of a fit; under a monotone likelihood they do not exist (the iterates
    diverge), so every estimate is missing (shown as NE) rather than a huge number -- unless
    the fit is Firth's penalised one (finite; its CI and p from the profile penalised
    likelihood, ``test = "profile_likelihood"``)."""
    ok = not fit.monotone or fit.firth
    return [
        HazardRatio(
            variable=c.variable,
            level=c.level,
            hazard_ratio=as_float(c.hazard_ratio) if ok else math.nan,
            conf_low=as_float(c.conf_low) if ok else math.nan,
            conf_high=as_float(c.conf_high) if ok else math.nan,
            p_value=as_float(c.p_value) if ok else math.nan,
            # the p of the same Wald statistic as the CI beside it
            test=("profile_likelihood" if fit.firth else
                  "robust_wald" if c.robust_std_err is not None else "wald"),
        )
        for c in fit.coefficients
    ]


def model_tests(fit, delayed_entry: bool = False) -> ModelTests:
    """Likelihood-ratio, Wald and score tests and Harrell's C of a Cox fit (NaN for a fit
    with delayed entry, for which it is not computed)."""
    tests = {
        name: StatTest(statistic=as_float(t.statistic), df=as_float(t.df),
                       p_value=as_float(t.p_value), test=f"cox_{name}")
        for name, t in (("lr", fit.lr_test), ("wald", fit.wald_test), ("score", fit.score_test))
    }
    return ModelTests(**tests, concordance=(math.nan if delayed_entry
                                            else as_float(fit.concordance.estimate)))


def p_of(result) -> float:
    return as_float(getattr(result, "p_value", result))


def chisq(table, correct: bool) -> float:
    return p_of(chisq_test(np.asarray(table, float), correct=correct))


def fisher(table) -> float:
    return p_of(fisher_test(np.asarray(table, int)))


def wilcoxon(x, y) -> float:
    return p_of(wilcoxon_test(np.asarray(x, float), np.asarray(y, float)))


def kruskal(samples) -> float:
    return p_of(kruskal_test(*[np.asarray(s, float) for s in samples]))


def binom_ci(x: int, n: int, method: str, conf_level: float) -> tuple[float, float]:
    res = ci(x, n, conf_level=conf_level, method=method)
    return as_float(res.conf_low), as_float(res.conf_high)


def smd_continuous(x, y) -> float:
    return abs(as_float(smd(np.asarray(x, float), np.asarray(y, float)).estimate))


def smd_categorical(counts) -> float:
    """``counts``: groups x levels."""
    return as_float(smd_table(np.asarray(counts, int)).estimate)
