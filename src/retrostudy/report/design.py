"""Supplement sections of the design analyses: "Landmark analysis", "Multiple imputation",
the adjusted comparison's bootstrap and doubly robust estimates and "Time-varying exposure"
(titles and places: their registry entries' ``section``). Each opens with its method
sentences, written from the same result object whose numbers the table beside it prints."""

from __future__ import annotations

from retrostudy.report.document import Paragraph, Section, TableItem


def _landmark_text(results) -> str:
    parts = [f"{r.label} from day {r.landmark_days} ({r.n_at_risk} of {r.n} patients at "
             "risk)" for r in results]
    return ("Landmark analysis: patients event-free and under follow-up at the landmark are "
            "compared from the landmark on (time zero moved to the landmark), so that no "
            "patient is classified by what happens after the start of its follow-up: "
            + "; ".join(parts) + ".")


def _landmark(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    if "landmark" not in tables:
        return []
    return [Section(spec.title, (Paragraph(_landmark_text(res)), TableItem(tables["landmark"])),
                    anchor=spec.anchor)]


def _imputation(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    if "imputation" not in tables:
        return []
    text = " ".join(r.methods_text(ctx.analyses.var_labels) for r in res)
    return [Section(spec.title, (Paragraph(text), TableItem(tables["imputation"])),
                    anchor=spec.anchor)]


def _adjusted_bootstrap(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    if "adjusted_bootstrap" not in tables:
        return []
    text = ("The adjusted comparison is repeated with intervals that do not treat the "
            "propensity score as known (nonparametric bootstrap, the propensity model "
            "refitted in each resample) and, where asked, with a doubly robust augmented "
            "IPW estimator that stays consistent if either the propensity or the outcome "
            "model is right." + "".join(f" {n}" for n in res[0].methods_notes()))
    return [Section(spec.title, (Paragraph(text), TableItem(tables["adjusted_bootstrap"])),
                    anchor=spec.anchor)]


def _time_varying(ctx, res, tables, figs, rendered, spec) -> list[Section]:
    if "time_varying" not in tables:
        return []
    text = " ".join(
        f"{r.exposure_label} starts after the index date in {r.n_exposed} of {r.n} "
        f"patients; its effect on {r.endpoint_label} is estimated with the exposure as a "
        "time-dependent covariate (each patient unexposed until the exposure starts), "
        "beside the immortal-time-biased model that classifies patients as ever or never "
        "exposed from the index date." for r in res)
    return [Section(spec.title, (Paragraph(text), TableItem(tables["time_varying"])),
                    anchor=spec.anchor)]


# registered analysis name -> its supplement section(s) (the "design" grouping)
SECTION_WRITERS = {"landmark": _landmark, "imputation": _imputation,
                   "adjusted_bootstrap": _adjusted_bootstrap, "time_varying": _time_varying}
