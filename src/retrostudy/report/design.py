"""Supplement sections of the design analyses: "Landmark analysis", "Multiple imputation"
and "Time-varying exposure". Each opens with its method sentences, written from the same
result object whose numbers the table beside it prints."""

from __future__ import annotations

from retrostudy.report.document import Paragraph, Section, TableItem


def _landmark_text(results) -> str:
    parts = [f"{r.label} from day {r.landmark_days} ({r.n_at_risk} of {r.n} patients at "
             "risk)" for r in results]
    return ("Landmark analysis: patients event-free and under follow-up at the landmark are "
            "compared from the landmark on (time zero moved to the landmark), so that no "
            "patient is classified by what happens after the start of its follow-up: "
            + "; ".join(parts) + ".")


def design_sections(ctx, tables) -> list[Section]:
    """The sections of the analyses registered with ``grouping = "design"`` that ran."""
    an = ctx.analyses
    out = []
    lm = an.result("landmark")
    if lm and "landmark" in tables:
        out.append(Section("Landmark analysis", (Paragraph(_landmark_text(lm)),
                                                 TableItem(tables["landmark"])),
                           anchor="landmark"))
    mi = an.result("imputation")
    if mi and "imputation" in tables:
        text = " ".join(r.methods_text(an.var_labels) for r in mi)
        out.append(Section("Multiple imputation", (Paragraph(text),
                                                   TableItem(tables["imputation"])),
                           anchor="imputation"))
    ab = an.result("adjusted_bootstrap")
    if ab and "adjusted_bootstrap" in tables:
        text = ("The adjusted comparison is repeated with intervals that do not treat the "
                "propensity score as known (nonparametric bootstrap, the propensity model "
                "refitted in each resample) and, where asked, with a doubly robust augmented "
                "IPW estimator that stays consistent if either the propensity or the outcome "
                "model is right." + "".join(f" {n}" for n in ab[0].methods_notes()))
        out.append(Section("Adjusted comparison: bootstrap and doubly robust estimates",
                           (Paragraph(text), TableItem(tables["adjusted_bootstrap"])),
                           anchor="adjusted-bootstrap"))
    tv = an.result("time_varying")
    if tv and "time_varying" in tables:
        text = " ".join(
            f"{r.exposure_label} starts after the index date in {r.n_exposed} of {r.n} "
            f"patients; its effect on {r.endpoint_label} is estimated with the exposure as a "
            "time-dependent covariate (each patient unexposed until the exposure starts), "
            "beside the immortal-time-biased model that classifies patients as ever or never "
            "exposed from the index date." for r in tv)
        out.append(Section("Time-varying exposure", (Paragraph(text),
                                                     TableItem(tables["time_varying"])),
                           anchor="time-varying"))
    return out
