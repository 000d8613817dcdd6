"""What the seed study's synthetic truth reproduces, under the published-value key paths.

:func:`seed_results` computes, with the project's own statistics (:mod:`retrostudy.stats`),
every number the seed paper printed from the generator's ground truth (not from the
records: the pipeline's job is to derive the same truth, which the tests check). Feed it
to :func:`retrostudy.protocol.published.compare_published` to see how close the
calibration came; ``python -m retrostudy.synth.achieved`` prints that table.

Median CIs are given under ``pfs.conf_low.<group>`` with the log-log transform (the seed's
finite limits suggest EZR/SAS conventions, docs/sources.md) and, for R's default log transform,
under ``pfs.conf_low_log.<group>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from retrostudy.protocol.load import load_protocol
from retrostudy.protocol.published import compare_published
from retrostudy.stats import chisq_test, cox_ph, kaplan_meier, logrank_test, wilcoxon_test
from retrostudy.synth.seed import generate_seed_study

MONTH = 30.4375
GROUPS = ("Tmab/Pmab", "Tmab")
FLOW_KEYS = {  # exclusion reason -> the report's key (slug of the criterion's label)
    "prior_tdm1": "received_t_dm1_as_prior_treatment",
    "no_prior_trastuzumab_or_pertuzumab": (
        "received_neither_trastuzumab_nor_pertuzumab_before_t_dm1"
    ),
}


def seed_results(truth: pd.DataFrame) -> dict[str, float]:
    """Published-value keys -> reproduced values (months for times) from ``truth``."""
    a = truth[truth["identified"] & truth["excluded_reason"].isna()].copy()
    out: dict[str, float] = {
        "flow.identified": float(truth["identified"].sum()),
        "flow.analysed": float(len(a)),
    }
    for reason, n in truth["excluded_reason"].value_counts().items():
        out[f"flow.excluded.{FLOW_KEYS[reason]}"] = float(n)
    out |= _table1(a) | _response(a) | _survival(a) | _followup(a)
    return out


def _table1(a: pd.DataFrame) -> dict[str, float]:
    out: dict[str, float] = {}
    for g in GROUPS:
        sub = a[a["group"] == g]
        out[f"groups.{g}.n"] = float(len(sub))
        for var, col in (("age", "age_at_index"), ("prior_regimens", "prior_regimens")):
            values = sub[col].astype(float)
            out |= {
                f"table1.{var}.median.{g}": values.median(),
                f"table1.{var}.min.{g}": values.min(),
                f"table1.{var}.max.{g}": values.max(),
            }
    for g in (*GROUPS, "overall"):
        sub = a if g == "overall" else a[a["group"] == g]
        counts = {f"ecog.{level}": sub["ecog"] == level for level in (0, 1, 2)}
        counts |= {
            "visceral.true": sub["visceral"].astype(bool),
            "visceral.false": ~sub["visceral"].astype(bool),
            "hr_status.positive": sub["hr_status"] == "positive",
            "hr_status.negative": sub["hr_status"] == "negative",
            "ever_trastuzumab.true": sub["prior_trastuzumab"].astype(bool),
            "ever_lapatinib.true": sub["prior_lapatinib"].astype(bool),
            "ever_pertuzumab.true": sub["prior_pertuzumab"].astype(bool),
            # printed by the paper but not Table 1 rows of the protocol (the report lists
            # them as not computed): the truth still knows them
            "ecog.0_1": sub["ecog"] <= 1,
            "docetaxel_trastuzumab_pertuzumab.true": sub["docetaxel_trastuzumab_pertuzumab"]
            .astype(bool),
            "progressed_in_metastatic_setting.true": ~sub["adjuvant_relapse"].astype(bool),
            "progressed_in_metastatic_setting.false": sub["adjuvant_relapse"].astype(bool),
            "de_novo_stage_iv.true": sub["de_novo"].astype(bool),
            "ever_docetaxel.true": sub["prior_docetaxel"].astype(bool),
        }
        for key, mask in counts.items():
            out[f"table1.{key}.{g}"] = float(mask.sum())
            out[f"table1.{key}.{g}.percent"] = 100.0 * float(mask.sum()) / len(sub)
    ages = a["age_at_index"].astype(float)
    out |= {
        "table1.age.median.overall": float(ages.median()),
        "table1.age.min.overall": float(ages.min()),
        "table1.age.max.overall": float(ages.max()),
    }
    x, y = (a.loc[a["group"] == g] for g in GROUPS)
    for var, col in (("age", "age_at_index"), ("prior_regimens", "prior_regimens")):
        out[f"table1.{var}.p_value"] = wilcoxon_test(
            x[col].astype(float), y[col].astype(float)
        ).p_value
    for var, column in (
        ("ecog", a["ecog"]),
        ("visceral", a["visceral"]),
        ("hr_status", a["hr_status"]),
    ):
        table = pd.crosstab(a["group"], column).to_numpy()
        out[f"table1.{var}.p_value"] = chisq_test(table, correct=False).p_value
    return out


def _response(a: pd.DataFrame) -> dict[str, float]:
    out: dict[str, float] = {}
    for g in GROUPS:
        sub = a[a["group"] == g]
        for bor in ("PR", "SD", "PD"):
            n = float((sub["bor"] == bor).sum())
            out[f"response.bor.{bor}.{g}.n"] = n
            out[f"response.bor.{bor}.{g}.percent"] = 100 * n / len(sub)
        for rate, col in (("trr", "response"), ("dcr", "disease_control")):
            n = float(sub[col].astype(bool).sum())
            out |= {f"response.{rate}.{g}.n": n, f"response.{rate}.{g}.percent": 100 * n / len(sub)}
    for rate, col in (("trr", "response"), ("dcr", "disease_control")):
        table = pd.crosstab(a["group"], a[col].astype(bool)).to_numpy()
        out[f"response.{rate}.p_value"] = chisq_test(table, correct=False).p_value
    reasons = a["discontinuation_reason"].dropna()
    out["discontinuation.total.n"] = float(len(reasons))
    for reason, n in reasons.value_counts().items():
        out[f"discontinuation.{reason}.n"] = float(n)
        out[f"discontinuation.{reason}.percent"] = 100 * float(n) / len(reasons)
    return out


def _survival(a: pd.DataFrame) -> dict[str, float]:
    time, event = a["pfs_days"].to_numpy(float), a["pfs_event"].to_numpy(bool)
    out: dict[str, float] = {}
    for g in GROUPS:
        mask = (a["group"] == g).to_numpy()
        for conf_type, suffix in (("log-log", ""), ("log", "_log")):
            q = kaplan_meier(time[mask], event[mask], conf_type=conf_type).quantile(0.5)
            out[f"pfs.median.{g}"] = q.estimate / MONTH
            out[f"pfs.conf_low{suffix}.{g}"] = q.conf_low / MONTH
            out[f"pfs.conf_high{suffix}.{g}"] = q.conf_high / MONTH
    out["pfs.logrank.p_value"] = logrank_test(time, event, a["group"].to_numpy(str)).p_value
    data = {
        "time": time,
        "event": event,
        "pmab": (a["group"] == GROUPS[0]).to_numpy(float),
        "ecog_1plus": (a["ecog"] >= 1).to_numpy(float),
        "visceral": a["visceral"].to_numpy(float),
        "hr_positive": (a["hr_status"] == "positive").to_numpy(float),
    }
    for name, covariates in (
        ("unadjusted", ["pmab"]),
        ("adjusted", ["pmab", "ecog_1plus", "visceral", "hr_positive"]),
    ):
        fit = cox_ph(data, time="time", event="event", covariates=covariates)
        c = fit.coefficients[0]
        out |= {
            f"cox.{name}.hazard_ratio": c.hazard_ratio,
            f"cox.{name}.conf_low": c.conf_low,
            f"cox.{name}.conf_high": c.conf_high,
            f"cox.{name}.p_value": c.p_value,
        }
    return out


def _followup(a: pd.DataFrame) -> dict[str, float]:
    days = a["followup_days"].astype(float)
    out = {"followup.median.overall": days.median() / MONTH}
    for g in GROUPS:
        sub = days[a["group"] == g]
        out |= {
            f"followup.median.{g}": sub.median() / MONTH,
            f"followup.min.{g}": sub.min() / MONTH,
            f"followup.max.{g}": sub.max() / MONTH,
        }
    return out


def main() -> None:  # pragma: no cover - a report for humans
    study = (
        Path(__file__).resolve().parents[3] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
    )
    results = seed_results(generate_seed_study().truth)
    for c in compare_published(load_protocol(study).published, results):
        shown = "—" if c.reproduced is None else f"{c.reproduced:.{c.decimals}f}"
        print(f"| `{c.what}` | {c.published:.{c.decimals}f} | {shown} | {c.status} |")
    print(np.round([results[f"pfs.conf_{s}_log.{g}"] for g in GROUPS for s in ("low", "high")], 2))


if __name__ == "__main__":  # pragma: no cover
    main()
