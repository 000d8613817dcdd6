"""Covariates at index, one row per patient; relational parts run in the engine via Ibis.

Columns (missing values stay missing):

- ``ecog``: the ECOG value nearest to the index day within ``ecog_window``; on a tie in
  distance the earlier (pre-index) one, then the higher value.
- ``hr_status`` / ``her2_status`` and the receptor inputs: by the guideline
  (:mod:`retrostudy.data.receptors`) and each marker's specimen rule
  (:func:`receptor_status`). ``hr_status`` is positive when ER or PgR is.
- ``visceral`` (bool), ``n_metastatic_sites``: metastatic-site observations in ``sites_window``.
- ``metastatic_date``, ``de_novo``: first metastatic diagnosis; de novo stage IV from the
  record flag, else a metastatic diagnosis within ``de_novo_days`` of the primary one.
"""

from __future__ import annotations

import dataclasses

import ibis
import numpy as np
import pandas as pd
from ibis import _

from retrostudy.cohort.conditions import days_from_index, in_window
from retrostudy.data.receptors import Her2Rule, Reading, her2_specimen, hormone_status, parse
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


def receptor_status(store: Store, base: ibis.Table, block: CovariatesBlock,
                    her2_rule: Her2Rule = "asco_cap_2018") -> pd.DataFrame:
    """Receptor status per patient from the specimens on or before the index day.

    Each specimen (patient, date, specimen type) gets its status by the guideline
    (:mod:`retrostudy.data.receptors`: HER2 from IHC and ISH together by ``her2_rule``,
    ER/PgR from the percentage or Allred score, else the recorded word); the specimen rule
    then picks one specimen per marker. Columns: ``hr_status``, ``er_status``,
    ``pgr_status`` (``low_positive`` for 1-10%), ``er_value``/``pgr_value`` (the inputs),
    ``her2_status``, ``her2_category`` (``positive``/``equivocal``/``low``/``zero``/
    ``negative``), ``her2_ihc``, ``her2_ish_ratio``, ``her2_ish_copy_number``,
    ``her2_specimen``, ``her2_date`` and ``her2_rule``.
    """
    bio = fetch(store, "biomarkers", base)
    bio = bio.filter(days_from_index(bio) <= 0)
    frame = store.execute(bio.select("patient_id", "date", "marker", "method", "result",
                                     "value", "specimen"))
    ids = pd.Index(store.execute(base.select("patient_id"))["patient_id"].astype("string"),
                   name="patient_id")
    specimens = _specimens(frame, her2_rule)
    er = _pick(specimens, "ER", block.hr_specimen).reindex(ids)
    pgr = _pick(specimens, "PgR", block.hr_specimen).reindex(ids)
    her2 = _pick(specimens, "HER2", block.her2_specimen).reindex(ids)
    positive = er["status"].isin(["positive", "low_positive"]) | pgr["status"].isin(
        ["positive", "low_positive"])
    tested = er["status"].notna() | pgr["status"].notna()
    hr = pd.Series(pd.NA, index=ids, dtype="string").mask(tested, "negative").mask(
        positive, "positive")
    out = pd.DataFrame({
        "hr_status": hr,
        "er_status": er["status"].astype("string"),
        "er_value": er["inputs"].astype("string"),
        "pgr_status": pgr["status"].astype("string"),
        "pgr_value": pgr["inputs"].astype("string"),
        "her2_status": her2["status"].astype("string"),
        "her2_category": her2["category"].astype("string"),
        "her2_ihc": her2["ihc"].astype("string"),
        "her2_ish_ratio": her2["ratio"].astype("Float64"),
        "her2_ish_copy_number": her2["copy_number"].astype("Float64"),
        "her2_specimen": her2["specimen"].astype("string"),
        "her2_date": her2["date"].astype("datetime64[s]"),
    }, index=ids)
    out["her2_rule"] = pd.Series(her2_rule, index=ids, dtype="string").where(
        out["her2_status"].notna())
    return out.reset_index()


_SPECIMEN_COLUMNS = ["patient_id", "marker", "date", "specimen", "status", "category", "ihc",
                     "ratio", "copy_number", "inputs"]


def _specimens(frame: pd.DataFrame, rule: Her2Rule) -> pd.DataFrame:
    """One row per (patient, marker, date, specimen) with its guideline status.

    The rows are sorted by specimen (stable: a specimen's rows keep their order) and cut
    into specimens. Each row gets a code for its (marker, method, result, value); the
    specimens with the same sequence of codes (found with :func:`numpy.unique` over the
    specimens of each length, no loop over specimens) share one guideline evaluation."""
    keys = ["patient_id", "marker", "date", "specimen"]
    frame = frame.dropna(subset=keys).sort_values(keys, kind="stable")
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in _SPECIMEN_COLUMNS}).astype(
            {"patient_id": "string", "ratio": "Float64", "copy_number": "Float64"})
    new = frame[keys].ne(frame[keys].shift()).any(axis=1).to_numpy()
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(frame)))
    reading = ["marker", "method", "result", "value"]
    codes = frame.groupby(reading, dropna=False, sort=False).ngroup().to_numpy()
    first = frame[reading].to_numpy(dtype=object)  # one row per code: its first occurrence
    _, at = np.unique(codes, return_index=True)
    rows_of_code = first[at]
    table: list[tuple] = []
    which = np.empty(len(starts), dtype=np.int64)
    for size in np.unique(sizes).tolist():
        chosen = np.flatnonzero(sizes == size)
        signatures = codes[starts[chosen][:, None] + np.arange(size)]
        distinct, inverse = np.unique(signatures, axis=0, return_inverse=True)
        which[chosen] = len(table) + inverse.reshape(-1)
        for signature in distinct:
            rows = rows_of_code[signature]
            table.append(_specimen(rows[0, 0], tuple(map(tuple, rows[:, 1:])), rule))
    out = pd.DataFrame(table, columns=_SPECIMEN_COLUMNS[4:]).iloc[which]
    out.index = pd.RangeIndex(len(out))
    head = frame.iloc[starts]
    for i, key in enumerate(keys):
        out.insert(i, key, head[key].to_numpy())
    out = out[_SPECIMEN_COLUMNS]
    return out.astype({"patient_id": "string", "ratio": "Float64", "copy_number": "Float64"})


def _specimen(marker: str, rows: tuple, rule: Her2Rule) -> tuple:
    """(status, category, ihc, ratio, copy_number, inputs) of one specimen's (method,
    result, value) rows."""
    readings = [(_text(m), _reading(marker, v, r)) for m, r, v in rows]
    inputs = "; ".join(str(v) for _, _, v in rows if _text(v)) or None
    if marker == "HER2":
        h = her2_specimen(readings, rule)
        return (h.status, h.category, None if h.ihc is None else f"{h.ihc}+" if h.ihc else "0",
                h.ratio, h.copy_number, inputs)
    found = [s for s in (hormone_status(r) for _, r in readings) if s]
    status = next((s for s in ("positive", "low_positive", "equivocal", "negative")
                   if s in found), None)
    return status, status, None, None, None, inputs


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _reading(marker: str, value, result) -> Reading:
    """The scores in ``value``; the row's ``result`` word when it holds none."""
    reading = parse(_text(value), marker=marker)
    if reading.is_score or _text(result) is None:
        return reading
    return dataclasses.replace(reading, word=result)


def _pick(specimens: pd.DataFrame, marker: str, rule: str) -> pd.DataFrame:
    """The specimen the rule uses, per patient (index ``patient_id``).

    ``primary``: the most recent primary-tumour specimen; ``most_recent_before_index``: the
    most recent specimen; ``metastasis_first`` / ``primary_first``: the most recent
    specimen of that type, else of the other; ``any_positive``: a positive specimen if any.
    Two specimens on the chosen day: the more positive one.
    """
    rows = specimens.loc[(specimens["marker"] == marker) & specimens["status"].notna()]
    if rule == "primary":
        rows = rows.loc[rows["specimen"] == "primary"]
    rank = rows["status"].map({"positive": 0, "low_positive": 1, "equivocal": 2,
                               "negative": 3}).astype("float64").fillna(4.0)
    order = pd.DataFrame({"date": rows["date"], "rank": -rank})
    if rule == "any_positive":
        order = pd.DataFrame({"rank": -rank, "date": rows["date"]})
    elif rule in ("metastasis_first", "primary_first"):
        first = "metastasis" if rule == "metastasis_first" else "primary"
        order.insert(0, "type", (rows["specimen"] == first).astype(int))
    patient, _ = pd.factorize(rows["patient_id"], sort=True)
    # stable sort by patient, then the keys; the last row of each patient is chosen
    ranked = np.lexsort([order[c].to_numpy() for c in reversed(order.columns)] + [patient])
    last = np.flatnonzero(np.diff(np.append(patient[ranked], -1)) != 0)
    return rows.iloc[ranked[last]].set_index("patient_id")


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
