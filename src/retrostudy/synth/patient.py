"""One synthetic patient's records from a plan (:class:`Plan`): history, T-DM1 course, scans.

The plan fixes what the study must derive (index date, prior lines, covariates, PFS,
best response); everything else (exact dose dates, scan days, brand spellings, deaths)
is drawn from the generator passed in. Every date is kept clear of the derivation rules'
boundaries (README of ``examples/tdm1_after_pertuzumab/data``) so any reasonable
implementation agrees with the truth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from retrostudy.synth.records import assessment, days, last_dose, observation, regimen, scan_days

CUTOFF = dt.date(2018, 6, 30)
ADJUVANT_TRASTUZUMAB_FROM = dt.date(2008, 1, 1)
VISCERAL = ("liver", "lung", "pleura", "brain")
NON_VISCERAL = ("bone", "lymph_node", "skin", "soft_tissue")


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What one patient's records must show; days are relative to the index date."""

    patient_id: str
    index: dt.date | None  # first T-DM1 dose (None: never treated with T-DM1)
    lines: tuple[tuple[str, dt.date, dt.date], ...]  # metastatic regimens before index
    met_date: dt.date
    de_novo: bool
    adjuvant: str | None  # adjuvant taxane template or None
    adjuvant_relapse: bool = False  # relapsed while on adjuvant trastuzumab
    age: int
    ecog: int
    sites: tuple[str, ...]  # metastatic sites present on or before index
    late_site: str | None = None  # a visceral site first seen after index (non-visceral patients)
    hr_positive: bool
    pfs_days: int = 0
    pfs_event: bool = True
    bor: str = "PD"
    sd_long: bool = False
    discontinuation: str = "progression"
    death_after: int | None = None  # days from PD / stop to death (None: alive at cut-off)


@dataclass
class Records:
    patients: list = field(default_factory=list)
    diagnoses: list = field(default_factory=list)
    biomarkers: list = field(default_factory=list)
    drug_administrations: list = field(default_factory=list)
    tumor_assessments: list = field(default_factory=list)
    observations: list = field(default_factory=list)


def build(plan: Plan, rng: np.random.Generator, out: Records) -> dict:
    """Append ``plan``'s records to ``out``; return facts for the truth row (death, OS)."""
    pid = plan.patient_id
    primary = _history(plan, rng, out)
    _biomarkers(plan, primary, rng, out)
    _sites_and_ecog(plan, rng, out)
    facts = _tdm1_course(plan, rng, out) if plan.index is not None else {"last": CUTOFF}
    last_record = max(facts["last"], _last_date(out, pid))
    death = facts.get("death")
    if death is not None and death <= last_record:
        death = None
    contact = days(death, -int(rng.integers(1, 8))) if death else CUTOFF
    contact = max(contact, last_record)
    out.patients.append(
        {
            "patient_id": pid,
            "birth_date": _birth_date(plan, rng),
            "sex": "female",
            "death_date": death,
            "last_contact_date": contact,
        }
    )
    return {"death_date": death, "last_contact_date": contact}


def _birth_date(plan: Plan, rng) -> dt.date:
    anchor = plan.index or days(CUTOFF, -365)
    year_back = dt.date(anchor.year - plan.age, anchor.month, min(anchor.day, 28))
    return days(year_back, -int(rng.integers(20, 330)))  # clear of the birthday


def _history(plan: Plan, rng, out: Records) -> dt.date:
    """Primary diagnosis, adjuvant therapy and metastatic lines before index."""
    pid = plan.patient_id
    if plan.de_novo:
        primary = plan.met_date
    elif plan.adjuvant_relapse:
        primary = days(plan.met_date, -int(rng.integers(330, 420)))
    else:
        primary = days(plan.met_date, -int(rng.integers(730, 3300)))
    stage = "IV" if plan.de_novo else ("IIA", "IIB", "IIIA", "IIIC")[int(rng.integers(0, 4))]
    out.diagnoses.append(_diagnosis(pid, primary, "breast cancer", stage, plan.de_novo))
    out.diagnoses.append(
        _diagnosis(pid, plan.met_date, "metastatic breast cancer", "IV", plan.de_novo)
    )
    if not plan.de_novo and plan.adjuvant:
        _adjuvant(plan, primary, rng, out)
    for template, start, end in plan.lines:
        out.drug_administrations += regimen(
            pid, template, start, end, rng, setting="metastatic", stop_reason="progression"
        )
    return primary


def _adjuvant(plan: Plan, primary: dt.date, rng, out: Records) -> None:
    pid = plan.patient_id
    ec_start = days(primary, int(rng.integers(28, 56)))
    ec = regimen(pid, "EC", ec_start, days(ec_start, 100), rng, setting="adjuvant")
    taxane_start = days(last_dose(ec), 21)
    with_t = primary >= ADJUVANT_TRASTUZUMAB_FROM
    template = plan.adjuvant + ("+T" if with_t else "")
    if plan.adjuvant_relapse:  # relapse on adjuvant trastuzumab: last dose before met diagnosis
        end = days(plan.met_date, -int(rng.integers(8, 15)))
        reason = "progression"
    else:
        end = days(taxane_start, 350 if with_t else 80)
        reason = "completed"
    taxane = regimen(pid, template, taxane_start, end, rng, setting="adjuvant", stop_reason=reason)
    out.drug_administrations += ec + taxane
    if plan.hr_positive and not plan.adjuvant_relapse:
        endo_start = days(last_dose(taxane), 21)
        endo_end = min(days(endo_start, 1800), days(plan.met_date, -200))
        if endo_end > endo_start:
            drug = ("TAM", "LET")[int(rng.integers(0, 2))]
            out.drug_administrations += regimen(
                pid, drug, endo_start, endo_end, rng, setting="adjuvant", stop_reason="progression"
            )


def _diagnosis(pid, date, name, stage, de_novo) -> dict:
    return {
        "patient_id": pid,
        "date": date,
        "diagnosis": name,
        "stage": stage,
        "de_novo_metastatic": de_novo,
    }


def _biomarkers(plan: Plan, primary: dt.date, rng, out: Records) -> None:
    pid = plan.patient_id
    er, pgr = _receptors(plan.hr_positive, rng)
    specimens = [("primary", primary)]
    if not plan.de_novo and rng.random() < 0.35:
        specimens.append(("metastasis", days(plan.met_date, int(rng.integers(1, 10)))))
    for specimen, date in specimens:
        for marker, positive in (("ER", er), ("PgR", pgr)):
            value = f"{int(rng.integers(10, 96))}%" if positive else "0%"
            out.biomarkers.append(_marker(pid, date, marker, "IHC", positive, value, specimen))
        if rng.random() < 0.8:
            out.biomarkers.append(_marker(pid, date, "HER2", "IHC", True, "3+", specimen))
        else:
            out.biomarkers.append(_marker(pid, date, "HER2", "IHC", None, "2+", specimen))
            ratio = f"ratio {rng.uniform(2.3, 6.0):.1f}"
            out.biomarkers.append(_marker(pid, date, "HER2", "ISH", True, ratio, specimen))


def _receptors(hr_positive: bool, rng) -> tuple[bool, bool]:
    if not hr_positive:
        return False, False
    return ((True, True), (True, False), (False, True))[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]


def _marker(pid, date, marker, method, positive, value, specimen) -> dict:
    result = "equivocal" if positive is None else ("positive" if positive else "negative")
    return {
        "patient_id": pid,
        "date": date,
        "marker": marker,
        "method": method,
        "result": result,
        "value": value,
        "specimen": specimen,
    }


def _sites_and_ecog(plan: Plan, rng, out: Records) -> None:
    pid = plan.patient_id
    anchor = plan.index or days(plan.met_date, 200)
    baseline = days(anchor, -int(rng.integers(8, 25)))
    for k, site in enumerate(plan.sites):
        late = k > 0 and site in VISCERAL and rng.random() < 0.5 and baseline > plan.met_date
        out.observations.append(
            observation(pid, baseline if late else plan.met_date, "metastatic_site", site)
        )
    if plan.late_site and plan.index is not None:
        when = days(plan.index, max(30, plan.pfs_days))
        out.observations.append(observation(pid, when, "metastatic_site", plan.late_site))
    out.observations.append(
        observation(pid, days(anchor, -int(rng.integers(0, 12))), "ecog", plan.ecog)
    )
    if rng.random() < 0.5:  # an older note outside the window, a different value
        out.observations.append(
            observation(
                pid,
                days(anchor, -int(rng.integers(60, 200))),
                "ecog",
                min(plan.ecog + 1, 3) if plan.ecog == 0 else plan.ecog - 1,
            )
        )
    if rng.random() < 0.3:  # a later note outside the window
        out.observations.append(
            observation(pid, days(anchor, int(rng.integers(21, 60))), "ecog", min(plan.ecog + 1, 4))
        )


def _tdm1_course(plan: Plan, rng, out: Records) -> dict:
    """T-DM1 from index, scans to PD (or censoring), next line, death."""
    pid, index, d = plan.patient_id, plan.index, plan.pfs_days
    stop = {"progression": d - 1, "toxicity": d + 10, "another_tumour": d + 5}.get(
        plan.discontinuation, (CUTOFF - index).days - 7
    )
    reason = None if plan.discontinuation == "ongoing" else plan.discontinuation
    out.drug_administrations += regimen(
        pid, "T-DM1", index, days(index, stop), rng, setting="metastatic", stop_reason=reason
    )
    for day, response in _scans(plan, rng):
        out.tumor_assessments.append(assessment(pid, days(index, day), response))
    if plan.discontinuation == "another_tumour":
        out.diagnoses.append(
            _diagnosis(pid, days(index, d + 12), "transformed follicular lymphoma", None, None)
        )
    death = None if plan.death_after is None else days(index, d + plan.death_after)
    if death is not None and death > CUTOFF:
        death = None
    if plan.pfs_event:
        _after_progression(plan, death, rng, out)
    return {"death": death, "last": days(index, max(stop, d))}


def _after_progression(plan: Plan, death, rng, out: Records) -> None:
    """Next line after PD, and sometimes a scan on it (after PD: ignored for PFS and BOR)."""
    pid, pd_date = plan.patient_id, days(plan.index, plan.pfs_days)
    limit = min(days(death, -15) if death else CUTOFF, CUTOFF)
    start = days(pd_date, int(rng.integers(10, 30)))
    end = min(days(start, int(rng.integers(60, 300))), limit)
    if end <= start:
        return
    template = ("LAP+CAPE", "ERI", "CAPE", "VNR+T")[int(rng.integers(0, 4))]
    out.drug_administrations += regimen(pid, template, start, end, rng, setting="metastatic")
    scan = days(pd_date, int(rng.integers(42, 70)))
    if rng.random() < 0.35 and scan < limit:
        response = ("SD", "PD", "PR")[int(rng.integers(0, 3))]
        out.tumor_assessments.append(assessment(pid, scan, response))


def _scans(plan: Plan, rng) -> list[tuple[int, str]]:
    """Time-point responses after index ending at PD (event) or the censoring scan."""
    d, bor = plan.pfs_days, plan.bor
    final = [(d, "PD")] if plan.pfs_event else []
    if bor == "PD":
        early = (
            [(int(rng.integers(21, min(36, d - 6) + 1)), "SD")]
            if d >= 36 and rng.random() < 0.4
            else []
        )
        return early + final
    end = d if plan.pfs_event else d + 1  # censored: the last scan is on day d itself
    room = d - 21 if plan.pfs_event else d
    first = int(rng.integers(49, min(63, room) + 1))
    days_ = [s for s in scan_days(first, end, rng) if s <= room]
    if not plan.pfs_event and days_[-1] != d:
        days_.append(d)
    if plan.sd_long and plan.pfs_event and days_[-1] < 190:
        days_.append(int(rng.integers(190, d - 20)))
    return _responses(days_, bor, rng) + final


def _responses(days_: list[int], bor: str, rng) -> list[tuple[int, str]]:
    out = [(s, "SD") for s in days_]
    if bor == "PR":
        k = int(rng.integers(0, min(2, len(out))))
        for j in range(k, len(out)):
            out[j] = (out[j][0], "PR" if j - k < 3 else ("SD", "PR")[int(rng.integers(0, 2))])
    elif len(out) >= 3 and rng.random() < 0.3:  # an unevaluable scan between two SDs
        out[1] = (out[1][0], "NE")
    return out


def _last_date(out: Records, pid: str) -> dt.date:
    dates = [
        r["date"]
        for table in (
            out.drug_administrations,
            out.tumor_assessments,
            out.observations,
            out.diagnoses,
            out.biomarkers,
        )
        for r in table
        if r["patient_id"] == pid
    ]
    dates += [
        r["end_date"]
        for r in out.drug_administrations
        if r["patient_id"] == pid and r["end_date"] is not None
    ]
    return max(dates)
