"""The adjusted comparison (``[analyses.adjusted]``): a propensity-score sensitivity analysis.

Treatment = the group that is not ``[groups].reference``. Steps, each with its convention:

1. Propensity score ``e(x) = P(treated | x)`` by logistic regression on the design matrix
   of :mod:`.adjusted_design` (maximum likelihood; Firth's penalised likelihood when asked,
   or automatically when ML shows separation -- ``firth = None``). Odds ratios with Wald
   CIs ``exp(b +- z se)`` and two-sided Wald p values.
2. IPTW (``"iptw"``): ATE weights ``1/e`` (treated) and ``1/(1-e)`` (reference), ATT weights
   ``1`` and ``e/(1-e)``, ATC ``(1-e)/e`` and ``1``, overlap (ATO) ``1-e`` and ``e``;
   stabilised as :func:`retrostudy.stats.ps_weights` states; scores outside ``trim`` get
   weight 0; ``truncate = q`` then caps the weights at their ``q`` quantile over the
   patients kept (type 7), counted per group (``samples.iptw.<group>.truncated``).
3. Matching (``"matching"``): greedy 1:1 nearest neighbour on the logit of the score within
   ``caliper`` SDs of the logit (treated patients with the largest score first by default),
   without replacement unless ``replace``. It estimates the effect in the matched treated.
4. Balance: standardised mean differences of every design column before and after each
   method; ``|SMD| < threshold`` counts as balanced. Effective sample sizes (Kish,
   ``(sum w)^2 / sum w^2``) per group.
5. Per endpoint (:mod:`.adjusted_survival`): crude, IPTW and matched KM, HR and test.

None of this removes unmeasured confounding or creates overlap that is not there: the
result lists each weakness it finds (``warnings``; ``flags`` for machines): separation,
imbalance left, small effective samples, unmatched patients, too few patients per term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from retrostudy.analysis import adjusted_stats as st
from retrostudy.analysis._stats import explained
from retrostudy.analysis.adjusted_curves import (
    cif_comparison,
    follow_up_limit,
    rmst_comparison,
    rmst_tau,
)
from retrostudy.analysis.adjusted_design import KEY, Design, arms, design_matrix
from retrostudy.analysis.adjusted_survival import Comparison, compare
from retrostudy.analysis.adjusted_types import (
    AdjustedConventions,
    AdjustedFlags,
    GroupSample,
    Overlap,
    PSDensity,
    PSFit,
    PSTerm,
    Samples,
    ps_density,
)
from retrostudy.analysis.checks import conventions_of, flags_and_warnings
from retrostudy.analysis.competing_status import competing_data
from retrostudy.analysis.context import Context
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.errors import Problem, ProtocolError
from retrostudy.stats import Balance


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustedResult:
    treated: str
    reference: str
    estimand: str
    methods: tuple[str, ...]
    conventions: AdjustedConventions  # every choice made, in words and values
    design: Design
    ps: np.ndarray  # propensity score per patient of the PS sample (design.rows order)
    logit: np.ndarray
    ps_density: PSDensity  # the score's kernel density per group (the overlap figure)
    ps_model: tuple[PSTerm, ...]  # one per model term, intercept first
    ps_fit: PSFit
    weights: dict[str, np.ndarray]  # method -> weight per patient (0 = out)
    balance: dict[str, dict[str, float]]  # "before" | method -> column -> SMD
    balance_detail: dict[str, Balance]  # "before" | method -> means, SMDs, variance ratios
    samples: Samples  # method -> group -> sizes and weights; the scores' overlap
    comparisons: tuple[Comparison, ...]
    flags: AdjustedFlags
    warnings: tuple[str, ...] = field(default=())

    def comparison(self, endpoint: str, method: str) -> Comparison | None:
        return next(
            (c for c in self.comparisons if c.endpoint == endpoint and c.method == method), None
        )

    @property
    def labels_of(self) -> dict[str, str]:
        """Protocol covariate -> its display label (categorical: without the level)."""
        d = self.design
        return {
            c: lb.split(": ")[0] if c in d.references else lb
            for c, lb in zip(d.covariate, d.labels, strict=True)
        }

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.endpoint for c in self.comparisons))

    def to_json(self) -> dict:
        d = self.design
        return {
            "treated_group": self.treated,
            "reference_group": self.reference,
            "estimand": self.estimand,
            "methods": list(self.methods),
            "conventions": self.conventions.to_json(),
            "covariates": [
                {"column": n, "label": lb, "binary": b, "covariate": c}
                for n, lb, b, c in zip(d.names, d.labels, d.binary, d.covariate, strict=True)
            ],
            "reference_levels": d.references,
            "missing": {"counts": d.missing, "excluded_by_group": d.excluded},
            "ps_model": {"fit": self.ps_fit.to_json(),
                         "terms": [t.to_json() for t in self.ps_model]},
            "balance": self.balance,
            "balance_detail": {k: _rows(b) for k, b in self.balance_detail.items()},
            "samples": self.samples.to_json(),
            "endpoints": {
                ep: {c.method: c.to_json() for c in self.comparisons if c.endpoint == ep}
                for ep in self.endpoints
            },
            "flags": self.flags.to_json(),
            "warnings": list(self.warnings),
        }


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


def _ps_terms(fit, labels: tuple[str, ...], conf_level: float) -> tuple[PSTerm, ...]:
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    out = []
    for name, label, b, se in zip(
        fit.names, ("(Intercept)", *labels), fit.coef, fit.std_err, strict=True
    ):
        b, se = float(b), float(se)
        ok = math.isfinite(se) and se > 0
        out.append(
            PSTerm(
                term=str(name),
                label=label,
                coef=b,
                std_err=se,
                odds_ratio=_exp(b),  # inf beyond float range (separation): printed NE
                conf_low=_exp(b - z * se) if ok else math.nan,
                conf_high=_exp(b + z * se) if ok else math.nan,
                p_value=math.erfc(abs(b / se) / math.sqrt(2)) if ok else math.nan,
            )
        )
    return tuple(out)


def _group_samples(design: Design, weights, names: tuple[str, str], trimmed=None,
                   truncated=None) -> dict[str, GroupSample]:
    """Per group; ``trimmed``/``truncated``: IPTW's counts by arm ("treated"/"control")."""
    out = {}
    for arm, g, side in zip((True, False), names, ("treated", "control"), strict=True):
        m = design.treated == arm
        w = np.ones(int(m.sum())) if weights is None else np.asarray(weights, float)[m]
        out[g] = GroupSample(
            n=int(m.sum()),
            n_used=int((w > 0).sum()),
            sum_weights=float(w.sum()),
            effective_n=st.effective_n(w),
            trimmed=None if trimmed is None else int(trimmed[side]),
            truncated=None if truncated is None else int(truncated[side]),
        )
    return out


def _specs(block, survival) -> list:
    by_name = {s.endpoint: s for s in survival}
    wanted = block.endpoints if block.endpoints is not None else list(by_name)
    unknown = [e for e in wanted if e not in by_name]
    if unknown:
        raise ProtocolError(
            Problem(
                message=f"endpoint(s) {', '.join(map(repr, unknown))} of the adjusted comparison "
                "have no [[analyses.survival]] entry",
                key=f"{KEY}.endpoints",
                hint="analysed endpoints: " + (", ".join(by_name) or "none"),
                code="adjusted_endpoint",
            )
        )
    return [by_name[e] for e in wanted]


def _endpoint(d: pd.DataFrame, spec, res_weights, cluster, names, conv, extra) -> list[Comparison]:
    """Crude and each method's comparison of one endpoint; ``extra``: the RMST horizon
    (``rmst_tau``, months or None) and the competing-risks status (``competing``: endpoint,
    landmarks, days, status; -1 = not known) of the PS sample."""
    ep = spec.endpoint
    c = time_to_event_columns(ep)
    t, e = d[c.time], d[c.event]
    ok = (t.notna() & e.notna()).to_numpy()
    arrays = {
        "time": t.to_numpy(float, na_value=np.nan)[ok],
        "event": e.to_numpy(float, na_value=np.nan)[ok].astype(int),
        "group": d["group"].astype(str).to_numpy(object)[ok],
    }
    per = conv.days_per_month
    treated = arrays["group"] == names[0]
    cols = {m: w[ok] for m, w in res_weights.items()}
    limit = follow_up_limit(arrays["time"], treated, [None, *cols.values()])
    tau, rule = rmst_tau(limit, spec.landmarks, extra.get("rmst_tau"), per)
    cr = extra.get("competing")
    out = []
    for method, w in [("crude", None), *cols.items()]:
        cl = cluster[ok] if (method == "matching" and cluster is not None) else None
        rm = rmst_comparison(arrays["time"], arrays["event"], arrays["group"], names, w, cl,
                             tau=tau, rule=rule, per=per, conf_level=conv.conf_level)
        cif = None
        if cr is not None and cr["endpoint"] == ep:
            cif = cif_comparison(cr["days"], cr["status"], d["group"].astype(str).to_numpy(object),
                                 names, None if w is None else res_weights[method],
                                 landmarks=cr["landmarks"], per=per, conf_level=conv.conf_level)
        out.append(compare(ep, method, arrays, names, conv, spec.landmarks, weights=w,
                           cluster=cl, rmst=rm, cumulative_incidence=cif))
    return out


def _competing_status(competing, d: pd.DataFrame) -> dict | None:
    """The competing-risks status of ``[analyses.competing]`` (``competing``: its block and
    the endpoint definitions) for the rows of ``d``; None without the block."""
    if competing is None:
        return None
    spec, items = competing
    cd = competing_data(spec, items, d)
    days, status = np.full(len(d), np.nan), np.full(len(d), -1)
    pos = d.index.get_indexer(cd.frame.index)
    days[pos] = cd.frame["cr_days"].to_numpy(float)
    status[pos] = cd.frame["cr_status"].to_numpy(int)
    return {"endpoint": spec.endpoint, "landmarks": tuple(spec.landmarks), "days": days,
            "status": status}


def _check_ties(conv) -> None:
    if conv.ties == "exact":
        raise ProtocolError(
            Problem(
                message="the adjusted comparison needs robust (sandwich) variances, which the "
                "exact partial likelihood (ties = 'exact') does not have (R neither)",
                key="analyses.ties",
                hint="set [analyses] ties = 'efron' or 'breslow', or remove [analyses.adjusted]",
                code="adjusted_ties",
            )
        )


def _apply(method: str, block, design: Design, ps) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """(weights, matched-set clusters or None, conventions) of one method."""
    if method == "iptw":
        pw = st.iptw(ps.ps, design.treated, block)
        more = {"iptw_trimmed": int(np.sum(np.asarray(pw.trimmed, bool))),
                "iptw_trimmed_by_arm": dict(pw.n_trimmed)}
        if pw.truncate is not None:  # weights capped at their quantile (kept patients)
            more |= {"iptw_truncate": float(pw.truncate),
                     "iptw_truncation_cap": float(pw.truncation_cap),
                     "iptw_truncated": int(np.sum(np.asarray(pw.truncated, bool))),
                     "iptw_truncated_by_arm": dict(pw.n_truncated)}
        return np.asarray(pw.weights, float), None, more
    try:
        m = st.matching(ps.logit, design.treated, block)
    except ValueError as exc:  # e.g. no pair within the caliper: omitted, with the reason
        return np.zeros(design.treated.size), None, {"matching_warnings": [str(exc)]}
    sub = np.asarray(m.subclass)
    # with replacement a control sits in several sets: cluster on patients (MatchIt: no
    # subclass; robust variance by patient)
    cluster = np.arange(sub.size) if block.replace else sub
    return (
        np.asarray(m.weights, float),
        cluster,
        {
            "caliper_width": None if m.caliper_width is None else float(m.caliper_width),
            "matching_warnings": [str(w) for w in m.warnings],
        },
    )


def _overlap(design: Design, ps: np.ndarray, names: tuple[str, str]) -> Overlap:
    """Patients per group whose score lies outside the range of the other group's scores."""
    t, c = ps[design.treated], ps[~design.treated]
    lo, hi = max(t.min(), c.min()), min(t.max(), c.max())
    return Overlap(
        common_support=(float(lo), float(hi)),
        outside={
            names[0]: int(np.sum((t < lo) | (t > hi))),
            names[1]: int(np.sum((c < lo) | (c > hi))),
        },
    )


def _rows(bal: Balance) -> list[dict]:
    return [{k: v for k, v in r.items()} for r in bal.rows()]


def run_adjusted(
    block, data: pd.DataFrame, groups, reference, conv, survival, var_labels, level_labels,
    *, rmst_tau: float | None = None, competing=None,
) -> AdjustedResult:
    """The whole adjusted comparison of ``block`` (``[analyses.adjusted]``) on ``data``;
    ``rmst_tau``: ``[analyses.rmst] tau`` (months); ``competing``: (``[analyses.competing]``,
    the endpoint definitions) for the cumulative incidence of its endpoint."""
    _check_ties(conv)
    names = arms(list(groups), reference)
    specs = _specs(block, survival)
    d = data[data["group"].astype(str).isin(names)].reset_index(drop=True)
    design = design_matrix(block, d, names[0], var_labels, level_labels)
    d = d.iloc[design.rows].reset_index(drop=True)
    with explained("adjusted comparison: propensity model", f"{KEY}.covariates"):
        ps = st.propensity(design.X, design.treated, design.names, block.firth)
    weights, cluster, extra = {}, None, {}
    samples = {"unadjusted": _group_samples(design, None, names)}
    before = st.balance(design, None, block)
    balance = {"before": dict(zip(design.names, map(float, before.smd_before), strict=True))}
    detail = {"before": before}
    for method in block.methods:
        w, cl, more = _apply(method, block, design, ps)
        by_arm = more.pop("iptw_trimmed_by_arm", None)
        capped = more.pop("iptw_truncated_by_arm", None)
        extra |= more
        if not all((w[design.treated == arm] > 0).any() for arm in (True, False)):
            extra.setdefault("methods_without_patients", []).append(method)
            continue  # e.g. no pair within the caliper: said in the warnings
        weights[method], cluster = w, cl if cl is not None else cluster
        # one scale for every column: the denominator is the unweighted SD of the estimand
        bal = st.balance(design, w, block)
        balance[method] = dict(zip(design.names, map(float, bal.smd_after), strict=True))
        detail[method] = bal
        # IPTW: trimmed (weight 0; with trim) and capped (with truncate) patients per group
        samples[method] = _group_samples(
            design, weights[method], names,
            trimmed=by_arm if block.trim is not None else None, truncated=capped)
    more = {"rmst_tau": rmst_tau, "competing": _competing_status(competing, d)}
    comparisons = tuple(
        c for spec in specs for c in _endpoint(d, spec, weights, cluster, names, conv, more)
    )
    fit = ps.fit
    ps_fit = PSFit(
        method=fit.method,
        converged=bool(fit.converged),
        iterations=int(fit.iterations),
        separation=bool(fit.separation),
        loglik=float(fit.loglik),
        n=int(design.X.shape[0]),
        terms=len(design.names),
        warnings=tuple(str(w) for w in fit.warnings),
        constant_covariates_left_out=dict(design.constant),
        aliased_columns_left_out=tuple(design.aliased),
    )
    score = np.asarray(ps.ps, float)
    sizes = Samples(by_method=samples, overlap=_overlap(design, score, names))
    flags, warns = flags_and_warnings(
        block, design, ps_fit, balance, sizes, comparisons, names, extra
    )
    warns = [
        f"adjusted comparison: covariate {name!r} has one value ({value}) for every patient, "
        "so it was left out of the propensity model (R's glm gives it an NA coefficient)"
        for name, value in design.constant.items()
    ] + [
        f"adjusted comparison: propensity-model column {name!r} is a linear combination of "
        "the columns before it on the patients used, so it was left out (R's glm gives it an "
        "NA coefficient)"
        for name in design.aliased
    ] + list(warns)
    return AdjustedResult(
        treated=names[0],
        reference=names[1],
        estimand=block.estimand,
        methods=tuple(weights),
        conventions=conventions_of(block, conv, extra),
        design=design,
        ps=score,
        logit=np.asarray(ps.logit, float),
        ps_density=ps_density(score, design.treated, names),
        ps_model=_ps_terms(fit, design.labels, conv.conf_level),
        ps_fit=ps_fit,
        weights=weights,
        balance=balance,
        balance_detail=detail,
        samples=sizes,
        comparisons=comparisons,
        flags=flags,
        warnings=tuple(warns),
    )


def run(settings, data: pd.DataFrame, ctx: Context) -> AdjustedResult:
    """The registry's entry point: ``[analyses.adjusted]`` (``settings``)."""
    rmst, comp = ctx.analyses.rmst, ctx.analyses.competing
    return run_adjusted(settings, data, ctx.groups, ctx.reference, ctx.conv,
                        ctx.analyses.survival, ctx.var_labels, ctx.level_labels,
                        rmst_tau=rmst.tau if rmst is not None else None,
                        competing=None if comp is None else (comp, ctx.endpoints))
