r"""Competing risks of ``[analyses.competing]``: progression vs death without progression.

Per group, the Aalen–Johansen cumulative incidence of each cause (R survival's multi-state
``survfit``: infinitesimal-jackknife SE, log-scale CI) read at the landmarks as R's
``summary(fit, times=)`` (last value at or before t, carried after the last time); Gray's
test of equal cumulative incidence across groups per cause (cmprsk's ``cuminc``,
:math:`\rho = 0`); cause-specific Cox models per cause — the hazard of that cause with the
other cause censored — crude (group alone) and adjusted (the endpoint's ``adjust``
covariates), with the study's Cox conventions. Status derivation: competing_status.py.

References: Aalen & Johansen, Scand J Stat 1978; Gray, Ann Stat 1988;16:1141-54; Putter,
Fiocco & Geskus, Stat Med 2007;26:2389-430.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from retrostudy.analysis import _stats
from retrostudy.analysis._stats import NOT_TESTED, HazardRatio, Level, StatTest
from retrostudy.analysis.checks import keyed, require_columns
from retrostudy.analysis.competing_finegray import FineGrayModel, finegray_models
from retrostudy.analysis.competing_status import CAUSES, KEY, competing_data
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import CoxModel, fit_model
from retrostudy.analysis.survival import AtRisk, at_risk
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import cumulative_incidence, gray_test


@dataclass(frozen=True, slots=True)
class _CoxSpec:
    """What :func:`retrostudy.analysis.cox.fit_model` reads of a survival spec."""

    endpoint: str
    reference: dict[str, Level]


@dataclass(frozen=True, slots=True, kw_only=True)
class CifPoint:
    """The cumulative incidence of one cause at a landmark (``months``), with its CI; read
    as R's ``summary(fit, times=)`` (0 with no CI before the first event)."""

    months: float
    cause: str
    incidence: float
    conf_low: float
    conf_high: float

    def to_json(self) -> dict:
        return {"months": self.months, "cause": self.cause, "incidence": self.incidence,
                "conf_low": self.conf_low, "conf_high": self.conf_high}


@dataclass(frozen=True, slots=True, kw_only=True)
class CifGroup:
    """One group: patients, events per cause, the incidence at the landmarks."""

    n: int
    events: dict[str, int]  # cause name -> events
    landmarks: tuple[CifPoint, ...]

    def to_json(self) -> dict:
        return {"n": self.n, "events": dict(self.events),
                "landmarks": [x.to_json() for x in self.landmarks]}


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CifCurve:
    """One group's Aalen–Johansen step functions for the figure: after each event ``time``
    (months), the cumulative incidence of each cause (one column per cause, CAUSES order)."""

    time: np.ndarray
    incidence: np.ndarray  # (times, causes)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetingResult:
    endpoint: str
    label: str
    deaths_from: str
    method: str
    rule: str
    reference: str
    n_excluded: int
    groups: dict[str, CifGroup]  # group -> its counts and landmark incidences
    curves: dict[str, CifCurve]  # group -> its curves (figure)
    gray: dict[str, StatTest]  # cause name -> Gray's test (NaN with a note: not computed)
    cox: dict[str, tuple[CoxModel, ...]]  # cause name -> cause-specific models
    adjust: tuple[str, ...]
    landmarks: tuple[float, ...]
    at_risk: AtRisk  # of either event, under the figure, at [report.km]'s break months
    warnings: tuple[str, ...] = field(default=())
    finegray: dict[str, tuple[FineGrayModel, ...]] = field(default_factory=dict)  # per cause

    def subdistribution_hr(self, cause: str, model: str) -> HazardRatio | None:
        m: FineGrayModel | None = next(
            (m for m in self.finegray.get(cause, ()) if m.name == model), None)
        if m is None:
            return None
        return next((c for c in m.coefficients if c.variable == "group"), None)

    def group_hr(self, cause: str, model: str) -> HazardRatio | None:
        m = next((m for m in self.cox.get(cause, ()) if m.name == model), None)
        if m is None:
            return None
        return next((c for c in m.coefficients if c.variable == "group"), None)

    def to_json(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "label": self.label,
            "deaths_from": self.deaths_from,
            "derivation": {"method": self.method, "rule": self.rule},
            "causes": {str(k): v for k, v in CAUSES.items()},
            "reference_group": self.reference,
            "n_excluded_missing": self.n_excluded,
            "cumulative_incidence": {
                "method": "Aalen-Johansen (R survival multi-state survfit)",
                "variance": "infinitesimal jackknife",
                "conf_type": "log",
                "groups": {g: v.to_json() for g, v in self.groups.items()},
            },
            "gray_test": {cause: t.to_json() for cause, t in self.gray.items()},
            "cause_specific_cox": {
                cause: [m.to_json() for m in models] for cause, models in self.cox.items()
            },
            "fine_gray": {
                cause: [m.to_json() for m in models] for cause, models in self.finegray.items()
            },
            "adjust": list(self.adjust),
            "warnings": list(self.warnings),
        }


def cif_at_landmarks(fit, landmarks, per: float) -> tuple[CifPoint, ...]:
    """Each cause's cumulative incidence of ``fit`` with its CI at each landmark (months;
    ``per`` days a month), read as R's ``summary(fit, times=)``: 0 with no CI before the
    first event time; ``fit`` None (no events): 0 with no CI everywhere."""
    if fit is None:
        return tuple(CifPoint(months=float(m), cause=CAUSES[c], incidence=0.0,
                              conf_low=np.nan, conf_high=np.nan)
                     for m in landmarks for c in CAUSES)
    rows = np.searchsorted(fit.time, np.asarray(landmarks, float) * per, side="right") - 1
    marks = []
    for m, r in zip(landmarks, rows, strict=True):
        for j, c in enumerate(CAUSES):
            before = r < 0
            marks.append(CifPoint(
                months=float(m), cause=CAUSES[c],
                incidence=0.0 if before else float(fit.incidence[r, j]),
                conf_low=np.nan if before else float(fit.conf_low[r, j]),
                conf_high=np.nan if before else float(fit.conf_high[r, j]),
            ))
    return tuple(marks)


def _cif_group(days, status, landmarks, conv) -> tuple[CifGroup, CifCurve]:
    per = conv.days_per_month
    events = {CAUSES[c]: int((status == c).sum()) for c in CAUSES}
    if not (status > 0).any():
        return (CifGroup(n=int(days.size), events=events,
                         landmarks=cif_at_landmarks(None, landmarks, per)),
                CifCurve(time=np.zeros(0), incidence=np.zeros((0, 2))))
    fit = cumulative_incidence(days, status, causes=list(CAUSES), conf_level=conv.conf_level)
    curve = CifCurve(time=fit.time / per, incidence=fit.incidence)
    return (CifGroup(n=int(days.size), events=events,
                     landmarks=cif_at_landmarks(fit, landmarks, per)), curve)


def _gray(days, status, group) -> tuple[dict[str, StatTest], list[str]]:
    out, notes = {}, []
    for c, name in CAUSES.items():
        if not (status == c).any():
            out[name] = replace(NOT_TESTED, test="gray", note="no events of this cause")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                g = gray_test(days, status, group, cause=c)
        except ValueError as exc:
            out[name] = replace(NOT_TESTED, test="gray", note=str(exc))
            notes.append(f"Gray's test for {name.replace('_', ' ')} not computed: {exc}")
            continue
        out[name] = StatTest(statistic=_stats.as_float(g.statistic), df=_stats.as_float(g.df),
                             p_value=_stats.as_float(g.p_value), test="gray")
    return out, notes


def _cause_models(d, ep, adjust, reference_levels, reference, conv
                  ) -> dict[str, tuple[CoxModel, ...]]:
    """Per cause, crude and adjusted Cox models of that cause's hazard (the other censored).

    A cause without events in a group has a monotone likelihood: the model is refitted with
    Firth's penalised likelihood (``method = "firth"``, as the endpoint models; Heinze &
    Schemper 2001) and flagged (numpy's sqrt-of-negative-variance warnings are silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _cause_models_fit(d, ep, adjust, reference_levels, reference, conv)


def _cause_models_fit(d, ep, adjust, reference_levels, reference, conv
                      ) -> dict[str, tuple[CoxModel, ...]]:
    out: dict[str, tuple[CoxModel, ...]] = {}
    for c, name in CAUSES.items():
        cs = f"{ep}_{name}"  # a cause-specific endpoint, bound like any other
        cols = time_to_event_columns(cs)
        frame = d.assign(**{cols.time: d["cr_days"], cols.event: (d["cr_status"] == c)
                            .astype(int)})
        spec = _CoxSpec(endpoint=cs, reference=reference_levels)
        models: list[CoxModel] = []
        if not (frame[cols.event] == 1).any():
            out[name] = ()
            continue
        with keyed(f"{KEY}.adjust", f"competing risks, cause-specific models for {name}"):
            models.append(fit_model(frame, "unadjusted", ["group"], spec, reference, conv,
                                    firth_if_monotone=True))
            if adjust:
                models.append(fit_model(frame, "adjusted", ["group", *adjust], spec, reference,
                                        conv, firth_if_monotone=True))
        out[name] = tuple(models)
    return out


def _cox_notes(cox: dict[str, tuple[CoxModel, ...]], epv_min: float) -> list[str]:
    notes = []
    for cause, models in cox.items():
        what = cause.replace("_", " ")
        if not models:
            notes.append(f"No {what} events: no cause-specific Cox model.")
        for m in models:
            if m.not_estimable:
                notes.append(f"Cause-specific {m.name} model for {what}: not estimable "
                             f"({m.not_estimable}), hazard ratios NE.")
            elif m.monotone and m.method == "firth":
                notes.append(f"Cause-specific {m.name} model for {what}: monotone likelihood "
                             "(a group without events, or separation), so Firth's penalised "
                             "estimates are shown (profile penalised-likelihood CI and p, "
                             "Breslow ties, as R's coxphf).")
            elif m.monotone:
                notes.append(f"Cause-specific {m.name} model for {what}: monotone likelihood "
                             "(a group without events), hazard ratios not estimable (NE).")
            elif m.epv < epv_min:
                notes.append(f"Cause-specific {m.name} model for {what}: {m.n_events} events for "
                             f"{len(m.coefficients)} term(s), below {epv_min:g} per term.")
    return notes


def run(settings, data, ctx: Context) -> CompetingResult:
    """The registry's entry point: ``[analyses.competing]`` (``settings``)."""
    spec, groups, reference, conv = settings, ctx.groups, ctx.reference, ctx.conv
    label = ctx.endpoint_labels.get(spec.endpoint, "Competing risks")
    cd = competing_data(spec, ctx.endpoints, data)
    surv = next((s for s in ctx.analyses.survival if s.endpoint == spec.endpoint), None)
    adjust = spec.adjust if spec.adjust is not None else (list(surv.adjust) if surv else [])
    require_columns(data, [(f"{KEY}.adjust", c) for c in adjust])
    reference_levels = {**(surv.reference if surv else {}), **spec.reference}
    d = cd.frame
    d = d[d["group"].isin(groups)]  # patients outside every group are not compared
    per_group, curves, days_of = {}, {}, {}
    for g in groups:
        sub = d[d["group"] == g]
        if sub.empty:
            continue
        days_of[g] = sub["cr_days"].to_numpy(float)
        per_group[g], curves[g] = _cif_group(days_of[g], sub["cr_status"].to_numpy(int),
                                             spec.landmarks, conv)
    longest = max((float(c.time.max()) for c in curves.values() if c.time.size), default=1.0)
    days, status = d["cr_days"].to_numpy(float), d["cr_status"].to_numpy(int)
    gray, notes = _gray(days, status, d["group"].astype(str).to_numpy(object))
    cox = _cause_models(d, spec.endpoint, adjust, reference_levels, reference, conv)
    with keyed(f"{KEY}.adjust", "competing risks, Fine-Gray models"):
        fg = finegray_models(d, adjust, _CoxSpec(endpoint=spec.endpoint,
                                                 reference=reference_levels), reference, conv)
    return CompetingResult(
        endpoint=spec.endpoint, label=spec.label or label, deaths_from=cd.deaths_from,
        method=cd.method, rule=cd.rule, reference=reference, n_excluded=cd.n_excluded,
        groups=per_group, curves=curves, gray=gray, cox=cox, adjust=tuple(adjust),
        landmarks=tuple(float(m) for m in spec.landmarks),
        at_risk=at_risk(days_of, conv.days_per_month, ctx.risk_step, longest),
        warnings=tuple(notes + _cox_notes(cox, ctx.analyses.epv_min)),
        finegray=fg,
    )
