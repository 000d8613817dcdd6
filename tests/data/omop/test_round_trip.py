"""Property: canonical records written as OMOP by a small writer here (following the spec in
concepts.py, independent of retrostudy.synth.omop) load back unchanged."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from retrostudy.data.omop import concepts as c
from retrostudy.data.omop.load import check_omop
from retrostudy.data.schema import TABLES
from retrostudy.data.store import conform, duckdb_backend
from retrostudy.protocol.data import DataBlock

DRUGS = ["trastuzumab", "pertuzumab", "trastuzumab emtansine", "docetaxel", "capecitabine",
         "pertuzumab+trastuzumab"]
REASONS = [None, "progression", "toxicity", "another_tumour", "completed"]
METHODS = [None, "CT", "MRI", "clinical"]
days = st.integers(min_value=0, max_value=4000)
D0 = dt.date(2010, 1, 1)

patient = st.fixed_dictionaries({
    "birth": st.dates(dt.date(1930, 1, 1), dt.date(1990, 12, 31)),
    "sex": st.sampled_from(["female", "male"]),
    "death": st.one_of(st.none(), st.integers(0, 400)),  # days after the latest other date
    "last": days,
    "drugs": st.lists(st.tuples(st.sampled_from(DRUGS), days, st.integers(0, 60),
                                st.sampled_from(REASONS)), max_size=6),
    "responses": st.lists(st.tuples(days, st.sampled_from(["CR", "PR", "SD", "PD", "NE"]),
                                    st.sampled_from(METHODS)), max_size=4,
                          unique_by=lambda r: r[0]),
    "ecog": st.lists(st.tuples(days, st.integers(0, 5)), max_size=3, unique_by=lambda r: r[0]),
})


def _ref(concepts, value):
    return c.preferred(concepts, value)


def write(patients: list[dict]) -> tuple[dict[str, pd.DataFrame], dict[str, list]]:
    """OMOP frames and the canonical rows they encode."""
    omop = {k: [] for k in ("person", "death", "observation_period", "drug_exposure",
                            "measurement")}
    canon = {k: [] for k in TABLES}
    gender = {"female": 8532, "male": 8507}
    method_ref = {x.value: x.ref for x in c.RESPONSES}
    value_ref = {x.value: x.ref for x in c.RESPONSE_VALUES}
    n = 0
    for i, p in enumerate(patients, start=1):
        pid = f"P{i:03d}"
        b = p["birth"]
        omop["person"].append((i, gender[p["sex"]], b.year, b.month, b.day, pid))
        # dead after every record and the last contact (else the order checks reject them)
        latest = max([p["last"]] + [d + n for _, d, n, _ in p["drugs"]]
                     + [d for d, *_ in p["responses"]] + [d for d, _ in p["ecog"]])
        death = None if p["death"] is None else D0 + dt.timedelta(latest + p["death"])
        last = D0 + dt.timedelta(p["last"])
        if death is not None:
            omop["death"].append((i, death))
        omop["observation_period"].append((i, last))
        canon["patients"].append((pid, b, p["sex"], death, last))
        for drug, start, length, reason in p["drugs"]:
            n += 1
            s = D0 + dt.timedelta(start)
            e = s + dt.timedelta(length)
            refs = c.DRUG_PRODUCTS if "+" in drug else c.DRUG_INGREDIENTS
            omop["drug_exposure"].append((n, i, _ref(refs, drug), s, e, reason, drug.upper()))
            canon["drug_administrations"].append((pid, drug, s, e, None, reason, drug.upper()))
        for day, response, method in p["responses"]:
            n += 1
            d = D0 + dt.timedelta(day)
            omop["measurement"].append((n, i, method_ref[method or "none"], d, None,
                                        value_ref[response]))
            canon["tumor_assessments"].append((pid, d, response, method))
        for day, score in p["ecog"]:
            n += 1
            d = D0 + dt.timedelta(day)
            omop["measurement"].append((n, i, 900, d, float(score), None))
            canon["observations"].append((pid, d, "ecog", str(score)))
    cols = {
        "person": ["person_id", "gender_concept_id", "year_of_birth", "month_of_birth",
                   "day_of_birth", "person_source_value"],
        "death": ["person_id", "death_date"],
        "observation_period": ["person_id", "observation_period_end_date"],
        "drug_exposure": ["drug_exposure_id", "person_id", "drug_concept_id",
                          "drug_exposure_start_date", "drug_exposure_end_date", "stop_reason",
                          "drug_source_value"],
        "measurement": ["measurement_id", "person_id", "measurement_concept_id",
                        "measurement_date", "value_as_number", "value_as_concept_id"],
    }
    types = {"value_as_number": "float64", "stop_reason": "string",
             "drug_source_value": "string", "person_source_value": "string"}
    frames = {k: pd.DataFrame(v, columns=cols[k]).astype(
        {col: types.get(col, "datetime64[s]" if col.endswith("_date") else "Int64")
         for col in cols[k]}) for k, v in omop.items()}
    frames["condition_occurrence"] = pd.DataFrame(
        {"condition_occurrence_id": pd.Series([], dtype="int64"),
         "person_id": pd.Series([], dtype="int64"),
         "condition_concept_id": pd.Series([], dtype="int64"),
         "condition_start_date": pd.Series([], dtype="datetime64[s]")})
    frames["concept"] = pd.DataFrame({"concept_id": [900], "vocabulary_id": ["LOINC"],
                                      "concept_code": ["89247-1"]})
    for frame in frames.values():
        for col in frame.columns:
            if col.endswith("_date"):
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    return frames, canon


def _norm(df: pd.DataFrame, name: str) -> pd.DataFrame:
    df = conform(df, TABLES[name])
    return df.sort_values(list(df.columns), na_position="first").reset_index(drop=True)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.generate])  # each example loads a CDM: no shrinking
@given(st.lists(patient, min_size=1, max_size=4))
def test_canonical_omop_canonical(patients):
    frames, canon = write(patients)
    backend = duckdb_backend()
    for name, frame in frames.items():
        backend.create_table(name, frame)
    block = DataBlock.model_validate({"format": "omop", "omop": {
        "source": "backend", "patient_id": "person_source_value"}})
    result = check_omop(block, ".", backend)
    assert result.ok
    for name in ("patients", "drug_administrations", "tumor_assessments", "observations"):
        got = _norm(backend.table(name).execute(), name)
        want = _norm(pd.DataFrame(canon[name], columns=list(TABLES[name].column_names)), name)
        pd.testing.assert_frame_equal(got, want, obj=name)
    n_rows = sum(len(f) for k, f in frames.items() if k not in ("concept",))
    assert sum(x.loaded for x in result.counts.values()) == n_rows
