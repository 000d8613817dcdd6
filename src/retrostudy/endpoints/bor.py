"""RECIST 1.1 best overall response (BOR), unconfirmed and confirmed, vectorised.

Sources: Eisenhauer et al., Eur J Cancer 2009;45:228 (table 3, [V]);
the option set of pharmaverse/admiralonco ``derive_param_bor`` / ``derive_param_confirmed_bor``
(rules only, no code, [V]; docs/sources.md, "RECIST 1.1 best overall response").

Sequence used (both modes): post-baseline assessments (day > 0), not after death, of the
chosen method (``assessments = "radiological"`` drops 'clinical' ones), up to and including
the first PD; with ``ignore_after_new_therapy`` and a lines table, none dated after the start
of the next line (docs/sources.md). Two assessments on one day (the data model keys them by
patient and date, so this is bad input, counted in records.py) count as the worse one.

Unconfirmed (the seed): SD and NON_CR_NON_PD count only on or after ``sd_min_days``
(earlier ones count as NE); BOR is the best by CR > PR > SD > NON_CR_NON_PD > PD > NE.

Confirmed: a CR after an earlier CR marks reappearance of disease, so an SD, PR or
NON_CR_NON_PD after a CR is read as PD (RECIST table 3 footnote). A CR is confirmed by a
later CR at least ``confirm_days`` after it with only CR/NE between; a PR by a later CR/PR
at least ``confirm_days`` after it with only CR/PR/SD/NE between. At most
``max_ne_between`` NE and (with ``accept_sd``) one SD, else none, may lie between.
BOR = CR if a CR is confirmed, else PR if a PR is confirmed, else SD if a CR/PR/SD lies
on or after ``sd_min_days``, else NON_CR_NON_PD likewise, else PD if any PD, else NE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.data.arrays import sort_order
from retrostudy.endpoints.records import CODES, CR, NE, NON_CR_NON_PD, PD, PR, SD, Records
from retrostudy.endpoints.tte import NONE, group_first
from retrostudy.protocol.endpoints import BorEndpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class BestResponse:
    """BOR per patient (arrays aligned with the cohort rows).

    ``code``: index into CR, PR, SD, NON_CR_NON_PD, PD, NE; ``day``: first day the BOR was
    recorded (the first response day for CR/PR; NONE for NE); ``response_day``: first day of
    the (confirmed, if required) CR/PR, NONE for non-responders (the start of DoR);
    ``first_pd_day`` and ``last_response_day`` (last CR/PR/SD/NON_CR_NON_PD before the first
    PD) feed the seed's disease-control rule; ``n_assessments``: post-baseline assessments used.
    """

    code: np.ndarray
    day: np.ndarray
    response_day: np.ndarray
    first_pd_day: np.ndarray
    last_response_day: np.ndarray
    n_assessments: np.ndarray

    @property
    def label(self) -> np.ndarray:
        return CODES[self.code]


def sequence(spec: BorEndpoint, rec: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (pid, day, code) rows BOR is derived from, sorted, truncated at the first PD."""
    a = rec.assessments
    pid, day, code = (a[c].to_numpy() for c in ("pid", "day", "code"))
    keep = np.ones(len(a), dtype=bool)
    if spec.assessments == "radiological":
        keep &= ~a["clinical"].to_numpy()
    if spec.ignore_after_new_therapy:
        keep &= day <= rec.next_therapy_day[pid]
    pid, day, code = _one_per_day(pid[keep], day[keep], code[keep])
    if spec.confirmation:
        code = _reappearance_as_pd(pid, code)
    first_pd = group_first(pid[code == PD], day[code == PD], rec.n)
    keep = day <= first_pd[pid]
    return pid[keep], day[keep], code[keep]


def _one_per_day(pid, day, code):
    """One time point per patient and day: the worst response recorded that day (PD first;
    NE only when nothing else was recorded). Rows come back sorted by patient and day."""
    priority = np.where(code == NE, -1, code)
    order = sort_order(pid, day, priority)
    pid, day, code = pid[order], day[order], code[order]
    last = np.r_[(pid[1:] != pid[:-1]) | (day[1:] != day[:-1]), True] if pid.size else pid > 0
    return pid[last], day[last], code[last]


def _reappearance_as_pd(pid: np.ndarray, code: np.ndarray) -> np.ndarray:
    """SD/PR/NON_CR_NON_PD after an earlier CR of the same patient becomes PD."""
    is_cr = (code == CR).astype(np.int64)
    cum = np.cumsum(is_cr)
    starts = np.r_[True, pid[1:] != pid[:-1]] if pid.size else np.zeros(0, dtype=bool)
    base = np.maximum.accumulate(np.where(starts, cum - is_cr, 0)) if pid.size else cum
    seen_cr_before = (cum - is_cr - base) > 0
    return np.where(seen_cr_before & np.isin(code, (PR, SD, NON_CR_NON_PD)), PD, code)


def _confirmed(pid, day, code, target: int, spec: BorEndpoint) -> np.ndarray:
    """Row mask: ``target`` (CR or PR) rows confirmed per the rules in the module docstring."""
    m = pid.size
    if m == 0:
        return np.zeros(0, dtype=bool)
    confirmers = (CR,) if target == CR else (CR, PR)
    between_ok = (CR, NE) if target == CR else (CR, PR, SD, NE)
    is_conf = np.isin(code, confirmers)
    # index of the next confirmer at or after each row (m if none)
    nxt = np.where(is_conf, np.arange(m), m)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    # first row of the same patient dated >= day + confirm_days
    key = pid * (2 * NONE) + day
    pos = np.searchsorted(key, key + spec.confirm_days, side="left")
    j = np.append(nxt, m)[pos]
    jj = np.minimum(j, m - 1)
    valid = (code == target) & (j < m) & (pid[jj] == pid)
    cum = {name: np.r_[0, np.cumsum(mask)] for name, mask in (
        ("bad", ~np.isin(code, between_ok)), ("ne", code == NE), ("sd", code == SD))}
    i = np.arange(m)

    def between(name: str) -> np.ndarray:  # count in rows i+1 .. j-1
        return cum[name][jj] - cum[name][i + 1]

    max_sd = 1 if spec.accept_sd else 0
    return valid & (between("bad") == 0) & (between("ne") <= spec.max_ne_between) & (
        between("sd") <= max_sd
    )


def best_response(spec: BorEndpoint, rec: Records) -> BestResponse:
    """BOR for every patient of ``rec`` under ``spec``."""
    n = rec.n
    pid, day, code = sequence(spec, rec)
    n_used = np.bincount(pid, minlength=n)
    first_pd = group_first(pid[code == PD], day[code == PD], n)
    late = day >= spec.sd_min_days
    if spec.confirmation:
        level = np.full(pid.size, NE, dtype=np.int64)
        level[(code == PD)] = PD
        level[np.isin(code, (CR, PR, SD)) & late] = SD
        level[(code == NON_CR_NON_PD) & late] = NON_CR_NON_PD
        level[_confirmed(pid, day, code, PR, spec)] = PR
        level[_confirmed(pid, day, code, CR, spec)] = CR
    else:
        level = code.astype(np.int64)
        level[np.isin(code, (SD, NON_CR_NON_PD)) & ~late] = NE
    best = np.full(n, NE, dtype=np.int64)
    np.minimum.at(best, pid, level)
    is_best = level == best[pid]
    bor_day = group_first(pid[is_best], day[is_best], n)
    bor_day[best == NE] = NONE
    responder = (best == CR) | (best == PR)
    resp_rows = np.isin(level, (CR, PR))
    response_day = np.where(responder, group_first(pid[resp_rows], day[resp_rows], n), NONE)
    before_pd = np.isin(code, (CR, PR, SD, NON_CR_NON_PD))
    last_resp = np.full(n, NONE, dtype=np.int64)
    if before_pd.any():
        last_resp_rows = np.zeros(n, dtype=np.int64)
        np.maximum.at(last_resp_rows, pid[before_pd], day[before_pd])
        has = np.bincount(pid[before_pd], minlength=n) > 0
        last_resp = np.where(has, last_resp_rows, NONE)
    return BestResponse(code=best, day=bor_day, response_day=response_day,
                        first_pd_day=first_pd, last_response_day=last_resp,
                        n_assessments=n_used)


def describe_bor(name: str, spec: BorEndpoint, has_lines: bool = True) -> str:
    """The rule in words, for the report's methods section."""
    text = [f"{spec.label or name}: best overall response per RECIST 1.1"]
    if spec.confirmation:
        text.append(
            f" with confirmation (CR/PR confirmed by a later assessment at least "
            f"{spec.confirm_days} days later; at most {spec.max_ne_between} NE"
            f"{' and one SD' if spec.accept_sd else ''} in between; SD/PR after a CR read as PD)."
        )
    else:
        text.append(" without confirmation (best time-point response).")
    text.append(f" SD counts only if assessed at least {spec.sd_min_days} days after the index "
                "date. Assessments after the first PD")
    text.append(" or after the start of a new line of therapy" if spec.ignore_after_new_therapy
                and has_lines else "")
    text.append(" are ignored.")
    if spec.ignore_after_new_therapy and not has_lines:
        text.append(" (No lines of therapy were given, so later therapies could not be excluded.)")
    if spec.assessments == "radiological":
        text.append(" Clinical (non-radiological) assessments are ignored.")
    return "".join(text)
