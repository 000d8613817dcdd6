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

The per-group rates (x / n, exact CI, denominator, between-group test) are computed once, by
the analysis layer from these columns (``[analyses.response]``, Table 2).
"""

from __future__ import annotations

import numpy as np

from retrostudy.endpoints.bor import BestResponse
from retrostudy.endpoints.outcome import ResponseFlags
from retrostudy.endpoints.records import CR, NE, NON_CR_NON_PD, PR, SD
from retrostudy.endpoints.tte import NONE
from retrostudy.protocol.endpoints import RatesEndpoint


def sd_duration(spec: RatesEndpoint, best: BestResponse) -> np.ndarray:
    """Days from index the disease stayed controlled, per the ``sd_duration_to`` rule."""
    last = np.where(best.last_response_day == NONE, 0, best.last_response_day)
    if spec.sd_duration_to == "last_non_pd":
        return last
    return np.where(best.first_pd_day != NONE, best.first_pd_day, last)


def patient_rates(spec: RatesEndpoint, best: BestResponse) -> ResponseFlags:
    """Per-patient flags (flat columns: ``retrostudy.endpoints.outcome.rates_columns``)."""
    code = best.code
    stable = np.isin(code, (SD, NON_CR_NON_PD))
    responder = np.isin(code, (CR, PR))
    duration = sd_duration(spec, best)
    return ResponseFlags(
        response=responder,
        disease_control=responder | (stable & (duration >= spec.sd_duration_days)),
        disease_control_conventional=responder | stable,
        sd_duration_days=duration.astype(np.int64),
        evaluable=code != NE,
    )


def describe_rates(name: str, spec: RatesEndpoint) -> str:
    to = {"first_pd_or_last_response": "to the first PD, or to the last assessment still "
          "showing CR/PR/SD if no PD", "last_non_pd": "to the last CR/PR/SD assessment "
          "before any PD"}[spec.sd_duration_to]
    return (f"{spec.label or name}: per patient, response = best response CR or PR (of "
            f"{spec.response_from}); disease control = CR or PR, or SD lasting at least "
            f"{spec.sd_duration_days} days from the index date ({to}); conventional disease "
            "control = CR, PR or SD (any duration).")
