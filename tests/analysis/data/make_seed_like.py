"""Regenerate seed_like.csv: a hand-built 42-patient analysis dataset shaped like the seed.

Counts follow the seed paper's Table 1 and Table 2 (ECOG 13/5/0 vs 13/10/1, visceral 13 vs
18, hormone receptor positive 11 vs 10, PR/SD/PD 2/6/10 vs 6/15/3, DCR 3 vs 15); ages,
regimens and PFS times are drawn from a seeded generator. ``de_novo`` has one missing value
to exercise the Missing row. Run: python tests/analysis/data/make_seed_like.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240401)
rows = []
spec = {
    "Tmab/Pmab": dict(
        n=18,
        ecog=[0] * 13 + [1] * 5,
        visceral=13,
        hr=11,
        bor=["PR"] * 2 + ["SD"] * 6 + ["PD"] * 10,
        dcr=3,
        pfs_med=85,
        lapa=0,
    ),
    "Tmab": dict(
        n=24,
        ecog=[0] * 13 + [1] * 10 + [2],
        visceral=18,
        hr=10,
        bor=["PR"] * 6 + ["SD"] * 15 + ["PD"] * 3,
        dcr=15,
        pfs_med=237,
        lapa=6,
    ),
}
pid = 0
for group, s in spec.items():
    n = s["n"]
    perm = rng.permutation(n)
    bor = np.array(s["bor"])[perm]
    # disease control: every PR plus the longest-lasting SD patients, up to the seed's count
    days = np.maximum(14, np.round(rng.exponential(s["pfs_med"] / np.log(2), n))).astype(int)
    order = np.argsort(-days, kind="stable")
    dc = np.zeros(n, bool)
    for i in order:
        if dc.sum() >= s["dcr"]:
            break
        if bor[i] in ("PR", "SD"):
            dc[i] = True
    event = (rng.random(n) < 0.9).astype(int)
    for i in range(n):
        pid += 1
        rows.append(
            {
                "patient_id": f"P{pid:03d}",
                "group": group,
                "index_date": str(np.datetime64("2014-04-01") + np.timedelta64(21 * pid, "D")),
                "age": int(rng.integers(30 if group == "Tmab" else 43, 75)),
                "ecog": int(s["ecog"][perm[i]]),
                "visceral": bool(perm[i] < s["visceral"]),
                "hr_status": "positive" if (perm[i] + 3) % n < s["hr"] else "negative",
                "prior_regimens": int(
                    rng.integers(1, 3) if group == "Tmab/Pmab" else rng.integers(0, 7)
                ),
                "ever_lapatinib": bool(perm[i] < s["lapa"]),
                "duration_lapatinib_days": float(rng.integers(55, 330))
                if perm[i] < s["lapa"]
                else None,
                "de_novo": None if pid == 7 else bool(rng.random() < 0.25),
                "pfs_days": int(days[i]),
                "pfs_event": int(event[i]),
                "bor": str(bor[i]),
                "response": bool(bor[i] in ("CR", "PR")),
                "disease_control": bool(dc[i]),
                "ttd_discontinuation_reason": "progression" if event[i] else None,
            }
        )
frame = pd.DataFrame(rows)
frame.to_csv(Path(__file__).with_name("seed_like.csv"), index=False)
