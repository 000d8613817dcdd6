"""Reference for the property test: the first, pandas-groupby implementation of the prior
therapy covariates (retrostudy.cohort.prior before it was vectorised), kept verbatim apart
from this docstring. Only tests import it.
"""

from __future__ import annotations

import re

import pandas as pd

from retrostudy.cohort.drugs import DrugLookup, map_unique
from retrostudy.cohort.eras import drug_eras, total_days
from retrostudy.protocol.cohort import CovariatesBlock


def column_name(name: str) -> str:
    """A plain column name for a drug or class (``"nab-paclitaxel"`` -> ``"nab_paclitaxel"``)."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def prior_exposure(
    adm: pd.DataFrame, index: pd.DataFrame, block: CovariatesBlock, drugs: DrugLookup
) -> pd.DataFrame:
    """``ever_*`` and ``duration_*_days`` per patient of ``index`` (patient_id, index_date)."""
    frame = adm.merge(index[["patient_id", "index_date"]], on="patient_id")
    frame["drug"] = map_unique(frame["drug"], drugs.components)
    frame = frame.explode("drug")
    day = (frame["date"] - frame["index_date"]).dt.days
    start, end = block.exposure_window
    frame = frame.loc[(day >= start) & (day <= end)]
    frame["drug_class"] = map_unique(frame["drug"], drugs.drug_class)
    cap = index.set_index("patient_id")["index_date"] - pd.Timedelta(days=1)
    options = {
        "exposure_days": block.exposure_days,
        "persistence_gap_days": block.persistence_gap_days,
        "cap": cap,
    }
    by_drug = total_days(_eras(frame, "drug", options), "drug")
    by_class = total_days(_eras(frame, "drug_class", options), "drug_class")
    out = index[["patient_id"]].set_index("patient_id")
    for name in block.exposure_drugs:
        days = _column(by_drug, name, out.index)
        out[f"ever_{column_name(name)}"] = (days > 0).to_numpy()
        out[f"duration_{column_name(name)}_days"] = days.to_numpy()
    for name in block.exposure_classes:
        out[f"duration_{column_name(name)}_days"] = _column(by_class, name, out.index).to_numpy()
    return out.reset_index()


def _eras(frame: pd.DataFrame, key: str, options: dict) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["patient_id", key, "days"])
    return drug_eras(frame, key=key, **options)


def _column(table: pd.DataFrame, name: str, index: pd.Index) -> pd.Series:
    if name not in table.columns:
        return pd.Series(0, index=index, dtype="int64")
    return table[name].reindex(index, fill_value=0).astype("int64")


def prior_regimens(
    lines: pd.DataFrame, index: pd.DataFrame, block: CovariatesBlock, drugs: DrugLookup
) -> pd.DataFrame:
    """Regimen counts and settings before index, from the lines-of-therapy table."""
    merged = lines.merge(index[["patient_id", "index_date"]], on="patient_id")
    prior = merged.loc[merged["start"] < merged["index_date"]].copy()
    members = prior["drugs"].str.split(" + ", regex=False)
    classes = set(block.prior_regimen_classes)
    counts = members.map(lambda ds: any(drugs.drug_class(d) in classes for d in ds))
    pid = prior["patient_id"]
    out = pd.DataFrame(index=pd.Index(index["patient_id"], name="patient_id"))
    regimens = ((prior["setting"] == "metastatic") & counts).groupby(pid).sum()
    out["prior_regimens"] = regimens.reindex(out.index, fill_value=0).astype("Int64")
    unknown = prior["setting"].isna().groupby(pid).any()
    out.loc[unknown[unknown].index, "prior_regimens"] = pd.NA
    for setting in ("neoadjuvant", "adjuvant", "metastatic"):
        n = (prior["setting"] == setting).groupby(pid).sum()
        out[f"prior_lines_{setting}"] = n.reindex(out.index, fill_value=0).astype("int64")
    settings = prior["setting"].astype(object).fillna("unknown").groupby(pid).agg(", ".join)
    out["prior_settings"] = settings.reindex(out.index).astype("string").fillna("")
    out["early_relapse"] = _any(prior["early_relapse"].astype("boolean").fillna(False), pid, out)
    for name, combo in block.combinations.items():
        out[column_name(name)] = _any(members.map(lambda ds, c=combo: set(c) <= set(ds)), pid, out)
    index_line = lines.loc[lines["index_line"]].groupby("patient_id")["metastatic_line"].first()
    out["index_line"] = index_line.reindex(out.index).astype("Int64")
    return out.reset_index()


def _any(flags: pd.Series, pid: pd.Series, out: pd.DataFrame) -> pd.Series:
    """Per patient of ``out``: any flag set (False without prior lines)."""
    found = flags.astype(bool).groupby(pid).any().reindex(out.index)
    return found.astype("boolean").fillna(False)
