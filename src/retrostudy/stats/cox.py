"""Cox proportional hazards model, numerically identical to R's ``survival::coxph``.

Front end: validates the input, builds the design matrix (treatment contrasts), fits with
the engine in :mod:`._cox_fit` (Efron, Breslow) or :mod:`._cox_exact`, and returns a frozen
:class:`CoxPH` that records every convention used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from retrostudy.stats._types import Columns, Levels

from . import _checks, _display
from ._concordance import Concordance, concordance
from ._cox_design import Design, build_design, centre, check_rank, column
from ._cox_exact import evaluate_exact
from ._cox_fit import Fit, Sorted, evaluate, newton, prepare, sort_order
from ._cox_resid import robust_score, robust_variance
from ._cox_summary import (
    EPS,
    CoxCoefficient,
    Test,
    chi2_test,
    coefficient_rows,
    monotone_reasons,
    wald_statistic,
)
from ._firth import firth_fit
from ._km_entry import check_entry
from .cox_zph import CoxZPH, cox_zph

if TYPE_CHECKING:
    import pandas as pd

TIES = ("efron", "breslow", "exact")
_COLUMNS = ("term", "variable", "level", "coef", "hazard_ratio", "std_err", "robust_std_err",
            "conf_low", "conf_high", "z", "p_value")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxPH:
    """Fitted Cox model (R: ``summary(coxph(Surv(time, event) ~ ..., ties=...))``).

    Conventions: ``ties`` (Efron by default, as R), ``variance`` "model" or "robust" (R
    switches to robust for ``cluster``, ``robust=True`` or non-integer weights; then the Wald
    test uses it and ``robust_score_test`` is R's "Robust" line), ``conf_level`` of the Wald
    interval on exp(coef). ``score_test`` is the model-based score (log-rank) test at beta=0.
    ``monotone`` is True when the likelihood is monotone (an infinite estimate); the reasons
    are in ``warnings``. ``concordance`` is Harrell's C with the infinitesimal-jackknife SE.
    """

    coefficients: tuple[CoxCoefficient, ...]
    coef: np.ndarray
    var: np.ndarray
    loglik_null: float
    loglik: float
    lr_test: Test
    wald_test: Test
    score_test: Test
    robust_score_test: Test | None
    n: int
    n_events: int
    iterations: int
    converged: bool
    ties: str
    variance: str
    conf_level: float
    firth: bool
    monotone: bool
    warnings: tuple[str, ...]
    _state: _State | None = field(default=None, repr=False, compare=False)

    @property
    def concordance(self) -> Concordance:
        """Harrell's C and its IJ standard error (R's ``fit$concordance``).

        Computed on first access (an O(n log n) pass over the data that costs about as much
        as the fit at n = 1e6) and then kept; the value does not change.
        """
        _no_entry(self, "concordance")
        st = self._state
        if st is None:  # only a CoxPH built by hand, not by cox_ph, lacks its data
            raise ValueError("concordance needs the data of the fit (a CoxPH from cox_ph)")
        cache = st.cache
        if "concordance" not in cache:
            lp = np.zeros(st.sd.x.shape[0])
            # column by column, so rows with equal covariates get bit-identical predictors
            # (a BLAS product may round them differently, which would break ties in C)
            for j, b in enumerate(self.coef):
                lp += st.sd.x[:, j] * b
            cache["concordance"] = concordance(st.time, st.sd.event, lp, st.sd.w, st.strata,
                                               st.cluster, presorted=True)
        return cache["concordance"]

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient: ``term`` (R's label, ``variable=level`` for a factor
        level) and the :class:`CoxCoefficient` fields, as R's ``summary(coxph)``. Needs
        pandas."""
        rows = [[getattr(c, "name" if k == "term" else k) for k in _COLUMNS]
                for c in self.coefficients]
        return _display.frame({k: [r[j] for r in rows] for j, k in enumerate(_COLUMNS)})

    def _repr_html_(self) -> str:
        tests = ", ".join(f"{name} {_display.cell(t.statistic)} on {t.df} df, p = "
                          f"{_display.cell(t.p_value)}" for name, t in
                          (("likelihood ratio", self.lr_test), ("Wald", self.wald_test),
                           ("score", self.score_test)))
        notes = [f"n = {self.n}, events = {self.n_events}; ties={self.ties!r}, "
                 f"variance={self.variance!r}, {self.conf_level:.0%} CI"
                 + (", Firth's penalised likelihood" if self.firth else ""), tests,
                 *self.warnings]
        columns = ("term", "coef", "hazard_ratio", "conf_low", "conf_high", "std_err", "z",
                   "p_value")
        rows = [[c.name if k == "term" else getattr(c, k) for k in columns]
                for c in self.coefficients]
        return _display.html_table("Cox proportional hazards model", columns, rows, notes)

    def zph(self, transform: str = "km") -> CoxZPH:
        """Test of proportional hazards (R's ``cox.zph``); see :func:`.cox_zph.cox_zph`."""
        return cox_zph(self, transform=transform)


def _no_entry(fit: CoxPH, what: str) -> None:
    if fit._state is not None and fit._state.sd.egroup is not None:
        raise ValueError(f"{what} is not available for a model fitted with entry (delayed "
                         "entry / counting-process rows)")


@dataclass(frozen=True, slots=True)
class _State:
    sd: Sorted
    time: np.ndarray  # sorted times
    design: Design
    strata: np.ndarray  # sorted stratum codes
    cluster: np.ndarray | None  # sorted cluster codes
    cache: dict[str, Concordance] = field(default_factory=dict)  # lazily computed values


def _codes(name, values, n):
    arr = _checks.check_labels(name, values, n)
    return np.unique(arr, return_inverse=True)[1].astype(np.int64)


def _inputs(data, time, event, strata, weights, cluster, entry=None):
    t = _checks.check_time(column(data, time, "time"))
    n = t.shape[0]
    a = None if entry is None else check_entry(column(data, entry, "entry"), t)
    e = _checks.check_event(column(data, event, "event"), n)
    w = None if weights is None else _checks.check_weights(column(data, weights, "weights"), n)
    s = (np.zeros(n, np.int64) if strata is None
         else _codes("strata", column(data, strata, "strata"), n))
    c = None if cluster is None else _codes("cluster", column(data, cluster, "cluster"), n)
    return t, e, w, s, c, a


def cox_ph(data: Columns, *, time: str, event: str, covariates: Sequence[str],
           ties: str = "efron", strata: str | None = None, weights: str | None = None,
           robust: bool | None = None, cluster: str | None = None, levels: Levels | None = None,
           conf_level: float = 0.95, firth: bool = False, entry: str | None = None) -> CoxPH:
    """Fit a Cox proportional hazards model by maximum partial likelihood.

    Parameters
    ----------
    data : mapping
        Column name -> 1-d array (a dict, or a pandas DataFrame).
    time, event : str
        Columns with follow-up times (>= 0) and event indicators (0/1 or bool).
    covariates : list of str
        Model terms. Strings, booleans and columns named in ``levels`` are categorical with
        treatment contrasts (first level is the reference).
    ties : {"efron", "breslow", "exact"}
        Handling of tied event times; "exact" is the discrete (conditional logistic)
        likelihood. R's default is "efron"; SAS PHREG and EZR use "breslow".
    strata, weights, cluster : str, optional
        Stratum (separate baseline hazards), case-weight and cluster columns.
    robust : bool, optional
        Sandwich variance. Default as R: on with ``cluster`` or non-integer weights.
    levels : dict, optional
        Column -> ordered list of levels, the first being the reference.
    conf_level : float
        Level of the Wald confidence intervals of the hazard ratios.
    firth : bool
        Fit Firth's penalised partial likelihood (Heinze & Schemper 2001) with profile
        penalised-likelihood CIs and p-values, as R's ``coxphf`` (Breslow ties).
    entry : str, optional
        Column of entry times for delayed entry (left truncation) or counting-process rows:
        row i is at risk on ``(entry, time]``, as R's ``Surv(entry, time, event)``; an
        entry on the day of an event is not at risk at that event. Each entry must be < its
        time. With ``cluster`` (a patient id) the rows of one patient form one cluster of
        the robust variance. Not available with ``ties="exact"`` or ``firth=True``.

    Returns
    -------
    CoxPH

    Notes
    -----
    Maximises ``l(b) = sum_deaths w_i eta_i - sum_terms (W/d) log(den)`` (Efron terms, see
    :mod:`._cox_fit`) by Newton-Raphson from 0 with R's step halving and convergence rule
    ``|1 - l_old / l_new| <= 1e-9``. Wald CI ``exp(b +- z se)``; LR ``2 (l(b) - l(0))``;
    score ``U(0)' I(0)^-1 U(0)``; Wald ``b' V^-1 b``. Equivalent R call:
    ``summary(coxph(Surv(time, event) ~ ..., ties=ties))``.

    Examples
    --------
    therneau/survival's ``tests/book1.R`` data (without its row with a missing status); the
    Breslow MLE is ``log((3 + sqrt(33)) / 2)``, so the hazard ratio is 4.3723:

    >>> data = {"time": [9, 1, 1, 6, 6, 8], "status": [1, 1, 0, 1, 1, 0],
    ...         "x": [0, 1, 1, 1, 0, 0]}
    >>> fit = cox_ph(data, time="time", event="status", covariates=["x"], ties="breslow")
    >>> round(fit.coefficients[0].hazard_ratio, 4), round(fit.score_test.statistic, 4)
    (4.3723, 1.6)

    References
    ----------
    Therneau & Grambsch (2000), *Modeling Survival Data*, Springer, ch. 3.
    Efron (1977), JASA 72:557. Lin & Wei (1989), JASA 84:1074.
    Heinze & Schemper (2001), Biometrics 57:114.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
    conf_level = _checks.check_conf_level(conf_level)
    t, e, w, s, c, a = _inputs(data, time, event, strata, weights, cluster, entry)
    n = t.shape[0]
    _entry_options(a, ties, firth)
    order = sort_order(t, s)
    design = build_design(data, covariates, levels, n, order)
    w_sorted = None if w is None else w[order]
    means = centre(design.x, w_sorted)  # in place: the engine works on centred columns
    check_rank(design, w_sorted, means)
    if not e.any():
        raise ValueError("event has no events (all rows censored); a Cox model needs events")
    non_integer = w is not None and bool((w != np.floor(w)).any())
    if robust is None:
        robust = cluster is not None or non_integer
    if cluster is not None and not robust:
        raise ValueError("cluster needs the robust variance; remove robust=False or cluster")
    if firth:
        ties = "breslow"
    if ties == "exact" and w is not None:
        raise ValueError("weights are not supported with ties='exact'")
    if ties == "exact" and robust:
        raise ValueError("robust variance is not available with ties='exact' (as in R: no "
                         "score residuals for the exact method)")
    sd = prepare(t, e, design.x, w, s, order, efron=ties == "efron", entry=a, means=means)
    design = replace(design, x=np.empty((0, design.x.shape[1])))  # sd.x holds (centres) it
    c_sorted = None if c is None else c[order]
    state = _State(sd, sd.time, design, s[order], c_sorted)
    n_events = int(sd.dead.size)
    del order, t, e, s, c, a  # only the sorted copies are needed from here on (peak memory)
    if firth:
        return _firth(state, conf_level=conf_level, n_events=n_events, robust=robust)
    evaluate_at = _evaluator(sd, ties)
    fit = newton(evaluate_at, design.x.shape[1], eps=EPS)
    notes = monotone_reasons(fit, design, sd)
    var, rscore = fit.var, None
    if robust:
        var = robust_variance(evaluate(fit.beta, sd, info=False, keep=True), sd, fit.var,
                              c_sorted)
        rscore = robust_score(evaluate(np.zeros_like(fit.beta), sd, info=False, keep=True), sd,
                              c_sorted)
    return assemble(state, fit, var, rscore, ties=ties, conf_level=conf_level, robust=robust,
                    notes=notes, n_events=n_events)


def _firth(state: _State, *, conf_level: float, n_events: int, robust: bool) -> CoxPH:
    """The penalised fit as a :class:`CoxPH` (``firth=True``).

    The ordinary fit's monotone-likelihood diagnosis is kept in ``monotone`` and ``warnings``
    but not raised as a Python warning: the penalised estimate is the remedy.
    """
    if robust:
        raise ValueError("firth=True uses the model-based variance; robust, cluster and "
                         "non-integer weights are not supported with it")
    pen = firth_fit(state.sd, conf_level=conf_level)
    notes = [m.replace("the hazard ratio is not estimable, consider firth=True",
                       "Firth's penalised estimate is reported")
             for m in monotone_reasons(pen.ml, state.design, state.sd)]
    return assemble(state, pen.fit, pen.var, None, ties="breslow", conf_level=conf_level,
                    robust=False, notes=notes, n_events=n_events, firth=True, low=pen.low,
                    high=pen.high, pvals=pen.pvals, warn=False)


def _entry_options(entry, ties: str, firth: bool) -> None:
    if entry is not None and (firth or ties == "exact"):
        raise ValueError("entry (delayed entry) is supported with ties='efron' or 'breslow' "
                         "and firth=False")


def _evaluator(sd: Sorted, ties: str):
    if ties == "exact":
        return lambda beta: evaluate_exact(beta, sd)
    return lambda beta: evaluate(beta, sd)


def assemble(state: _State, fit: Fit, var, rscore, *, ties, conf_level, robust, notes,
             n_events, firth=False, low=None, high=None, pvals=None, warn=True) -> CoxPH:
    """Build the frozen result (shared by the ML and Firth fits)."""
    sd, design = state.sd, state.design
    p = fit.beta.size
    for note in notes if warn else ():
        warnings.warn(note, RuntimeWarning, stacklevel=3)
    rows = coefficient_rows(design, fit.beta, fit.var, var, robust, conf_level, low, high, pvals)
    wald = wald_statistic(var, fit.beta)
    return CoxPH(
        coefficients=rows, coef=fit.beta.copy(), var=var, loglik_null=fit.loglik_null,
        loglik=fit.loglik, lr_test=chi2_test(2 * (fit.loglik - fit.loglik_null), p),
        wald_test=chi2_test(wald, p), score_test=chi2_test(fit.score_test, p),
        robust_score_test=None if rscore is None else chi2_test(rscore, p),
        n=int(sd.x.shape[0]), n_events=n_events,
        iterations=fit.iterations, converged=fit.converged, ties=ties,
        variance="robust" if robust else "model", conf_level=conf_level, firth=firth,
        monotone=bool(notes), warnings=tuple(notes), _state=state)
