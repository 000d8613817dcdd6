"""The typed parts of the adjusted comparison's result (:class:`.adjusted.AdjustedResult`).

Each holds numbers (or the stats object itself) and writes its own ``results.json`` block
(``to_json``); the report reads the attributes. Conventions of each number are stated in
:mod:`.adjusted` and :mod:`.adjusted_survival`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True, kw_only=True)
class PSTerm:
    """One term of the propensity model (intercept first): log-odds coefficient, its
    odds ratio with the Wald CI ``exp(b +- z se)`` and two-sided Wald p value."""

    term: str
    label: str
    coef: float
    std_err: float
    odds_ratio: float  # inf beyond float range (separation): printed NE
    conf_low: float
    conf_high: float
    p_value: float
    test: str = "logistic_wald"

    def to_json(self) -> dict:
        return {"term": self.term, "label": self.label, "coef": self.coef,
                "std_err": self.std_err, "odds_ratio": self.odds_ratio,
                "conf_low": self.conf_low, "conf_high": self.conf_high,
                "p_value": self.p_value, "test": self.test}


@dataclass(frozen=True, slots=True, kw_only=True)
class PSFit:
    """How the propensity model was fitted, on ``n`` patients with ``terms`` columns."""

    method: str  # "ml" | "firth"
    converged: bool
    iterations: int
    separation: bool
    loglik: float
    n: int
    terms: int
    warnings: tuple[str, ...]
    constant_covariates_left_out: dict[str, str]  # covariate -> its only value
    aliased_columns_left_out: tuple[str, ...]

    def to_json(self) -> dict:
        return {"method": self.method, "converged": self.converged,
                "iterations": self.iterations, "separation": self.separation,
                "loglik": self.loglik, "n": self.n, "terms": self.terms,
                "warnings": list(self.warnings),
                "constant_covariates_left_out": dict(self.constant_covariates_left_out),
                "aliased_columns_left_out": list(self.aliased_columns_left_out)}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSample:
    """One group under one method: patients, those with weight > 0, the weights' sum and
    Kish's effective sample size; IPTW's trimmed (weight 0) and truncated (capped) counts
    when trimming or truncation was asked for (None: not asked)."""

    n: int
    n_used: int
    sum_weights: float
    effective_n: float
    trimmed: int | None = None
    truncated: int | None = None

    def to_json(self) -> dict:
        out: dict = {"n": self.n, "n_used": self.n_used, "sum_weights": self.sum_weights,
                     "effective_n": self.effective_n}
        if self.trimmed is not None:
            out["trimmed"] = self.trimmed
        if self.truncated is not None:
            out["truncated"] = self.truncated
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Overlap:
    """The range of scores shared by both groups and, per group, the patients outside it."""

    common_support: tuple[float, float]  # lo > hi: the groups' scores do not overlap
    outside: dict[str, int]

    def to_json(self) -> dict:
        return {"common_support": list(self.common_support), "outside": dict(self.outside)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Samples:
    """Sample sizes: ``by_method`` "unadjusted" and each method run -> group -> counts."""

    by_method: dict[str, dict[str, GroupSample]]
    overlap: Overlap

    def to_json(self) -> dict:
        out: dict = {m: {g: s.to_json() for g, s in by.items()}
                     for m, by in self.by_method.items()}
        out["overlap"] = self.overlap.to_json()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Truncation:
    """IPTW weights capped at their ``quantile`` (type 7, over the patients kept)."""

    quantile: float
    cap: float
    truncated: int  # patients whose weight was capped


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchingRun:
    """What matching found: the caliper width on the logit scale (None: no caliper) and
    its warnings; ``fitted`` False when no matching could be made (the warning says why)."""

    caliper_width: float | None
    warnings: tuple[str, ...]
    fitted: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustedConventions:
    """The choices behind every number of the adjusted comparison, in words and values,
    and what the methods found while applying them (trimmed, truncated, caliper width)."""

    estimand: str
    propensity_model: str
    iptw_weights: str
    trim: tuple[float, float] | None
    matching: str
    caliper: float | None
    replace: bool
    seed: int | None
    balance_threshold: float
    balance_sd: str  # SMD denominator: "pooled" or "treated"
    min_ess_fraction: float
    missing: str
    km_variance: str
    cox: str
    test: str
    conf_level: float
    iptw_trimmed: int | None = None  # None: IPTW not run
    truncation: Truncation | None = None
    matching_run: MatchingRun | None = None  # None: matching not run
    methods_without_patients: tuple[str, ...] = ()

    def to_json(self) -> dict:
        out: dict = {
            "estimand": self.estimand, "propensity_model": self.propensity_model,
            "iptw_weights": self.iptw_weights,
            "trim": None if self.trim is None else list(self.trim),
            "matching": self.matching, "caliper": self.caliper, "replace": self.replace,
            "seed": self.seed, "balance_threshold": self.balance_threshold,
            "balance_sd": self.balance_sd, "min_ess_fraction": self.min_ess_fraction,
            "missing": self.missing, "km_variance": self.km_variance, "cox": self.cox,
            "test": self.test, "conf_level": self.conf_level,
        }
        if self.iptw_trimmed is not None:
            out["iptw_trimmed"] = self.iptw_trimmed
        if self.truncation is not None:
            t = self.truncation
            out |= {"iptw_truncate": t.quantile, "iptw_truncation_cap": t.cap,
                    "iptw_truncated": t.truncated}
        if self.matching_run is not None:
            if self.matching_run.fitted:
                out["caliper_width"] = self.matching_run.caliper_width
            out["matching_warnings"] = list(self.matching_run.warnings)
        if self.methods_without_patients:
            out["methods_without_patients"] = list(self.methods_without_patients)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustedFlags:
    """The weaknesses :func:`.checks.flags_and_warnings` found, for machines."""

    separation: bool
    firth: bool
    converged: bool
    patients_per_term: float  # patients of the smaller group per model term
    outside_common_support: dict[str, int]  # group -> patients outside the shared range
    imbalanced: dict[str, tuple[str, ...]]  # method -> columns with |SMD| >= threshold
    low_ess: dict[str, tuple[str, ...]]  # "iptw" -> groups with a small ESS
    unmatched: dict[str, int]  # group -> patients without a match (matching run)
    omitted_methods: tuple[str, ...]
    monotone: tuple[str, ...]  # "endpoint:method" with a monotone Cox likelihood

    def to_json(self) -> dict:
        return {
            "separation": self.separation, "firth": self.firth, "converged": self.converged,
            "patients_per_term": self.patients_per_term,
            "outside_common_support": dict(self.outside_common_support),
            "imbalanced": {m: list(v) for m, v in self.imbalanced.items()},
            "low_ess": {m: list(v) for m, v in self.low_ess.items()},
            "unmatched": dict(self.unmatched),
            "omitted_methods": list(self.omitted_methods), "monotone": list(self.monotone),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupHazardRatio:
    """The treated group's hazard ratio from the Cox model of the group alone; NaN (shown
    as NE) under a monotone likelihood or without a fit (``not_estimable`` says why).
    ``p_value`` is the Wald p of the same variance as the CI (``test``)."""

    level: str | None
    coef: float
    std_err: float
    robust_std_err: float
    hazard_ratio: float
    conf_low: float
    conf_high: float
    p_value: float
    test: str | None  # "wald" | "robust_wald"; None without a fit
    variance: str | None
    monotone: bool
    not_estimable: str | None

    def to_json(self) -> dict:
        return {"level": self.level, "coef": self.coef, "std_err": self.std_err,
                "robust_std_err": self.robust_std_err, "hazard_ratio": self.hazard_ratio,
                "conf_low": self.conf_low, "conf_high": self.conf_high,
                "p_value": self.p_value, "test": self.test, "variance": self.variance,
                "monotone": self.monotone, "not_estimable": self.not_estimable}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupTest:
    """The test of the groups: crude, log-rank; weighted, the robust score test."""

    name: str  # in words
    test: str  # "logrank" | "robust_score"
    statistic: float
    df: float
    p_value: float
    not_estimable: str | None

    def to_json(self) -> dict:
        return {"name": self.name, "test": self.test, "statistic": self.statistic,
                "df": self.df, "p_value": self.p_value, "not_estimable": self.not_estimable}


@dataclass(frozen=True, slots=True, kw_only=True)
class PSDensity:
    r"""The propensity score's Gaussian kernel density per group on ``grid`` (the overlap
    figure draws it). Bandwidth R's ``bw.nrd0``: :math:`0.9 \min(s, IQR/1.34) n^{-1/5}`."""

    grid: np.ndarray
    density: dict[str, np.ndarray]  # group -> density on grid


def bw_nrd0(x: np.ndarray) -> float:
    """R's ``bw.nrd0``: Silverman's rule of thumb."""
    x = np.asarray(x, float)
    if x.size < 2:
        return 1.0
    sd = float(np.std(x, ddof=1))
    q75, q25 = np.quantile(x, [0.75, 0.25])
    lo = min(sd, (q75 - q25) / 1.34)
    if not lo > 0:
        lo = sd or abs(float(x[0])) or 1.0
    return 0.9 * lo * x.size**-0.2


def density(x, grid, bins: int = 2048) -> np.ndarray:
    """Gaussian kernel density of ``x`` on ``grid`` (bandwidth :func:`bw_nrd0`).

    The kernels are summed over the distinct values of ``x`` weighted by their counts
    (exact). With more than ``bins`` distinct values, ``x`` is first linearly binned onto
    ``bins`` equally spaced points, as R's ``density()`` does (there 512 points): each value
    splits its unit weight between its two neighbouring points, which changes the curve
    by O((spacing / bandwidth)^2), invisible in a figure, and keeps the work at
    ``grid.size * bins`` instead of ``grid.size * x.size`` (265k patients at 1M persons).
    """
    x = np.asarray(x, float)
    if x.size == 0:
        return np.zeros_like(grid)
    h = bw_nrd0(x)
    points, weight = np.unique(x, return_counts=True)
    if points.size > bins:
        points, weight = _linear_bins(x, bins)
    z = (grid[:, None] - points[None, :]) / h
    return np.exp(-0.5 * z * z) @ weight / (x.size * h * np.sqrt(2 * np.pi))


def _linear_bins(x: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``bins`` equally spaced points over ``x``'s range and their linear-binning weights."""
    lo, hi = float(x.min()), float(x.max())
    points = np.linspace(lo, hi, bins)
    pos = (x - lo) / (hi - lo) * (bins - 1)
    left = np.minimum(np.floor(pos).astype(np.int64), bins - 2)
    frac = pos - left
    weight = np.bincount(left, 1.0 - frac, minlength=bins)
    weight += np.bincount(left + 1, frac, minlength=bins)
    return points, weight


def ps_density(ps: np.ndarray, treated: np.ndarray, names: tuple[str, str],
               points: int = 401) -> PSDensity:
    """The density of each group's scores on ``points`` equally spaced scores in [0, 1]."""
    grid = np.linspace(0.0, 1.0, points)
    return PSDensity(grid=grid, density={
        g: density(ps[treated == arm], grid) for arm, g in zip((True, False), names, strict=True)
    })
