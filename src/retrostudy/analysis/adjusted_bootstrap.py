r"""Bootstrap, doubly robust and weighted-RMST estimates of the adjusted comparison, run when
``[analyses.adjusted]`` sets ``bootstrap = <resamples>`` and/or ``aipw = true``.

On the propensity-score sample of the adjusted comparison (same design matrix, same
treated/reference arms), for each of its endpoints:

* weighted RMST of each arm to :math:`\tau` from the IPTW Kaplan–Meier curves and their
  difference (treated − reference) with the Wald CI of the robust infinitesimal-jackknife
  variance that treats the weights as known (:func:`retrostudy.stats.weighted_rmst`,
  ``variance="robust"``; the adjusted comparison's IPTW RMST, same number and CI);
* with ``bootstrap = B``: :func:`retrostudy.stats.bootstrap_iptw` — ``B`` resamples drawn
  with ``seed``, the propensity model refitted in each and the main estimate's weighting
  rule (estimand, ``stabilized``, ``trim``) applied to its scores, the IPTW Cox hazard
  ratio and the weighted RMST difference with percentile CIs (the CI of the robust sandwich variance
  treats the score as known; the bootstrap does not);
* with ``aipw = true``: :func:`retrostudy.stats.aipw_survival` — the augmented IPW
  (doubly robust) survival difference at the endpoint's landmarks and RMST difference, with
  percentile CIs from the same ``B`` resamples when ``bootstrap`` is set.

:math:`\tau`: the adjusted comparison's (:func:`.adjusted_curves.rmst_tau`):
``[analyses.rmst] tau`` when given, else the endpoint's largest ``landmarks`` time, each
capped at the shortest last follow-up over the arms of the crude, IPTW and matched samples,
else that follow-up. A resample whose follow-up ends before
:math:`\tau` (or whose model fails) is left out and counted (``n_failed``). Landmarks beyond
follow-up are left out.

References: Austin PC. Stat Med 2016;35:5642-5655 (bootstrap of IPTW Cox models). Bai X,
Tsiatis AA, O'Brien SM. Biometrics 2013;69:830-839 (AIPW survival). Efron B, Tibshirani RJ
(1993).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import adjusted_stats as st
from retrostudy.analysis._stats import explained
from retrostudy.analysis.adjusted import _apply, _specs
from retrostudy.analysis.adjusted_curves import follow_up_limit, rmst_tau
from retrostudy.analysis.adjusted_design import KEY, arms, design_matrix
from retrostudy.analysis.context import Context
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.errors import Problem, ProtocolError
from retrostudy.stats import aipw_survival, bootstrap_iptw, weighted_rmst


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """An estimate with its CI (``method`` names where the CI comes from)."""

    estimate: float
    conf_low: float
    conf_high: float
    method: str

    def to_json(self) -> dict:
        return {"estimate": self.estimate, "conf_low": self.conf_low,
                "conf_high": self.conf_high, "method": self.method}


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustedExtra:
    """One endpoint of the adjusted comparison: weighted RMST, bootstrap and AIPW; times in
    months."""

    endpoint: str
    treated: str
    reference: str
    estimand: str
    tau: float
    tau_rule: str
    n: int
    rmst: dict[str, float]  # arm -> IPTW-weighted RMST
    rmst_difference: Interval  # weights treated as known (Wald)
    bootstrap_hr: Interval | None = None
    bootstrap_rmst_difference: Interval | None = None
    aipw_rmst_difference: Interval | None = None
    aipw_survival_difference: tuple[tuple[float, Interval], ...] = ()  # (months, difference)
    n_resamples: int = 0
    n_failed: int = 0  # bootstrap resamples of the IPTW analysis left out
    n_failed_aipw: int = 0  # bootstrap resamples of the AIPW estimate left out
    aipw_estimand: str | None = None  # what the AIPW estimate targets (ATE), when computed
    seed: int | None = None
    notes: tuple[str, ...] = ()

    def methods_notes(self) -> tuple[str, ...]:
        """Methods sentences on what the estimates target, from this result's fields."""
        if self.aipw_estimand is None:
            return ()
        same = self.aipw_estimand == self.estimand
        return (f"The doubly robust estimate uses the adjusted comparison's propensity model "
                f"and targets the {self.aipw_estimand}"
                + ("." if same else f", while the weighted analyses target the "
                   f"{self.estimand}; the two estimate different effects."),)

    def to_json(self) -> dict:
        out = {
            "treated_group": self.treated, "reference_group": self.reference,
            "estimand": self.estimand, "tau_months": self.tau, "tau_rule": self.tau_rule,
            "n": self.n, "weighted_rmst": dict(self.rmst),
            "weighted_rmst_difference": self.rmst_difference.to_json(),
            "n_resamples": self.n_resamples, "n_failed": self.n_failed,
            "n_failed_aipw": self.n_failed_aipw, "seed": self.seed,
            "notes": list(self.notes),
        }
        if self.bootstrap_hr is not None:
            out["bootstrap_hazard_ratio"] = self.bootstrap_hr.to_json()
            out["bootstrap_rmst_difference"] = self.bootstrap_rmst_difference.to_json()
        if self.aipw_rmst_difference is not None:
            out["aipw_estimand"] = self.aipw_estimand
            out["aipw_rmst_difference"] = self.aipw_rmst_difference.to_json()
            out["aipw_survival_difference"] = [
                {"months": m, **iv.to_json()} for m, iv in self.aipw_survival_difference]
        return out


def _endpoint(d, design, ps, spec, block, ctx, names) -> AdjustedExtra:
    per, conv = ctx.conv.days_per_month, ctx.conv
    c = time_to_event_columns(spec.endpoint)
    ok = (d[c.time].notna() & d[c.event].notna()).to_numpy()
    # the propensity model and the weights of the adjusted comparison itself (every patient
    # of the PS sample); the outcome analysis uses the patients with the endpoint (``ok``)
    w_all = np.asarray(st.iptw(ps.ps, design.treated, block).weights, float)
    t_all = d[c.time].to_numpy(float, na_value=np.nan)
    e_all = d[c.event].to_numpy(float, na_value=np.nan)
    a_all = design.treated.astype(int)
    t, e, a, w = t_all[ok], e_all[ok].astype(int), a_all[ok], w_all[ok]
    used = w > 0  # trimmed patients (weight 0) are out of the curves, as in the comparison
    # tau as the adjusted comparison chooses it (over its crude, IPTW and matched samples)
    others = [_apply(m, block, design, ps)[0][ok] for m in block.methods if m != "iptw"]
    limit = follow_up_limit(t, a == 1, [None, w, *others])
    tau, rule = rmst_tau(limit, spec.landmarks,
                         ctx.analyses.rmst.tau if ctx.analyses.rmst is not None else None, per)
    notes = []
    grp = np.where(a == 1, names[0], names[1]).astype(object)
    wr = weighted_rmst(t[used], e[used], grp[used], w[used], tau=tau,
                       groups=(names[1], names[0]), conf_level=conv.conf_level,
                       variance="robust")
    res = dict(endpoint=spec.endpoint, treated=names[0], reference=names[1],
               estimand=block.estimand, tau=tau / per, tau_rule=rule, n=int(t.size),
               rmst={names[1]: wr.rmst[0] / per, names[0]: wr.rmst[1] / per},
               rmst_difference=Interval(estimate=wr.difference / per,
                                        conf_low=wr.conf_low / per,
                                        conf_high=wr.conf_high / per,
                                        method="wald_robust_weights_known"))
    b = block.bootstrap or 0
    firth = ps.fit.method == "firth"  # forced, or chosen because ML showed separation
    if b:
        with explained(f"{spec.endpoint}: bootstrap of the IPTW analysis", f"{KEY}.bootstrap"):
            # the same weighting rule (estimand, stabilisation, trim) in every resample,
            # applied to the resample's refitted scores: the CI of the main estimator
            bs = bootstrap_iptw(t_all, e_all, a_all, design.X, tau=tau, estimand=block.estimand,
                                n_resamples=b, seed=block.seed, ties=conv.ties,
                                conf_level=conv.conf_level, names=design.names,
                                stabilized=block.stabilized,
                                trim=None if block.trim is None else tuple(block.trim),
                                truncate=block.truncate, analysed=ok, firth=firth)
        if firth:
            notes.append("The propensity model is Firth's penalised logistic regression, as "
                         "in the adjusted comparison, and is refitted so in each resample.")
        if block.truncate is not None:
            notes.append(f"Each resample truncates its weights at their {block.truncate:g} "
                         "quantile, as the main estimate does.")
        if block.trim is not None:
            notes.append(f"Each resample trims the scores outside [{block.trim[0]:g}, "
                         f"{block.trim[1]:g}] of its refitted propensity model, as the main "
                         "estimate does.")
        res |= dict(
            bootstrap_hr=Interval(estimate=bs.hazard_ratio, conf_low=bs.hr_conf_low,
                                  conf_high=bs.hr_conf_high, method="bootstrap_percentile"),
            bootstrap_rmst_difference=Interval(
                estimate=bs.rmst_diff / per, conf_low=bs.rmst_conf_low / per,
                conf_high=bs.rmst_conf_high / per, method="bootstrap_percentile"),
            n_resamples=b, n_failed=bs.n_failed, seed=block.seed)
    if block.aipw:
        marks = tuple(m for m in spec.landmarks if 0 < m * per <= limit)
        with explained(f"{spec.endpoint}: doubly robust (AIPW) estimate", f"{KEY}.aipw"):
            # the adjusted comparison's propensity model: fitted on the whole PS sample,
            # same covariates, same ML/Firth choice; the outcome part on the endpoint's rows
            ap = aipw_survival(t_all, e_all, a_all, design.X, tau=tau,
                               landmarks=[m * per for m in marks], names_ps=design.names,
                               n_resamples=b, seed=block.seed, conf_level=conv.conf_level,
                               analysed=ok, firth=firth)
        if block.estimand != ap.estimand:
            notes.append(f"The doubly robust (AIPW) estimate targets the {ap.estimand} (all "
                         f"{int(ok.sum())} patients with the endpoint), while the weighted "
                         f"analyses target the {block.estimand}: they estimate different "
                         "effects.")
        ci = ap.rmst_diff_ci or (np.nan, np.nan)
        kind = "bootstrap_percentile" if b else "none"
        res |= dict(
            aipw_rmst_difference=Interval(estimate=ap.rmst_diff / per, conf_low=ci[0] / per,
                                          conf_high=ci[1] / per, method=kind),
            aipw_survival_difference=tuple(
                (m, Interval(estimate=float(dv),
                             conf_low=float(ap.surv_diff_ci[i][0]) if ap.surv_diff_ci
                             else np.nan,
                             conf_high=float(ap.surv_diff_ci[i][1]) if ap.surv_diff_ci
                             else np.nan, method=kind))
                for i, (m, dv) in enumerate(zip(marks, ap.surv_diff, strict=True))),
            n_resamples=b, n_failed_aipw=ap.n_failed, seed=block.seed,
            aipw_estimand=ap.estimand)
    return AdjustedExtra(**res, notes=tuple(notes))


def _check_aipw(block) -> None:
    """AIPW divides by the untrimmed, untruncated scores: refuse it beside trim/truncate
    rather than report a doubly robust estimate of a different population."""
    keys = [k for k in ("trim", "truncate") if getattr(block, k) is not None]
    if block.aipw and keys:
        raise ProtocolError(Problem(
            message=f"aipw = true cannot be combined with {' and '.join(keys)}: the doubly "
            "robust estimate uses the propensity scores themselves (every patient, no weight "
            "cap), so it would not estimate the same thing as the trimmed or truncated "
            "weighted analyses",
            key=f"{KEY}.aipw",
            hint=f"remove {' and '.join(keys)} from [analyses.adjusted], or set aipw = false "
            "(the bootstrap applies trim and truncate in every resample)",
            code="adjusted_aipw_trim"))


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[AdjustedExtra, ...]:
    """The registry's entry point: ``[analyses.adjusted]`` (``settings``) when it asks for
    ``bootstrap`` or ``aipw``."""
    _check_aipw(settings)
    names = arms(list(ctx.groups), ctx.reference)
    d = data[data["group"].astype(str).isin(names)].reset_index(drop=True)
    design = design_matrix(settings, d, names[0], ctx.var_labels, ctx.level_labels)
    d = d.iloc[design.rows].reset_index(drop=True)
    with explained("adjusted comparison: propensity model", f"{KEY}.covariates"):
        ps = st.propensity(design.X, design.treated, design.names, settings.firth)
    return tuple(_endpoint(d, design, ps, spec, settings, ctx, names)
                 for spec in _specs(settings, ctx.analyses.survival))
