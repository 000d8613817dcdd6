"""Read what the endpoints need from the store, as integer days since each patient's index.

Relational work (joins to the cohort, day arithmetic, filtering, counting bad records) runs
in the engine through Ibis; only the rows the endpoint rules use come back to pandas.

Bad-input rules (docs/endpoints.md, "Bad input"); each is counted, never silent:

- assessments dated before the index date are pre-treatment (baseline) and ignored;
  assessments on the index date are the baseline scan and ignored;
- records dated after the patient's death are ignored;
- a response code outside RECIST's CR/PR/SD/NON_CR_NON_PD/PD/NE (the data layer should
  already reject it) is read as NE;
- a death dated before the index date is an error (the cohort cannot contain the patient);
- among the assessments before the index date, a response (CR/PR) or a progression (PD) is
  also counted on its own (``response_before_index``, ``progression_before_index``): the index
  date is the first dose of the index line, so a response to that line cannot precede it,
  and a progression before it is the reason to start the line, not an event of it. Each
  such record is named in ``issues``; it is not used;
- age at the index date (``age`` of the cohort frame, when given) above 120 is an error;
  under 18 or over 100 is plausible but unusual: counted and named, the patient is kept.

A named record (and a death before index) says where it came from like a load-time problem:
patient, file and row (:meth:`~retrostudy.data.store.Store.located`: the file as the data
folder names it, the row as the user sees it), column and value.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from retrostudy.data.schema import RESPONSE
from retrostudy.data.store import Store
from retrostudy.endpoints.tte import NONE
from retrostudy.errors import DataError, Problem

RANK = {"CR": 0, "PR": 1, "SD": 2, "NON_CR_NON_PD": 3, "PD": 4, "NE": 5}
"""RECIST preference order CR > PR > SD > NON_CR_NON_PD > PD > NE (admiralonco
``derive_param_bor``; docs/sources.md). Lower is better."""
CR, PR, SD, NON_CR_NON_PD, PD, NE = range(6)
CODES = np.array(list(RANK))


@dataclass(frozen=True, slots=True, kw_only=True)
class Records:
    """Per-patient days (arrays aligned with the cohort rows) and post-baseline assessments.

    ``assessments`` holds ``pid`` (cohort row), ``day`` (> 0), ``code`` (see :data:`RANK`)
    and ``clinical`` (method 'clinical', i.e. not radiological), sorted by ``pid``, ``day``.
    """

    patient_id: np.ndarray
    index_date: np.ndarray  # datetime64[D]
    death_day: np.ndarray  # NONE when alive
    last_contact_day: np.ndarray  # NONE when unknown
    next_therapy_day: np.ndarray  # NONE when no later line (or no lines table)
    has_lines: bool
    assessments: pd.DataFrame
    counts: pd.DataFrame  # rule, scope, n_records, n_patients, action
    cohort: ibis.Table  # the cohort in the engine (pid, patient_id, index_date, death_day)
    examples: tuple[Problem, ...] = ()  # the records behind plausibility rules, by patient

    @property
    def n(self) -> int:
        return len(self.patient_id)


def cohort_table(cohort_patients: pd.DataFrame) -> tuple[pd.DataFrame, ibis.Table]:
    """The cohort as a frame with ``pid`` (row number) and as an Ibis memtable."""
    missing = {"patient_id", "index_date"} - set(cohort_patients.columns)
    if missing:
        raise DataError(f"cohort patients frame lacks column(s) {sorted(missing)}")
    frame = pd.DataFrame(
        {
            "pid": np.arange(len(cohort_patients), dtype=np.int64),
            "patient_id": cohort_patients["patient_id"].astype("string").to_numpy(),
            "index_date": pd.to_datetime(cohort_patients["index_date"]).astype("datetime64[s]"),
        }
    )
    if frame["index_date"].isna().any() or frame["patient_id"].duplicated().any():
        raise DataError("cohort patients need one row per patient_id and an index_date each")
    return frame, ibis.memtable(frame)


def _days(values: pd.Series) -> np.ndarray:
    return values.astype("Float64").fillna(float(NONE)).to_numpy(dtype=np.int64)


def count_row(rule: str, scope: str, n_records: int, n_patients: int, action: str) -> dict:
    return dict(rule=rule, scope=scope, n_records=int(n_records), n_patients=int(n_patients),
                action=action)


def _patients(store: Store, cohort: ibis.Table, n: int) -> tuple[np.ndarray, np.ndarray, list]:
    p = store.table("patients")
    j = cohort.left_join(p, cohort.patient_id == p.patient_id)
    q = j.select(
        "pid",
        death=j.death_date.cast("date").delta(j.index_date.cast("date"), unit="day"),
        contact=j.last_contact_date.cast("date").delta(j.index_date.cast("date"), unit="day"),
        known=j.patient_id_right.notnull(),
    )
    df = store.execute(q).sort_values("pid")
    death = _days(df["death"])
    contact = _days(df["contact"])
    rows = []
    unknown = int((~df["known"].astype(bool)).sum())
    if unknown:
        rows.append(count_row("patient_not_in_patients_table", "patients", unknown, unknown,
                              "no death or last-contact date; OS censored at last record"))
    late = (contact != NONE) & (death != NONE) & (contact > death)
    if late.any():
        rows.append(count_row("last_contact_after_death", "patients", late.sum(), late.sum(),
                              "last-contact date ignored (death date kept)"))
        contact = np.where(late, death, contact)
    early = death < 0
    if early.any():
        pids = df.loc[early, "pid"].to_numpy()[:10]
        where = _patient_rows(store, cohort.filter(cohort.pid.isin(pids.tolist())))
        raise DataError([Problem(
            message=f"{early.sum()} patient(s) died before their index date (index date "
                    f"{pd.Timestamp(r.index_date).date()})", column="death_date",
            value=_iso(r.death_date), patient=str(r.patient_id), file=_text(r.source_file),
            row=_int(r.source_row), code="death_before_index",
            hint="fix the death date or the index date") for r in where.itertuples()])
    return death, contact, rows


def _patient_rows(store: Store, cohort: ibis.Table) -> pd.DataFrame:
    """The patients rows (birth and death dates, where they came from) of ``cohort``'s
    patients, in cohort order."""
    p = store.located("patients")
    j = cohort.left_join(p, cohort.patient_id == p.patient_id)
    q = j.select("pid", "patient_id", "index_date", "birth_date", "death_date", "source_file",
                 "source_row")
    return store.execute(q).sort_values("pid").reset_index(drop=True)


def _text(value) -> str | None:
    return None if pd.isna(value) else str(value)


def _int(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _iso(value) -> str | None:
    return None if pd.isna(value) else str(pd.Timestamp(value).date())


_BEFORE_INDEX = "ignored (dated before the first dose of the index line; also counted in " \
    "assessment_before_index)"
_ASSESSMENT_RULES = (
    ("assessment_before_index", "ignored (pre-treatment, baseline)"),
    ("response_before_index", _BEFORE_INDEX),
    ("progression_before_index", _BEFORE_INDEX),
    ("assessment_on_index", "ignored (baseline scan)"),
    ("assessment_after_death", "ignored"),
    ("unknown_response_code", "read as NE"),
)


def _assessments(store: Store, cohort: ibis.Table) -> tuple[pd.DataFrame, list]:
    """Post-baseline assessments not after death (filtered in the engine), and the counts
    of the rows each bad-input rule set aside. ``cohort`` carries ``death_day``."""
    t = store.table("tumor_assessments")
    j = t.inner_join(cohort, t.patient_id == cohort.patient_id)
    q = j.select(
        "pid",
        day=j.date.cast("date").delta(j.index_date.cast("date"), unit="day"),
        late=j.date.cast("date").delta(j.index_date.cast("date"), unit="day") > j.death_day,
        response=j.response,
        clinical=(j.method == "clinical").fill_null(False),
    )
    keep = (q.day > 0) & ~q.late
    flags = (q.day < 0, (q.day < 0) & q.response.isin(("CR", "PR")).fill_null(False),
             (q.day < 0) & (q.response == "PD").fill_null(False), q.day == 0,
             (q.day > 0) & q.late, keep & ~q.response.isin(RESPONSE).fill_null(False))
    agg = store.execute(q.aggregate(**{
        # fill_null: Spark compiles count(where=) to SUM(...), NULL over no rows
        f"{name}_{what}": (q.pid.count(where=flag) if what == "n"
                           else q.pid.nunique(where=flag)).fill_null(0)
        for (name, _), flag in zip(_ASSESSMENT_RULES, flags, strict=True) for what in ("n", "p")
    })).iloc[0]
    rows = [count_row(name, "tumor_assessments", agg[f"{name}_n"], agg[f"{name}_p"], action)
            for name, action in _ASSESSMENT_RULES if agg[f"{name}_n"]]
    df = store.execute(q.filter(keep).select("pid", "day", "response", "clinical"))
    kept = pd.DataFrame({
        "pid": df["pid"].to_numpy(dtype=np.int64),
        "day": df["day"].to_numpy(dtype=np.int64),
        "code": df["response"].map(RANK).fillna(NE).to_numpy(dtype=np.int8),
        "clinical": df["clinical"].to_numpy(dtype=bool),
    })
    kept = kept.sort_values(["pid", "day", "code", "clinical"], kind="stable")
    kept = kept.reset_index(drop=True)
    twice = kept.duplicated(["pid", "day"], keep=False).to_numpy()
    if twice.any():
        rows.append(count_row("duplicate_assessment_date", "tumor_assessments", twice.sum(),
                              np.unique(kept["pid"].to_numpy()[twice]).size,
                              "BOR uses the worse response of the day"))
    return kept, rows


def _before_index(store: Store, cohort: ibis.Table, frame: pd.DataFrame) -> list[Problem]:
    """The responses and progressions dated before the index date, each named (up to 20)
    with its file and row."""
    t = store.located("tumor_assessments")
    j = t.inner_join(cohort, t.patient_id == cohort.patient_id)
    q = j.select("pid", "source_file", "source_row", date=j.date.cast("date"),
                 response=j.response,
                 day=j.date.cast("date").delta(j.index_date.cast("date"), unit="day"))
    q = q.filter((q.day < 0) & q.response.isin(("CR", "PR", "PD")).fill_null(False))
    df = store.execute(q.order_by(["pid", "date", "response", "source_row"]).limit(20))
    out = []
    for r in df.itertuples(index=False):
        rule = "progression_before_index" if r.response == "PD" else "response_before_index"
        out.append(Problem(
            message=f"{rule}: tumor_assessments record dated {_iso(r.date)}, "
                    f"{-int(r.day)} day(s) before the index date (the first dose of the index "
                    f"line), response {r.response}; not used", column="date",
            value=_iso(r.date),
            patient=str(frame["patient_id"].iat[int(r.pid)]), code=rule,
            file=_text(r.source_file), row=_int(r.source_row),
            hint="check the assessment date and which line it belongs to"))
    return out


def _ages(cohort_patients: pd.DataFrame, store: Store,
          cohort: ibis.Table) -> tuple[list, list[Problem]]:
    """Age at the index date: above 120 is an error; under 18 or over 100 counted and named,
    each with the patients row holding the birth date (file, row, value)."""
    if "age" not in cohort_patients:
        return [], []
    age = pd.to_numeric(cohort_patients["age"], errors="coerce").to_numpy(dtype=float)
    ids = cohort_patients["patient_id"].astype("string").to_numpy()

    def named(flagged: np.ndarray, message, code: str, hint: str) -> list[Problem]:
        where = _patient_rows(store, cohort.filter(cohort.pid.isin(flagged.tolist())))
        return [Problem(message=message(age[i]), column="birth_date", value=_iso(r.birth_date),
                        patient=str(ids[i]), file=_text(r.source_file), row=_int(r.source_row),
                        code=code, hint=hint)
                for i, r in zip(flagged, where.itertuples(), strict=True)]

    impossible = (age > 120) | (age < 0)
    if impossible.any():
        n = impossible.sum()
        raise DataError(named(
            np.flatnonzero(impossible)[:10],
            lambda a: f"age at the index date must be 0 to 120 years ({n} patient(s) "
                      f"outside); age {a:g}", "implausible_age",
            "check birth_date in patients and the index date"))
    rows, out = [], []
    for rule, flag in (("age_under_18_at_index", age < 18), ("age_over_100_at_index", age > 100)):
        if flag.any():
            rows.append(count_row(rule, "patients", flag.sum(), flag.sum(),
                                  "kept (plausible but unusual); check birth_date"))
            out += named(np.flatnonzero(flag)[:20],
                         lambda a, rule=rule: f"{rule}: age {a:g} at the index date; kept",
                         rule, "check birth_date in patients")
    return rows, out


def engine_cohort(
    patient_id: np.ndarray, index_date: np.ndarray, death_day: np.ndarray
) -> ibis.Table:
    """The cohort in the engine: ``pid``, ``patient_id``, ``index_date``, ``death_day``."""
    return ibis.memtable(pd.DataFrame({
        "pid": np.arange(len(index_date), dtype=np.int64),
        "patient_id": pd.array(patient_id, dtype="string"),
        "index_date": index_date.astype("datetime64[s]"),
        "death_day": death_day,
    }))


def _next_therapy(lines: pd.DataFrame | None, frame: pd.DataFrame) -> np.ndarray:
    """Day of the first line of therapy starting strictly after the index date."""
    out = np.full(len(frame), NONE, dtype=np.int64)
    if lines is None or lines.empty:
        return out
    m = lines[["patient_id", "start"]].astype({"patient_id": "string"}).merge(
        frame[["pid", "patient_id", "index_date"]], on="patient_id"
    )
    start = pd.to_datetime(m["start"]).to_numpy(dtype="datetime64[D]")
    day = (start - m["index_date"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
    later = day > 0
    best = pd.Series(day[later]).groupby(m["pid"].to_numpy()[later]).min()
    out[best.index.to_numpy()] = best.to_numpy()
    return out


def load_records(
    store: Store, cohort_patients: pd.DataFrame, lines: pd.DataFrame | None = None
) -> Records:
    """Everything the endpoint rules read, for the patients of ``cohort_patients``."""
    frame, cohort = cohort_table(cohort_patients)
    death, contact, rows = _patients(store, cohort, len(frame))
    index_date = frame["index_date"].to_numpy(dtype="datetime64[D]")
    engine = engine_cohort(frame["patient_id"].to_numpy(), index_date, death)
    assessments, more = _assessments(store, engine)
    rows += more
    examples = _before_index(store, engine, frame) if any(
        r["rule"] in ("response_before_index", "progression_before_index") for r in more) else []
    age_rows, named = _ages(cohort_patients, store, engine)
    rows += age_rows
    examples += named
    # Patients with no adequate (non-NE) post-baseline assessment of any method: every PFS is
    # censored at index and every BOR is NE for them (only-NE patients included).
    has = np.zeros(len(frame), dtype=bool)
    has[assessments["pid"].to_numpy()[assessments["code"].to_numpy() != NE]] = True
    if (~has).any():
        rows.append(count_row("no_post_baseline_assessment", "patients", 0, (~has).sum(),
                              "none, or only NE: PFS censored at index; BOR NE"))
    counts = pd.DataFrame(rows, columns=["rule", "scope", "n_records", "n_patients", "action"])
    return Records(
        patient_id=frame["patient_id"].to_numpy(),
        index_date=index_date,
        death_day=death,
        last_contact_day=contact,
        next_therapy_day=_next_therapy(lines, frame),
        has_lines=lines is not None,
        assessments=assessments,
        counts=counts,
        cohort=engine,
        examples=tuple(examples),
    )
