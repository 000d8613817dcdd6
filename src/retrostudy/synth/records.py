"""Record builders shared by the generators: regimens as dose-level pharmacy rows, scans.

A regimen is a template of drugs with a schedule each (:data:`TEMPLATES`); :func:`regimen`
turns one into administration records between a start and an end date: q3w infusions
with small cumulative delays, weekly or day-1/day-8 chemotherapy, and oral drugs as
regimen-level records (``date`` = start, ``end_date`` = last day) per cycle or dispensing.
The drug column holds the ingredient; ``drug_source`` a spelling as a pharmacy system
would print it (brand, abbreviation, Japanese name), all known to
``retrostudy/data/drugs.csv``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

DAY = dt.timedelta(days=1)

SPELLINGS = {
    "trastuzumab": ("Herceptin", "ハーセプチン", "trastuzumab", "Tmab", "トラスツズマブ"),
    "pertuzumab": ("Perjeta", "パージェタ", "pertuzumab", "Pmab"),
    "trastuzumab emtansine": ("Kadcyla", "カドサイラ", "T-DM1", "trastuzumab emtansine"),
    "docetaxel": ("DTX", "Taxotere", "ドセタキセル", "docetaxel", "ワンタキソテール"),
    "paclitaxel": ("PTX", "Taxol", "パクリタキセル", "paclitaxel"),
    "capecitabine": ("Xeloda", "ゼローダ", "capecitabine", "CAPE"),
    "lapatinib": ("Tykerb", "タイケルブ", "lapatinib", "Lapa"),
    "vinorelbine": ("Navelbine", "VNR", "ビノレルビン", "ロゼウス"),
    "tegafur/gimeracil/oteracil": ("TS-1", "S-1", "ティーエスワン"),
    "eribulin": ("Halaven", "ハラヴェン", "eribulin"),
    "gemcitabine": ("Gemzar", "GEM", "ジェムザール"),
    "epirubicin": ("EPI", "epirubicin", "ファルモルビシン"),
    "cyclophosphamide": ("CPA", "Endoxan", "エンドキサン"),
    "tamoxifen": ("Nolvadex", "tamoxifen", "ノルバデックス"),
    "letrozole": ("Femara", "letrozole", "フェマーラ"),
}

# drug -> (schedule, number of doses or cycles before the drug stops; None = to the end)
TEMPLATES: dict[str, tuple[tuple[str, str, int | None], ...]] = {
    "DTX+T+P": (("docetaxel", "q3w", 6), ("trastuzumab", "q3w", None), ("pertuzumab", "q3w", None)),
    "PTX+T+P": (
        ("paclitaxel", "weekly", 12),
        ("trastuzumab", "q3w", None),
        ("pertuzumab", "q3w", None),
    ),
    "VNR+T+P": (
        ("vinorelbine", "d1d8", 6),
        ("trastuzumab", "q3w", None),
        ("pertuzumab", "q3w", None),
    ),
    "PTX+T": (("paclitaxel", "weekly", 12), ("trastuzumab", "q3w", None)),
    "DTX+T": (("docetaxel", "q3w", 6), ("trastuzumab", "q3w", None)),
    "VNR+T": (("vinorelbine", "d1d8", None), ("trastuzumab", "q3w", None)),
    "CAPE+T": (("capecitabine", "oral_cycle", None), ("trastuzumab", "q3w", None)),
    "S1+T": (("tegafur/gimeracil/oteracil", "oral_cycle", None), ("trastuzumab", "q3w", None)),
    "ERI+T": (("eribulin", "d1d8", None), ("trastuzumab", "q3w", None)),
    "GEM+T": (("gemcitabine", "d1d8", None), ("trastuzumab", "q3w", None)),
    "LAP+CAPE": (("lapatinib", "oral_daily", None), ("capecitabine", "oral_cycle", None)),
    "T-DM1": (("trastuzumab emtansine", "q3w", None),),
    "PTX": (("paclitaxel", "weekly", None),),
    "CAPE": (("capecitabine", "oral_cycle", None),),
    "ERI": (("eribulin", "d1d8", None),),
    "EC": (("epirubicin", "q3w", 4), ("cyclophosphamide", "q3w", 4)),
    "DTX": (("docetaxel", "q3w", 4),),
    "TAM": (("tamoxifen", "oral_daily", None),),
    "LET": (("letrozole", "oral_daily", None),),
}

Record = dict[str, object]


def days(date: dt.date, n: int) -> dt.date:
    return date + dt.timedelta(days=int(n))


def dose_dates(start: dt.date, end: dt.date, schedule: str, limit: int | None, rng) -> list:
    """(date, end_date) pairs of one drug from ``start`` until ``end`` (inclusive)."""
    if schedule in ("oral_cycle", "oral_daily"):
        on, period = (13, 21) if schedule == "oral_cycle" else (27, 28)
        starts = _cycle_starts(start, end, period, 0, limit, rng)
        return [(s, min(days(s, on), end)) for s in starts]
    period, delay = {"q3w": (21, 3), "weekly": (7, 1), "d1d8": (21, 2)}[schedule]
    starts = _cycle_starts(start, end, period, delay, limit, rng)
    if schedule == "d1d8":
        starts = [d for s in starts for d in (s, days(s, 7)) if d <= end]
    return [(s, None) for s in starts]


def _cycle_starts(start, end, period, delay, limit, rng) -> list[dt.date]:
    out, current = [], start
    while current <= end and (limit is None or len(out) < limit):
        out.append(current)
        current = days(current, period + (int(rng.integers(0, delay + 1)) if delay else 0))
    return out


def regimen(
    patient_id: str,
    template: str,
    start: dt.date,
    end: dt.date,
    rng: np.random.Generator,
    *,
    setting: str,
    stop_reason: str | None = None,
) -> list[Record]:
    """Administration records of ``template`` from ``start`` to ``end``.

    ``stop_reason`` is put on the last record of each drug that runs to the end.
    """
    records = []
    for drug, schedule, limit in TEMPLATES[template]:
        pairs = dose_dates(start, end, schedule, limit, rng)
        for i, (date, end_date) in enumerate(pairs):
            last = i == len(pairs) - 1 and limit is None
            records.append(
                {
                    "patient_id": patient_id,
                    "drug": drug,
                    "date": date,
                    "end_date": end_date,
                    "setting": setting,
                    "discontinuation_reason": stop_reason if last else None,
                    "drug_source": _spelling(drug, rng),
                }
            )
    return records


def _spelling(drug: str, rng) -> str:
    options = SPELLINGS[drug]
    return options[int(rng.integers(0, len(options)))]


def last_dose(records: list[Record]) -> dt.date:
    return max(r["end_date"] or r["date"] for r in records)


def scan_days(first: int, last: int, rng, *, lo: int = 42, hi: int = 84) -> list[int]:
    """Scan days from ``first`` every 6-12 weeks, all < ``last`` (irregular intervals)."""
    out, current = [], first
    while current < last:
        out.append(current)
        current += int(rng.integers(lo, hi + 1))
    return out


def assessment(patient_id: str, date: dt.date, response: str, method: str = "CT") -> Record:
    return {"patient_id": patient_id, "date": date, "response": response, "method": method}


def observation(patient_id: str, date: dt.date, name: str, value: object) -> Record:
    return {"patient_id": patient_id, "date": date, "name": name, "value": str(value)}
