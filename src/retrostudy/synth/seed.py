"""The seed study as a synthetic hospital extract: 51 patients, 49 identified, 42 analysed.

:func:`generate_seed_study` reads the committed calibration (``seed_calibration.json``,
written offline by :mod:`retrostudy.synth.calibrate`) for the 42 analysed patients (group,
PFS, best response, disease control, ECOG, visceral disease, hormone-receptor status,
age, prior regimens) and draws the rest (calendar dates, regimens, scans, spellings) from
``numpy.random.default_rng(seed)``. Around them it adds the patients the seed excluded
(2 with a T-DM1 course before the window, 5 without prior trastuzumab or pertuzumab) and
two who are not identified at all (T-DM1 only after the window; never T-DM1).

The counts the paper prints hold for every seed; only incidental details change with it.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import numpy as np
import pandas as pd

from retrostudy.synth.patient import CUTOFF, NON_VISCERAL, VISCERAL, Plan, Records, build
from retrostudy.synth.records import days
from retrostudy.synth.study import SyntheticStudy, canonical_tables, messy_extract

WINDOW = (dt.date(2014, 4, 1), dt.date(2017, 2, 28))
PERTUZUMAB_FROM = dt.date(2013, 9, 20)  # pertuzumab reached Japan in September 2013
P, T = "Tmab/Pmab", "Tmab"
TMAB_POOL = ("VNR+T", "CAPE+T", "ERI+T", "GEM+T")
LAPATINIB_POOL = ("VNR+T", "S1+T", "ERI+T", "GEM+T")


def load_calibration() -> dict:
    """The committed calibration of the 42 analysed patients (targets, achieved, patients)."""
    text = resources.files("retrostudy.synth").joinpath("seed_calibration.json").read_text("utf-8")
    return json.loads(text)


def generate_seed_study(seed: int = 2019) -> SyntheticStudy:
    """The seed study's synthetic extract and its ground truth (deterministic in ``seed``)."""
    rng = np.random.default_rng(seed)
    specs = _analysed_specs(load_calibration()["patients"], rng) + _other_specs(rng)
    numbers = np.sort(rng.choice(np.arange(100, 10000), len(specs), replace=False))
    order = rng.permutation(len(specs))
    out, truth = Records(), []
    for number, k in zip(numbers, order, strict=True):
        spec = specs[k]
        plan = _plan(f"SYN{number:04d}", spec, rng)
        facts = build(plan, rng, out)
        truth.append(_truth_row(plan, spec, facts))
    tables = canonical_tables({name: pd.DataFrame(rows) for name, rows in vars(out).items()})
    truth_frame = _exposures(pd.DataFrame(truth), tables["drug_administrations"])
    return SyntheticStudy(
        tables=tables, raw=messy_extract(tables, rng), truth=truth_frame, seed=seed
    )


def _analysed_specs(patients: list[dict], rng) -> list[dict]:
    specs = [dict(p, status="analysed") for p in patients]
    p_idx = [i for i, s in enumerate(specs) if s["group"] == P]
    t_idx = [i for i, s in enumerate(specs) if s["group"] == T]
    pmab = ["DTX+T+P"] * 16 + ["PTX+T+P", "VNR+T+P"]
    for i, template in zip(rng.permutation(p_idx), pmab, strict=True):
        specs[i]["pmab_template"] = template
    multi = [i for i in t_idx if specs[i]["prior_lines"] >= 2]
    forced = [i for i in multi if specs[i]["prior_lines"] == 6]
    rest = [i for i in rng.permutation(multi) if i not in forced]
    for i in t_idx:
        specs[i]["lapatinib"] = i in forced + rest[: 6 - len(forced)]
    treated = [i for i in t_idx if specs[i]["prior_lines"] >= 1]
    for j, i in enumerate(rng.permutation(treated)):
        specs[i]["first_taxane"] = "DTX+T" if j < 10 else "PTX+T"
    for i in t_idx:
        specs[i]["adjuvant_relapse"] = specs[i]["prior_lines"] == 0
    candidates = [i for i, s in enumerate(specs) if not s.get("adjuvant_relapse")]
    de_novo = set(rng.choice(candidates, 10, replace=False).tolist())
    for i, s in enumerate(specs):
        s["de_novo"] = i in de_novo
    return specs


def _templates(spec: dict, rng) -> list[str]:
    k = spec["prior_lines"]
    if spec["group"] == P:
        second = "VNR+T" if spec["pmab_template"] == "DTX+T+P" else "CAPE+T"
        return [spec["pmab_template"], second][:k]
    if k == 0:
        return []
    # with lapatinib + capecitabine, no later line re-uses capecitabine (S-1 instead)
    pool = list(rng.permutation(TMAB_POOL if not spec["lapatinib"] else LAPATINIB_POOL))
    if not spec["lapatinib"]:
        return [spec["first_taxane"], *pool[: k - 1]]
    later = pool[: k - 2]
    later.insert(int(rng.integers(0, len(later) + 1)), "LAP+CAPE")
    return [spec["first_taxane"], *later]


def _index_date(spec: dict, rng) -> dt.date:
    if "index" in spec:
        return spec["index"]
    if spec["discontinuation"] == "ongoing" and spec["pfs_days"] < 1000:
        return min(days(WINDOW[1], -8), days(CUTOFF, -spec["pfs_days"] - 20))
    first = dt.date(2014, 10, 1) if spec["group"] == P else days(WINDOW[0], 7)
    last = min(days(WINDOW[1], -8), days(CUTOFF, -spec["pfs_days"] - 45))
    return days(first, int(rng.integers(0, (last - first).days + 1)))


def _timeline(templates: list[str], index: dt.date, rng, earliest: dt.date | None):
    """Metastatic lines ending before ``index``, drawn back in time (rejection if too early)."""
    for _ in range(200):
        end, lines = days(index, -int(rng.integers(14, 36))), []
        for template in reversed(templates):
            long = template.endswith("+P")
            start = days(end, -int(rng.integers(100, 700) if long else rng.integers(60, 360)))
            lines.append((template, start, end))
            end = days(start, -int(rng.integers(14, 30)))
        lines.reverse()
        pmab_start = next((s for t, s, _ in lines if t.endswith("+P")), None)
        if earliest is None or pmab_start is None or pmab_start >= earliest:
            return tuple(lines)
    raise RuntimeError("no timeline fits before the index date")  # pragma: no cover


def _plan(pid: str, spec: dict, rng) -> Plan:
    index = _index_date(spec, rng)
    lines = spec.get("lines") or _timeline(_templates(spec, rng), index, rng, PERTUZUMAB_FROM)
    if lines:
        met = days(lines[0][1], -int(rng.integers(10, 35)))
    else:  # relapse on adjuvant trastuzumab: T-DM1 weeks after the metastatic diagnosis
        met = days(index, -int(rng.integers(20, 30)))
    visceral = spec["visceral"]
    n_sites = int(rng.integers(1, 4))
    pool = VISCERAL if visceral else NON_VISCERAL
    sites = tuple(rng.choice(pool, size=min(n_sites, len(pool)), replace=False).tolist())
    if visceral and rng.random() < 0.5:
        sites = ("bone", *sites)
    late = (
        ("liver", "lung")[int(rng.integers(0, 2))] if not visceral and rng.random() < 0.4 else None
    )
    return Plan(
        patient_id=pid,
        index=None if spec.get("never_tdm1") else index,
        lines=lines,
        met_date=met,
        de_novo=spec["de_novo"],
        adjuvant=_adjuvant(spec),
        adjuvant_relapse=spec.get("adjuvant_relapse", False),
        age=spec["age"],
        ecog=spec["ecog"],
        sites=sites,
        late_site=late,
        hr_positive=spec["hr_positive"],
        pfs_days=spec["pfs_days"],
        pfs_event=spec["pfs_event"],
        bor=spec["bor"],
        sd_long=spec["sd_long"],
        discontinuation=spec["discontinuation"],
        death_after=_death_after(spec, rng),
    )


def _adjuvant(spec: dict) -> str | None:
    if spec["de_novo"] or spec.get("no_trastuzumab"):
        return None
    if spec["group"] == P and spec.get("pmab_template") == "DTX+T+P":
        return "DTX"
    return "PTX"


def _death_after(spec: dict, rng) -> int | None:
    if spec["discontinuation"] == "ongoing":
        return None
    lo, hi = (60, 700) if spec["group"] == P else (120, 1100)
    return int(rng.integers(lo, hi))


def _other_specs(rng) -> list[dict]:
    """The 7 excluded and 2 unidentified patients (hand-made histories)."""
    d = dt.date
    base = {
        "group": None,
        "visceral": True,
        "ecog": 1,
        "sd_long": False,
        "pfs_event": True,
        "discontinuation": "progression",
        "de_novo": False,
    }
    specs = [
        dict(
            base,
            status="prior_tdm1",
            index=d(2014, 7, 3),
            age=58,
            hr_positive=True,
            lines=(
                ("DTX+T", d(2011, 7, 4), d(2012, 12, 20)),
                ("T-DM1", d(2013, 1, 15), d(2013, 8, 20)),
                ("CAPE+T", d(2013, 9, 10), d(2014, 6, 5)),
            ),
            pfs_days=126,
            bor="SD",
        ),
        dict(
            base,
            status="prior_tdm1",
            index=d(2015, 1, 8),
            age=47,
            hr_positive=False,
            ecog=0,
            lines=(
                ("PTX+T", d(2012, 3, 1), d(2013, 10, 10)),
                ("T-DM1", d(2013, 11, 5), d(2014, 3, 10)),
                ("VNR+T", d(2014, 4, 2), d(2014, 12, 10)),
            ),
            pfs_days=64,
            bor="PD",
        ),
    ]
    neither = (("PTX",), ("CAPE",), ("PTX", "CAPE"), ("LAP+CAPE",), ("ERI",))
    for k, templates in enumerate(neither):
        index = days(d(2014, 6, 1), int(rng.integers(0, 900)))
        specs.append(
            dict(
                base,
                status="no_prior_trastuzumab_or_pertuzumab",
                index=index,
                age=int(rng.integers(45, 80)),
                hr_positive=bool(k % 2),
                no_trastuzumab=True,
                lines=_timeline(list(templates), index, rng, None),
                de_novo=k < 2,
                pfs_days=int(rng.integers(50, 250)),
                bor=("SD", "PD")[k % 2],
                ecog=k % 2,
            )
        )
    after = d(2017, 3, 21)
    specs.append(
        dict(
            base,
            status="not_identified",
            index=after,
            age=62,
            hr_positive=True,
            lines=_timeline(["DTX+T+P"], after, rng, None),
            pfs_days=150,
            bor="SD",
        )
    )
    never = d(2016, 9, 1)
    specs.append(
        dict(
            base,
            status="not_identified",
            index=never,
            age=51,
            hr_positive=False,
            never_tdm1=True,
            lines=(("DTX+T+P", d(2015, 6, 1), d(2018, 5, 31)),),
            pfs_days=0,
            bor="NE",
        )
    )
    return specs


def _truth_row(plan: Plan, spec: dict, facts: dict) -> dict:
    status = spec["status"]
    identified = status != "not_identified"
    analysed = status == "analysed"
    row = {
        "patient_id": plan.patient_id,
        "identified": identified,
        "excluded_reason": status if identified and not analysed else None,
        "group": spec["group"] if analysed else None,
        "index_date": plan.index if identified else None,
        "age_at_index": plan.age if identified else None,
        "sex": "female",
        "ecog": plan.ecog,
        "visceral": spec["visceral"],
        "hr_status": "positive" if plan.hr_positive else "negative",
        "prior_regimens": len(plan.lines) if analysed else None,
        "de_novo": plan.de_novo,
        "adjuvant_relapse": plan.adjuvant_relapse,
        "docetaxel_trastuzumab_pertuzumab": any(t == "DTX+T+P" for t, _, _ in plan.lines),
    }
    if not analysed:
        return row
    bor = spec["bor"]
    death, contact = facts["death_date"], facts["last_contact_date"]
    return row | {
        "pfs_days": plan.pfs_days,
        "pfs_event": plan.pfs_event,
        "followup_days": plan.pfs_days,
        "bor": bor,
        "response": bor in ("CR", "PR"),
        "disease_control": bor in ("CR", "PR") or (bor == "SD" and spec["sd_long"]),
        "discontinuation_reason": None
        if plan.discontinuation == "ongoing"
        else plan.discontinuation,
        "os_days": ((death or contact) - plan.index).days,
        "os_event": death is not None,
    }


def _exposures(truth: pd.DataFrame, drugs: pd.DataFrame) -> pd.DataFrame:
    """Ever-exposure before index per drug of interest, from the records themselves."""
    index = pd.to_datetime(truth.set_index("patient_id")["index_date"])
    merged = drugs.merge(index.rename("index_date"), left_on="patient_id", right_index=True)
    prior = merged[merged["date"] < merged["index_date"]]
    out = truth.copy()
    for drug in ("trastuzumab", "pertuzumab", "lapatinib", "docetaxel", "trastuzumab emtansine"):
        ids = set(prior.loc[prior["drug"] == drug, "patient_id"])
        out[f"prior_{drug.replace(' ', '_')}"] = out["patient_id"].isin(ids) & out["identified"]
    out["index_date"] = pd.to_datetime(out["index_date"]).astype("datetime64[s]")
    for column in ("age_at_index", "prior_regimens", "pfs_days", "followup_days", "os_days"):
        out[column] = out[column].astype("Int64")
    for column in ("pfs_event", "response", "disease_control", "os_event"):
        out[column] = out[column].astype("boolean")
    return out
