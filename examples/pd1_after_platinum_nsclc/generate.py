"""Write the SYNTHETIC extract of the second worked example (seeded, byte-for-byte repeatable).

PD-1 inhibitor (nivolumab or pembrolizumab) after platinum-doublet chemotherapy in metastatic
non-small-cell lung cancer (NSCLC), three groups by the platinum partner drug given before:
pemetrexed, a taxane (paclitaxel or nab-paclitaxel) or gemcitabine. No row describes a real
person; every patient id starts with ``SYN``.

    python examples/pd1_after_platinum_nsclc/generate.py            # rewrites ./data
    python examples/pd1_after_platinum_nsclc/generate.py --out DIR  # somewhere else

Only the standard library is used, and only :class:`random.Random` methods whose output
Python keeps stable across versions (``random``, ``expovariate`` via ``random``), so the
same seed writes the same bytes on any machine. tests/examples/test_second_example.py fails
if ``data/`` differs from what this script writes.

The model (all numbers invented, loosely shaped on second-line PD-1 inhibitor trials and
real-world NSCLC cohorts; nothing here is calibrated to a publication):

- overall survival: Weibull (shape 1.1), median 420 days for the pemetrexed group at ECOG 0,
  hazard ratios 1.25 (taxane), 1.45 (gemcitabine), 1.5 (ECOG 1), 2.6 (ECOG 2), 1.35 (brain
  or liver metastases); responders live 2.5 times longer;
- objective response 20% / 17% / 14% (halved at ECOG 2), 80% of responses confirmed by the
  next scan; CT every 6-10 weeks from the first dose; 6% of scans not evaluable;
- records as a hospital extract prints them: brand, abbreviated and Japanese drug names,
  response spellings, a few duplicate rows, ECOG notes missing or outside the window,
  death dates of a registry imputed to the 15th of the month, loss to follow-up.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from pathlib import Path

SEED = 3
WINDOW = (dt.date(2016, 1, 1), dt.date(2019, 12, 31))
CUTOFF = dt.date(2020, 12, 31)
PRIMARY = "non-small cell lung cancer"
METASTATIC = "metastatic non-small cell lung cancer"

# How many patients of each kind (the flow chart follows from these).
KINDS = (
    ("pem", 135),          # platinum + pemetrexed (non-squamous), +/- bevacizumab
    ("tax", 85),           # carboplatin + paclitaxel or nab-paclitaxel
    ("gem", 55),           # cisplatin/carboplatin + gemcitabine (mostly squamous)
    ("other_doublet", 7),  # cisplatin + vinorelbine or carboplatin + docetaxel: no group
    ("prior_ici", 6),      # an earlier PD-1/PD-L1 course (trial atezolizumab; nivolumab in 2015)
    ("first_line_pembro", 16),  # pembrolizumab first line (PD-L1 high): no platinum before
    ("docetaxel_only", 4),      # elderly, single-agent docetaxel first: no platinum before
    ("late_ici", 3),       # PD-1 inhibitor only after the study window: never identified
    ("no_ici", 3),         # platinum doublet, never a PD-1 inhibitor: never identified
)

SPELLINGS = {
    "nivolumab": ("nivolumab", "Opdivo", "オプジーボ", "Opdivo 240mg", "ニボルマブ"),
    "pembrolizumab": ("pembrolizumab", "Keytruda", "キイトルーダ", "Keytruda 200 mg IV"),
    "atezolizumab": ("atezolizumab", "Tecentriq", "テセントリク"),
    "cisplatin": ("cisplatin", "CDDP", "シスプラチン"),
    "carboplatin": ("carboplatin", "CBDCA", "パラプラチン", "カルボプラチン"),
    "pemetrexed": ("pemetrexed", "Alimta", "アリムタ", "PEM"),
    "paclitaxel": ("paclitaxel", "PTX", "Taxol"),
    "nab-paclitaxel": ("nab-paclitaxel", "Abraxane", "アブラキサン", "nab-PTX"),
    "gemcitabine": ("gemcitabine", "GEM", "ジェムザール"),
    "docetaxel": ("docetaxel", "DTX", "タキソテール"),
    "vinorelbine": ("vinorelbine", "VNR", "ナベルビン"),
    "bevacizumab": ("bevacizumab", "Avastin", "アバスチン"),
}
RESPONSES = {
    "CR": ("CR", "complete response"),
    "PR": ("PR", "Partial Response", "partial response"),
    "SD": ("SD", "stable disease", "Stable"),
    "PD": ("PD", "pd", "progressive disease"),
    "NE": ("NE", "not evaluable"),
}
OS_HR = {"pem": 1.0, "tax": 1.25, "gem": 1.45}
ORR = {"pem": 0.20, "tax": 0.17, "gem": 0.14}
ECOG_HR = (1.0, 1.5, 2.6)


class Patient:
    """Every record of one patient, built day by day relative to the index (day 0)."""

    def __init__(self, pid: str, kind: str, rng: random.Random):
        self.pid, self.kind, self.rng = pid, kind, rng
        self.adm: list[tuple] = []   # drug, date, end_date, discontinuation_reason
        self.scans: list[tuple] = []  # date, response, method
        self.obs: list[tuple] = []   # date, name, value
        self.dx: list[tuple] = []    # date, diagnosis, stage, de_novo
        self.death: dt.date | None = None
        self.last_contact: dt.date | None = None

    # -- small helpers ------------------------------------------------------------------
    def u(self, a: float, b: float) -> float:
        return a + (b - a) * self.rng.random()

    def i(self, a: int, b: int) -> int:
        """An integer in [a, b], from random() only (stable across Python versions)."""
        return a + int(self.rng.random() * (b - a + 1))

    def pick(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def give(self, drug: str, day: dt.date, reason: str = "") -> None:
        self.adm.append((drug, day, None, reason))


def _add(d: dt.date, days: float) -> dt.date:
    return d + dt.timedelta(days=int(round(days)))


def _cycles(p: Patient, start: dt.date, drugs: dict[str, tuple[int, ...]], n: int,
            every: int = 21) -> dt.date:
    """``n`` cycles of ``every`` days from ``start``; ``drugs`` maps drug -> cycle days
    (1-based). A day-8/15 dose is skipped now and then (as in real pharmacy data).
    Returns the last dose date."""
    last = start
    for c in range(n):
        day1 = _add(start, c * every + (p.i(0, 3) if c else 0))
        for drug, days in drugs.items():
            for d in days:
                if d > 1 and p.rng.random() < 0.08:
                    continue
                when = _add(day1, d - 1)
                p.give(drug, when)
                last = max(last, when)
    return last


def _first_line(p: Patient, platinum: str) -> list[tuple[dict, int]]:
    """The first regimen (and pemetrexed maintenance) of each kind of patient."""
    kind = p.kind
    if kind == "pem":
        first = {platinum: (1,), "pemetrexed": (1,)}
        if p.rng.random() < 0.18:
            first["bevacizumab"] = (1,)
        if p.rng.random() < 0.6:   # maintenance: pemetrexed (+/- bevacizumab) goes on alone
            return [(first, 4), ({k: v for k, v in first.items() if k != platinum},
                                 p.i(2, 10))]
        return [(first, 4)]
    if kind == "tax":
        if p.rng.random() < 0.3:
            return [({"carboplatin": (1,), "nab-paclitaxel": (1, 8, 15)}, 4)]
        return [({"carboplatin": (1,), "paclitaxel": (1,)}, p.i(4, 6))]
    if kind == "gem":
        return [({platinum: (1,), "gemcitabine": (1, 8)}, 4)]
    if kind == "other_doublet":
        if p.rng.random() < 0.6:
            return [({"cisplatin": (1,), "vinorelbine": (1, 8)}, 4)]
        return [({"carboplatin": (1,), "docetaxel": (1,)}, 4)]
    if kind == "docetaxel_only":
        return [({"docetaxel": (1,)}, p.i(3, 6))]
    return [({"carboplatin": (1,), "pemetrexed": (1,)}, 4)]   # prior_ici, late_ici, no_ici


def _plan(p: Patient, prior: str) -> list[tuple[dict, int]]:
    """Regimens before the index: (drug -> days of the 21-day cycle, number of cycles)."""
    platinum = "carboplatin" if p.rng.random() < 0.7 else "cisplatin"
    plan = _first_line(p, platinum)
    if prior == "atezolizumab":   # first-line trial of atezolizumab after the doublet
        plan.append(({"atezolizumab": (1,)}, p.i(3, 8)))
    if p.kind in ("pem", "tax", "gem") and p.rng.random() < 0.22:
        plan.append(({"docetaxel": (1,)}, p.i(2, 6)))   # the PD-1 inhibitor is then 3rd line
    return plan


def _history(p: Patient, index: dt.date, prior: str = "") -> None:
    """Diagnoses, sites and the treatments before the index. The plan is laid out forwards
    from a provisional date, then every record is shifted so the PD-1 inhibitor starts on
    ``index``, 3-12 weeks after the last dose before it."""
    plan = _plan(p, prior)
    anchor = dt.date(2000, 1, 1)
    met = anchor
    day = _add(anchor, p.i(10, 35))
    for k, (drugs, n) in enumerate(plan):
        last = _cycles(p, day, drugs, n)
        # maintenance follows the induction one cycle later; a new line after 3-12 weeks
        maintenance_next = (p.kind == "pem" and k == 0 and len(plan) > 1
                            and "docetaxel" not in plan[1][0])
        day = _add(last, 21 if maintenance_next else p.i(21, 84))
    _diagnoses(p, met)
    shift = index - day
    p.adm = [(a[0], a[1] + shift, a[2], a[3]) for a in p.adm]
    p.obs = [(o[0] + shift, o[1], o[2]) for o in p.obs]
    p.dx = [(d[0] + shift, *d[1:]) for d in p.dx]
    if prior == "nivolumab":
        # nivolumab started in late 2015 and ran into the window: the index is its first
        # dose in the window, the earlier doses are a prior PD-1 course
        for k in range(1, p.i(2, 5)):
            p.give("nivolumab", _add(index, -14 * k))


def _diagnoses(p: Patient, met: dt.date) -> None:
    if p.rng.random() < 0.25:   # recurrence after surgery and adjuvant cisplatin + vinorelbine
        primary = _add(met, -p.i(420, 1500))
        p.dx.append((primary, PRIMARY, p.pick(("IB", "IIA", "IIB", "IIIA")), False))
        p.dx.append((met, METASTATIC, "IV", False))
        p.obs.append((_add(primary, 14), "surgery", "lobectomy"))
        _cycles(p, _add(primary, p.i(42, 70)), {"cisplatin": (1,), "vinorelbine": (1, 8)}, 4)
    else:
        p.dx.append((met, PRIMARY, "IV", True))
        p.dx.append((met, METASTATIC, p.pick(("IVA", "IVB")), True))
    sites = [s for s, pr in (("lymph_node", 0.6), ("lung", 0.3), ("pleura", 0.25),
                             ("bone", 0.35), ("liver", 0.16), ("brain", 0.2))
             if p.rng.random() < pr]
    if p.rng.random() < 0.03:
        sites = []   # no site recorded: visceral unknown
    elif not sites:
        sites = ["lymph_node"]
    for s in sites:
        p.obs.append((_add(met, p.i(0, 10)), "metastatic_site", s))
    p.visceral = any(s in ("brain", "liver") for s in sites)


def _ecog(p: Patient, index: dt.date) -> int:
    """The true ECOG PS and the notes a chart holds (often not where the protocol looks)."""
    ecog = 0 if p.rng.random() < 0.35 else (1 if p.rng.random() < 0.8 else 2)
    r = p.rng.random()
    if r < 0.68:      # a note in the weeks before the first dose
        p.obs.append((_add(index, -p.i(1, 25)), "ecog", str(ecog)))
        if p.rng.random() < 0.15:   # a later note outside the window, worse: ignored
            p.obs.append((_add(index, p.i(21, 45)), "ecog", str(min(ecog + 1, 3))))
    elif r < 0.80:    # recorded only at the first visits after the first dose (window's tail)
        p.obs.append((_add(index, p.i(1, 14)), "ecog", str(ecog)))
    elif r < 0.89:    # only an old note, outside the window: missing at index
        p.obs.append((_add(index, -p.i(45, 120)), "ecog", str(max(ecog - 1, 0))))
    # else: never recorded (missing)
    return ecog


def _weibull(p: Patient, median: float, hr: float, shape: float = 1.1) -> float:
    scale = median / math.log(2) ** (1 / shape)
    e = -math.log(1.0 - p.rng.random())
    return scale * (e / hr) ** (1 / shape)


def _course(p: Patient, index: dt.date, group: str, drug: str = "") -> None:
    """The PD-1 inhibitor course, scans, death and last contact after the index."""
    if not drug:   # pembrolizumab second line from February 2017 (Japan), nivolumab before
        late = index >= dt.date(2017, 2, 15) and p.rng.random() < 0.5
        drug = "pembrolizumab" if late else "nivolumab"
    ecog = _ecog(p, index)
    responder = p.rng.random() < ORR.get(group, 0.15) * (0.5 if ecog == 2 else 1.0)
    hr = OS_HR.get(group, 1.3) * ECOG_HR[ecog] * (1.35 if p.visceral else 1.0)
    t_os = _weibull(p, 420, hr) * (2.5 if responder else 1.0) + 3
    cutoff_day = (CUTOFF - index).days
    end = min(t_os, cutoff_day)
    lost = p.rng.random() < 0.06
    if lost:
        end = min(end, p.u(60, max(61, cutoff_day)))
    died = t_os <= end
    pd_day = _scans(p, index, end, responder)
    _doses(p, index, drug, end, died, pd_day)
    if pd_day is not None and p.rng.random() < 0.3 and pd_day + 60 < end:   # next line
        _cycles(p, _add(index, pd_day + p.i(21, 45)), {"docetaxel": (1,)},
                max(1, min(4, int((end - pd_day - 50) // 21))))
    _death(p, index, t_os, end, died, lost)


def _response(p: Patient, state: dict, k: int, day: int) -> str:
    """The time-point response of scan ``k`` on ``day`` (RECIST 1.1 overall response)."""
    if state["responder"] and state["first_pr"] is None and (k == 1 or p.rng.random() < 0.6):
        state["first_pr"] = k
        state["resp_end"] = day + (p.rng.expovariate(1 / 330) if state["confirmed"] else 1)
    if state["only_ne"]:
        return "NE"
    if state["first_pr"] is not None:
        if day > state["resp_end"]:
            return "PD"
        state["in_cr"] = state["in_cr"] or (k >= state["first_pr"] + 2 and p.rng.random() < 0.15)
        return "CR" if state["in_cr"] else "PR"   # a CR stays CR until progression
    return "PD" if day >= state["t_prog"] else "SD"


def _scans(p: Patient, index: dt.date, end: float, responder: bool) -> int | None:
    """CT every 6-10 weeks from the first dose until PD, death or the last contact; returns
    the day of the first radiological PD (None without one)."""
    state = {"responder": responder, "only_ne": p.rng.random() < 0.012,
             "confirmed": p.rng.random() < 0.8,
             "t_prog": p.rng.expovariate(1 / 100) if not responder else math.inf,
             "first_pr": None, "resp_end": math.inf, "in_cr": False}
    day, k, pd_seen = p.i(42, 63), 0, False
    while day < end and not pd_seen:
        resp = _response(p, state, k, day)
        pd_seen = resp == "PD"
        if resp in ("SD", "PR") and p.rng.random() < 0.06:
            resp = "NE"
        method = "MRI" if p.rng.random() < 0.03 else "CT"
        p.scans.append((_add(index, day), resp, method))
        k += 1
        day += p.i(42, 70)
    pd_day = (p.scans[-1][0] - index).days if pd_seen else None
    if pd_seen and p.rng.random() < 0.25 and day < end:   # one scan after PD: ignored
        p.scans.append((_add(index, min(day, end - 1)), "PD", "CT"))
    last_scan = (p.scans[-1][0] - index).days if p.scans else 0
    if not pd_seen and p.rng.random() < 0.03 and end - last_scan > 25:
        # progression judged clinically only: not a radiological PFS event
        p.scans.append((_add(index, end - p.i(1, 20)), "PD", "clinical"))
    return pd_day


def _doses(p: Patient, index: dt.date, drug: str, end: float, died: bool,
           pd_day: int | None) -> None:
    """Doses every 2 (nivolumab) or 3 weeks until progression (some treated beyond it),
    toxicity, death or the last contact; the reason is on the last dose."""
    every = 14 if drug == "nivolumab" else 21
    stop, reason = end - 1, ""
    if pd_day is not None:
        stop, reason = pd_day + (p.i(14, 42) if p.rng.random() < 0.2 else 0), "progression"
    if p.rng.random() < 0.1:
        tox = p.u(20, 400)
        if tox < stop:
            stop, reason = tox, "toxicity"
    stop = min(stop, end - 1)
    if stop >= end - 1:   # on treatment to the end: death (sometimes recorded) or ongoing
        reason = ("death" if p.rng.random() < 0.5 else "") if died else ""
    d, doses = 0, []
    while d <= stop:
        doses.append(d)
        d += every + (p.i(0, 3) if p.rng.random() < 0.3 else 0)
    for j, dd in enumerate(doses):
        p.give(drug, _add(index, dd), reason if j == len(doses) - 1 else "")


def _death(p: Patient, index: dt.date, t_os: float, end: float, died: bool,
           lost: bool) -> None:
    if died:
        death = _add(index, t_os)
        last_record = max([a[1] for a in p.adm] + [s[0] for s in p.scans]
                          + [o[0] for o in p.obs])
        registry = dt.date(death.year, death.month, 15)
        if p.rng.random() < 0.1 and registry > last_record:   # month-precision registry date
            death = registry
        p.death = max(death, _add(last_record, 1))
        if p.rng.random() < 0.5:
            p.last_contact = _add(p.death, -p.i(1, 20))
    elif lost:
        p.last_contact = _add(index, end)
    else:
        p.last_contact = _add(CUTOFF, -p.i(0, 40))


def _patient(pid: str, kind: str, rng: random.Random) -> Patient:
    p = Patient(pid, kind, rng)
    lo, hi = WINDOW
    prior = ""
    if kind == "prior_ici":
        prior = "atezolizumab" if p.rng.random() < 0.5 else "nivolumab"
    if kind == "late_ici":
        index = _add(hi, p.i(20, 200))
    elif prior == "nivolumab":
        index = _add(lo, p.i(0, 12))
    elif kind == "first_line_pembro":
        index = _add(dt.date(2017, 3, 1), p.i(0, (hi - dt.date(2017, 3, 1)).days - 10))
    else:
        index = _add(lo, p.i(10, (hi - lo).days - 10))
    if kind == "first_line_pembro":   # PD-L1-high: pembrolizumab first, no platinum before
        _diagnoses(p, _add(index, -p.i(14, 40)))
    else:
        _history(p, index, prior)
    male = p.rng.random() < (0.85 if kind == "gem" else 0.68)
    age = min(88, max(41, int(round(68 + 8.5 * _gauss(p)))))
    p.birth = _add(index, -(age * 365.25 + p.u(1, 364)))
    p.sex = "male" if male else "female"
    if kind == "no_ici":
        p.death = _add(index, p.i(30, 200))   # died before any PD-1 inhibitor
        return p
    if kind == "first_line_pembro":
        _course(p, index, "pem", drug="pembrolizumab")
    else:
        _course(p, index, kind if kind in OS_HR else "other")
    return p


def _gauss(p: Patient) -> float:
    """A standard normal variate by Box-Muller from random() (stable across versions)."""
    u1, u2 = 1.0 - p.rng.random(), p.rng.random()
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def generate(seed: int = SEED) -> list[Patient]:
    rng = random.Random(seed)
    kinds = [k for k, n in KINDS for _ in range(n)]
    rng.shuffle(kinds)   # shuffle() uses randbelow: stable since Python 3.2
    ids = sorted(rng.sample(range(1000, 9999), len(kinds)))
    return [_patient(f"SYN{pid}", kind, random.Random(rng.getrandbits(64)))
            for pid, kind in zip(ids, kinds, strict=True)]


def _text(d) -> str:
    return "" if d is None else (d.isoformat() if isinstance(d, dt.date) else str(d))


def write(patients: list[Patient], out: Path, seed: int = SEED) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list] = {k: [] for k in ("patients", "diagnoses", "drug_administrations",
                                             "tumor_assessments", "observations")}
    for p in patients:
        r = p.rng   # spellings and duplicates drawn after the patient's own records
        rows["patients"].append((p.pid, p.birth, p.sex, p.death, p.last_contact))
        for date, dx, stage, de_novo in sorted(p.dx, key=lambda x: (x[0], x[1])):
            rows["diagnoses"].append((p.pid, date, dx, stage, de_novo))
        adm = sorted(set(p.adm), key=lambda a: (a[1], a[0]))
        for drug, date, end, reason in adm:
            row = (p.pid, SPELLINGS[drug][int(r.random() * len(SPELLINGS[drug]))], date, end,
                   "", reason)
            rows["drug_administrations"].append(row)
            if r.random() < 0.01:   # the extract repeats a row now and then
                rows["drug_administrations"].append(row)
        for date, resp, method in sorted(p.scans):
            spelled = RESPONSES[resp][int(r.random() * len(RESPONSES[resp]))]
            rows["tumor_assessments"].append((p.pid, date, spelled, method))
        for date, name, value in sorted(set(p.obs)):
            rows["observations"].append((p.pid, date, name, value))
    headers = {
        "patients": ("patient_id", "birth_date", "sex", "death_date", "last_contact_date"),
        "diagnoses": ("patient_id", "date", "diagnosis", "stage", "de_novo_metastatic"),
        "drug_administrations": ("patient_id", "drug", "date", "end_date", "setting",
                                 "discontinuation_reason"),
        "tumor_assessments": ("patient_id", "date", "response", "method"),
        "observations": ("patient_id", "date", "name", "value"),
    }
    for name, header in headers.items():
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for row in rows[name]:
                w.writerow([_text(v) for v in row])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    write(generate(args.seed), args.out, args.seed)


if __name__ == "__main__":
    main()
