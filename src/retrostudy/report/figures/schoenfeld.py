"""Scaled Schoenfeld residuals of a Cox model against time (R: ``plot(cox.zph(fit))``), one
panel per coefficient, with the model's coefficient as a horizontal line and the term's
``cox.zph`` p value in the panel title. Numbers come from the model's
:class:`~retrostudy.analysis.model_checks.PHCheck`; nothing is estimated here.

Above :data:`MAX_POINTS` events the panels show :data:`MAX_POINTS` residuals evenly spaced
in time order (the caption says how many of how many; the test used every one): a scatter
of 200,000 points is a black band that takes a minute to write as SVG and PDF, and a
regular subset keeps the figure byte-stable from run to run."""

from __future__ import annotations

import math

import numpy as np

from retrostudy.report import fmt
from retrostudy.report.figures.base import FONT, PALETTE, ReportFigure, new_figure

_MODEL = {"unadjusted": "unadjusted", "adjusted": "adjusted"}
MAX_POINTS = 2000  # residuals drawn per panel at most


def shown_rows(x: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Rows of the residuals to draw: all of them up to ``limit`` (default
    :data:`MAX_POINTS`), else ``limit`` rows evenly spaced over the residuals sorted by
    time (first and last included)."""
    limit = MAX_POINTS if limit is None else limit
    n = len(x)
    if n <= limit:
        return np.arange(n)
    order = np.argsort(x, kind="stable")
    return order[np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))]


def draw_schoenfeld(model, endpoint: str, label: str, *, number: str, p_digits: int = 4,
                    var_labels: dict | None = None) -> ReportFigure:
    """``model``: a CoxModel with ``ph``; ``label``: the endpoint's label."""
    ph = model.ph
    var_labels = var_labels or {}
    k = len(ph.columns)
    ncol = min(k, 3)
    nrow = math.ceil(k / ncol)
    fig = new_figure(8.0, 2.4 * nrow + 0.4)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16 / nrow, top=1 - 0.1 / nrow,
                        wspace=0.3, hspace=0.55)
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    p_of = {t.term: t.p_value for t in ph.zph.terms}
    rows = shown_rows(np.asarray(ph.x))
    for j, coef in enumerate(model.coefficients):
        r, c = divmod(j, ncol)
        ax = axes[r, c]
        ax.scatter(ph.x[rows], ph.y[rows, j], s=7, color=PALETTE[0], alpha=0.7, linewidths=0)
        beta = math.log(coef.hazard_ratio)
        ax.axhline(beta, color=PALETTE[1], lw=1.0, ls="--")
        ax.axhline(0.0, color="0.6", lw=0.6)
        name = var_labels.get(coef.variable, coef.variable)
        title = name if coef.level is None else f"{name}: {coef.level}"
        ax.set_title(f"{title} (cox.zph {fmt.p_text(p_of.get(coef.variable), p_digits)})",
                     fontsize=8, family=FONT)
        ax.set_xlim(-0.02, 1.02)
        ax.tick_params(labelsize=7)
        if r == nrow - 1:
            ax.set_xlabel("1 \u2212 KM(t) (transformed time)", fontsize=7.5, family=FONT)
        if c == 0:
            ax.set_ylabel("Beta(t): scaled Schoenfeld", fontsize=7.5, family=FONT)
    g = ph.zph.global_test
    caption = (
        f"{label}, {_MODEL.get(model.name, model.name)} Cox model: scaled Schoenfeld "
        "residuals against time on the Kaplan\u2013Meier scale (R cox.zph, transform "
        "\"km\"); dashed line: the model's log hazard ratio, which the points scatter around "
        "when hazards are proportional. Global test: chi-square "
        f"{g.chisq:.2f} on {g.df} df, {fmt.p_text(g.p_value, p_digits)}."
        + (f" {len(rows):,} of the {len(ph.x):,} residuals are drawn, evenly spaced in "
           "time; the tests use all." if len(rows) < len(ph.x) else "")
    )
    return ReportFigure(key=f"figure{number}_schoenfeld_{endpoint}_{model.name}",
                        title=f"Fig. {number}. Proportional-hazards check: {label} "
                              f"({_MODEL.get(model.name, model.name)} Cox model)",
                        caption=caption, figure=fig)
