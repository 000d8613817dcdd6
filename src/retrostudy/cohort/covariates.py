"""Covariates at index, one row per patient; relational parts run in the engine via Ibis.

Columns (missing values stay missing):

- ``ecog``: the ECOG value nearest to the index day within ``ecog_window``; on a tie in
  distance the earlier (pre-index) one, then the higher value.
- ``hr_status`` / ``her2_status``: ``"positive"``/``"negative"`` or missing, each by its
  specimen rule (``primary``: the most recent primary-tumour specimen; ``most_recent_before_index``:
  the most recent specimen on or before the index day; ``any_positive``: positive if any
  specimen on or before the index day is). ``hr_status`` is positive when ER or PgR is.
- ``visceral`` (bool), ``n_metastatic_sites``: metastatic-site observations in ``sites_window``.
- ``metastatic_date``, ``de_novo``: first metastatic diagnosis; de novo stage IV from the
  record flag, else a metastatic diagnosis within ``de_novo_days`` of the primary one.
"""

from __future__ import annotations

import ibis
import pandas as pd
from ibis import _

from retrostudy.cohort.conditions import days_from_index, in_window
from retrostudy.data.store import Store
from retrostudy.protocol.cohort import CovariatesBlock, LinesBlock


def fetch(store: Store, name: str, base: ibis.Table) -> ibis.Table:
    """Rows of canonical table ``name`` for ``base``'s patients, with their ``index_date``."""
    return store.table(name).join(base.select("patient_id", "index_date"), "patient_id")


def patient_dates(store: Store, base: ibis.Table, block: LinesBlock) -> pd.DataFrame:
    """``metastatic_date, primary_date, surgery_date, de_novo`` per patient."""
    dx = fetch(store, "diagnoses", base)
    name = dx.diagnosis.lower().strip()
    met = name.isin([d.lower() for d in block.metastatic_diagnosis])
    primary = name.isin([d.lower() for d in block.primary_diagnosis])
    per = dx.group_by("patient_id").agg(
        metastatic_date=_.date.min(where=met),
        primary_date=_.date.min(where=primary),
        de_novo_flag=_.de_novo_metastatic.max(),
    )
    obs = fetch(store, "observations", base)
    surgery = obs.filter(obs.name.lower() == block.surgery_observation.lower())
    surgery = surgery.group_by("patient_id").agg(surgery_date=_.date.min())
    out = base.select("patient_id").left_join(per, "patient_id").left_join(surgery, "patient_id")
    out = out.select(
        "patient_id", "metastatic_date", "primary_date", "surgery_date", "de_novo_flag"
    )
    frame = store.execute(out)
    derived = (frame["metastatic_date"] - frame["primary_date"]).dt.days <= block.de_novo_days
    derived = derived.astype("boolean").mask(
        frame["metastatic_date"].isna() | frame["primary_date"].isna()
    )
    frame["de_novo"] = frame["de_novo_flag"].astype("boolean").fillna(derived)
    return frame.drop(columns="de_novo_flag")


def ecog_at_index(store: Store, base: ibis.Table, block: CovariatesBlock) -> pd.DataFrame:
    obs = fetch(store, "observations", base)
    obs = obs.filter(obs.name.lower() == "ecog").mutate(day=days_from_index(obs))
    obs = obs.filter(in_window(obs.day, block.ecog_window) & obs.value.strip().isin(list("012345")))
    obs = obs.mutate(ecog=obs.value.strip().cast("int64"))
    order = [obs.day.abs(), obs.day, obs.ecog.desc()]
    ranked = obs.mutate(rank=ibis.row_number().over(group_by="patient_id", order_by=order))
    nearest = ranked.filter(ranked.rank == 0).select("patient_id", "ecog")
    return store.execute(nearest)


def receptor_status(store: Store, base: ibis.Table, block: CovariatesBlock) -> pd.DataFrame:
    """``hr_status`` and ``her2_status`` per patient by the declared specimen rules."""
    bio = fetch(store, "biomarkers", base)
    bio = bio.filter(days_from_index(bio) <= 0)
    frame = store.execute(bio.select("patient_id", "date", "marker", "result", "specimen"))
    er = _by_rule(frame, "ER", block.hr_specimen)
    pgr = _by_rule(frame, "PgR", block.hr_specimen)
    her2 = _by_rule(frame, "HER2", block.her2_specimen)
    both = pd.concat([er.rename("er"), pgr.rename("pgr")], axis=1)
    hr = pd.Series(pd.NA, index=both.index, dtype="string")
    hr = hr.mask(both.notna().any(axis=1), "negative").mask(
        (both == "positive").any(axis=1), "positive"
    )
    out = pd.DataFrame({"hr_status": hr, "her2_status": her2.astype("string")})
    return out.rename_axis("patient_id").reset_index()


def _by_rule(frame: pd.DataFrame, marker: str, rule: str) -> pd.Series:
    """``positive``/``negative`` per patient for ``marker`` (equivocal counts as not positive)."""
    rows = frame.loc[frame["marker"] == marker]
    if rule == "primary":
        rows = rows.loc[rows["specimen"] == "primary"]
    if rule != "any_positive":
        latest = rows.groupby("patient_id")["date"].transform("max")
        rows = rows.loc[rows["date"] == latest]
    positive = (rows["result"] == "positive").groupby(rows["patient_id"]).any()
    return positive.map({True: "positive", False: "negative"})


def metastatic_sites(store: Store, base: ibis.Table, block: CovariatesBlock) -> pd.DataFrame:
    obs = fetch(store, "observations", base)
    obs = obs.filter(
        (obs.name.lower() == "metastatic_site")
        & in_window(days_from_index(obs), block.sites_window)
    )
    site = obs.value.lower().strip()
    per = (
        obs.mutate(site=site)
        .group_by("patient_id")
        .agg(
            n_metastatic_sites=_.site.nunique(),
            visceral=_.site.isin([s.lower() for s in block.visceral_sites]).any(),
        )
    )
    return store.execute(per)
