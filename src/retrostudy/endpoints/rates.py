"""Tumour response rate and disease-control rates, per patient and per group with exact CIs.

Per patient (docs/sources.md, "RECIST 1.1 best overall response" and "The model study"):

- ``response``: BOR is CR or PR (the seed's tumour response rate, TRR = ORR);
- ``disease_control``: BOR CR or PR, or BOR SD / NON_CR_NON_PD lasting at least
  ``sd_duration_days`` (the seed's "DCR" = CR + PR + SD >= 6 months, in breast-cancer usage the
  clinical benefit rate). Duration of SD, from the index date (``sd_duration_to``):
  ``"first_pd_or_last_response"`` (default): to the first PD if there is one, else to the
  last assessment still showing CR/PR/SD/NON_CR_NON_PD; ``"last_non_pd"``: to the last
  CR/PR/SD/NON_CR_NON_PD assessment before any PD (admiralonco ``derive_param_clinbenefit``);
- ``disease_control_conventional``: BOR CR, PR, SD or NON_CR_NON_PD (DCR without duration).

Per group: x / n with the Clopper–Pearson ("exact") interval (``ci_method``; Wilson variants
available). The denominator is stated in
the result: ``"analysed"`` = every patient of the group (the seed's choice);
``"evaluable"`` = patients whose BOR is not NE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.endpoints.bor import BestResponse
from retrostudy.endpoints.records import CR, NE, NON_CR_NON_PD, PR, SD
from retrostudy.endpoints.tte import NONE
from retrostudy.protocol.endpoints import RatesEndpoint
from retrostudy.stats import binom_ci

MEASURES = ("response", "disease_control", "disease_control_conventional")


def columns(name: str) -> dict[str, str]:
    """Column names of a rates endpoint: bare for the name ``rates``, else ``<name>_...``."""
    prefix = "" if name == "rates" else f"{name}_"
    return {m: f"{prefix}{m}" for m in (*MEASURES, "sd_duration_days", "evaluable")}


def sd_duration(spec: RatesEndpoint, best: BestResponse) -> np.ndarray:
    """Days from index the disease stayed controlled, per the ``sd_duration_to`` rule."""
    last = np.where(best.last_response_day == NONE, 0, best.last_response_day)
    if spec.sd_duration_to == "last_non_pd":
        return last
    return np.where(best.first_pd_day != NONE, best.first_pd_day, last)


def patient_rates(name: str, spec: RatesEndpoint, best: BestResponse) -> pd.DataFrame:
    """Per-patient flags (columns per :func:`columns`)."""
    col = columns(name)
    code = best.code
    stable = np.isin(code, (SD, NON_CR_NON_PD))
    responder = np.isin(code, (CR, PR))
    duration = sd_duration(spec, best)
    return pd.DataFrame({
        col["response"]: responder,
        col["disease_control"]: responder | (stable & (duration >= spec.sd_duration_days)),
        col["disease_control_conventional"]: responder | stable,
        col["sd_duration_days"]: duration.astype(np.int64),
        col["evaluable"]: code != NE,
    })


@dataclass(frozen=True, slots=True, kw_only=True)
class Rate:
    """One proportion with its exact CI and the conventions used."""

    measure: str
    group: str
    x: int
    n: int
    proportion: float
    conf_low: float
    conf_high: float
    conf_level: float
    ci_method: str
    denominator: str


def proportion_ci(x: int, n: int, conf_level: float, method: str) -> tuple[float, float]:
    """CI of x / n by ``retrostudy.stats.binom_ci`` (Clopper–Pearson = R ``binom.test``);
    NaN when ``n = 0``."""
    if n == 0:
        return float("nan"), float("nan")
    ci = binom_ci(x, n, conf_level=conf_level, method=method)
    return float(ci.conf_low), float(ci.conf_high)


def group_rates(name: str, spec: RatesEndpoint, data: pd.DataFrame) -> tuple[Rate, ...]:
    """Rates per group (column ``group``; all patients as one group ``"all"`` if absent)."""
    col = columns(name)
    groups = data["group"].astype("string") if "group" in data else pd.Series(
        "all", index=data.index, dtype="string")
    out = []
    for g in pd.unique(groups):
        d = data[(groups == g).to_numpy()]
        if spec.denominator == "evaluable":
            d = d[d[col["evaluable"]].to_numpy(dtype=bool)]
        for m in MEASURES:
            x, n = int(d[col[m]].sum()), len(d)
            low, high = proportion_ci(x, n, spec.conf_level, spec.ci_method)
            out.append(Rate(measure=m, group=str(g), x=x, n=n,
                            proportion=x / n if n else float("nan"), conf_low=low,
                            conf_high=high, conf_level=spec.conf_level,
                            ci_method=spec.ci_method, denominator=spec.denominator))
    return tuple(out)


def describe_rates(name: str, spec: RatesEndpoint) -> str:
    to = {"first_pd_or_last_response": "to the first PD, or to the last assessment still "
          "showing CR/PR/SD if no PD", "last_non_pd": "to the last CR/PR/SD assessment "
          "before any PD"}[spec.sd_duration_to]
    denom = {"analysed": "all analysed patients", "evaluable": "patients with an evaluable "
             "best response (not NE)"}[spec.denominator]
    return (f"{spec.label or name}: tumour response rate = CR + PR; disease control rate = CR + "
            f"PR + SD lasting at least {spec.sd_duration_days} days from the index date ({to}); "
            f"conventional disease control rate = CR + PR + SD (any duration). Denominator: "
            f"{denom}. {int(round(spec.conf_level * 100))}% CI: {_CI_NAMES[spec.ci_method]}.")


_CI_NAMES = {"clopper-pearson": "Clopper–Pearson (exact)", "wilson": "Wilson score",
             "wilson-cc": "Wilson score with continuity correction"}
