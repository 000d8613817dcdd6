"""Oncology episodes for a synthetic OMOP CDM (``retrostudy synth --omop --episodes``).

Written next to the lower-level rows (the Oncology Extension's episodes are abstractions
over them), following :mod:`retrostudy.data.omop.episodes`:

* one **Disease Progression** episode (32677) per ``PD`` tumour assessment, start = the
  assessment date (the loader merges it with the measurement of that day: same data);
* one **Treatment Regimen** episode (32531) per line of therapy, ``episode_number`` = line,
  start/end = the line's first and last dose, linked by ``episode_event``
  (``episode_event_field_concept_id`` 1147094, drug_exposure.drug_exposure_id) to every
  drug_exposure row of the line. Lines are derived with the default ``[lines]`` rules
  (:class:`~retrostudy.protocol.cohort.LinesBlock`, no index drug, no setting) by
  :func:`retrostudy.cohort.lines.derive_lines`; a drug_exposure row is linked to the latest
  line started on or before its date that holds its drug (excluded classes such as
  supportive care are in no line and stay unlinked).

``episode_object_concept_id`` is 0 ("no matching concept"): no regimen (HemOnc) or disease
concept is verified here. ``episode_type_concept_id`` is EHR (32817).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from retrostudy.cohort.drugs import drug_lookup
from retrostudy.cohort.lines import derive_lines
from retrostudy.data.omop.concepts import DRUG_EXPOSURE_ID_FIELD
from retrostudy.protocol.cohort import LinesBlock
from retrostudy.synth.omop_columns import PersonIds, as_date, days, frame, i64
from retrostudy.synth.omop_vocab import EHR

PROGRESSION, REGIMEN = 32677, 32531


def regimen_lines(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Lines of therapy of every patient by the default rules (``patient_id, line, drugs,
    start, end``)."""
    adm = tables["drug_administrations"]
    cols = {c: adm[c] if c in adm.columns else pd.Series(pd.NA, index=adm.index, dtype="string")
            for c in ("patient_id", "drug", "date", "end_date", "setting")}
    adm = pd.DataFrame(cols)
    dates = pd.DataFrame({"patient_id": adm["patient_id"].drop_duplicates()})
    for column in ("metastatic_date", "surgery_date", "index_date"):  # unknown here
        dates[column] = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[s]")
    lines = derive_lines(adm, dates, LinesBlock(), drug_lookup())
    return lines[["patient_id", "line", "drugs", "start", "end"]]


def _components(names: pd.Series) -> pd.DataFrame:
    """(row position, component) of each canonical drug name ('a+b' -> a, b)."""
    parts = names.astype("string").str.split("+").explode().str.strip()
    return pd.DataFrame({"_row": parts.index.to_numpy(), "drug": parts.to_numpy()})


def _links(adm: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """(drug_exposure_id, patient_id, line) of every administration in a line."""
    adm = adm.reset_index(drop=True)
    rows = _components(adm["drug"])
    rows["patient_id"] = adm["patient_id"].astype("string").to_numpy()[rows["_row"]]
    rows["date"] = days(adm["date"])[rows["_row"]]
    held = lines[["patient_id", "line", "start", "drugs"]].copy()
    held["drug"] = held.pop("drugs").astype("string").str.split(" + ", regex=False)
    held = held.explode("drug")
    held = held.astype({"patient_id": "string", "drug": "string"})
    held["start"] = held["start"].to_numpy().astype("datetime64[D]")
    j = rows.merge(held, on=["patient_id", "drug"])
    j = j[j["start"] <= j["date"]]
    best = j.sort_values(["_row", "start", "line"]).groupby("_row", sort=True).tail(1)
    return pd.DataFrame({"drug_exposure_id": best["_row"].to_numpy() + 1,
                         "patient_id": best["patient_id"].to_numpy(),
                         "line": best["line"].to_numpy()})


def episode_tables(tables: Mapping[str, pd.DataFrame], person: PersonIds,
                   lines: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``episode`` and ``episode_event`` of canonical ``tables`` (drug_exposure_id = the
    administration's row number + 1, as :mod:`retrostudy.synth.omop` writes them)."""
    lines = regimen_lines(tables) if lines is None else lines
    ta = tables["tumor_assessments"]
    pd_rows = ta.loc[(ta["response"] == "PD").to_numpy()]
    n_reg, n_pd = len(lines), len(pd_rows)
    reg_ids = np.arange(1, n_reg + 1, dtype=np.int64)
    starts = np.concatenate([days(lines["start"]), days(pd_rows["date"])])
    ends = np.concatenate([days(lines["end"]), days(pd_rows["date"])])
    episode = frame({
        "episode_id": i64(np.arange(1, n_reg + n_pd + 1)),
        "person_id": i64(np.concatenate([person(lines["patient_id"], "lines"),
                                         person(pd_rows["patient_id"], "tumor_assessments")])),
        "episode_concept_id": i64(np.repeat([REGIMEN, PROGRESSION], [n_reg, n_pd])),
        "episode_start_date": as_date(starts),
        "episode_end_date": as_date(ends),
        "episode_number": pd.arrays.ArrowExtensionArray(pa.array(  # progression: none
            np.concatenate([lines["line"].to_numpy(np.int64), np.zeros(n_pd, np.int64)]),
            mask=np.arange(n_reg + n_pd) >= n_reg)),
        "episode_object_concept_id": i64(np.zeros(n_reg + n_pd)),
        "episode_type_concept_id": i64(np.full(n_reg + n_pd, EHR)),
    })
    links = _links(tables["drug_administrations"], lines)
    key = pd.DataFrame({"patient_id": lines["patient_id"].astype("string").to_numpy(),
                        "line": lines["line"].to_numpy(), "episode_id": reg_ids})
    links = links.astype({"patient_id": "string"}).merge(key, on=["patient_id", "line"])
    links = links.sort_values(["episode_id", "drug_exposure_id"])
    event = frame({
        "episode_id": i64(links["episode_id"].to_numpy()),
        "event_id": i64(links["drug_exposure_id"].to_numpy()),
        "episode_event_field_concept_id": i64(np.full(len(links), DRUG_EXPOSURE_ID_FIELD.ref)),
    })
    return episode, event
