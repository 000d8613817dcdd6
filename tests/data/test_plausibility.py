"""Clinical plausibility (docs/data-model.md, "Plausibility checks") on small synthetic
extracts: impossible observation values are refused naming file, row, patient and value;
unusual ones are loaded and warned about with the same details; dates are checked against
birth, death and the extraction date in every dated table."""

import datetime as dt

from retrostudy.data import check_records
from retrostudy.protocol.data import DataBlock
from retrostudy.warning_codes import code_of

PATIENTS = ("patient_id,birth_date,sex,death_date\n"
            "P1,1960-01-02,F,\nP2,1955-05-06,F,2020-03-01\n")


def _extract(folder, **tables):
    (folder / "patients.csv").write_text(PATIENTS)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def _found(result, code, severity=None):
    return [(f.problem.file, f.problem.row, f.problem.patient, f.problem.value)
            for f in result.problems if f.problem.code == code
            and (severity is None or f.severity == severity)]


def test_karnofsky_outside_scale_or_not_in_tens_is_an_error(tmp_path):
    obs = ("patient_id,date,name,value\n"
           "P1,2019-01-01,karnofsky,80\n"     # row 2 fine
           "P1,2019-02-01,Karnofsky,75\n"     # row 3 not a multiple of 10
           "P2,2019-01-01,karnofsky,110\n"    # row 4 above 100
           "P2,2019-01-02,karnofsky,70%\n"    # row 5 fine (a percent sign is accepted)
           "P2,2019-01-03,karnofsky,good\n")  # row 6 not a number
    result = check_records(DataBlock(path=str(_extract(tmp_path, observations=obs))))
    assert _found(result, "invalid_value", "error") == [
        ("observations.csv", 3, "P1", "75"), ("observations.csv", 4, "P2", "110"),
        ("observations.csv", 6, "P2", "good")]
    (bad, *_) = [f.problem for f in result.problems if f.problem.code == "invalid_value"]
    assert bad.message == "Karnofsky performance status must be a number from 0 to 100 " \
                          "in steps of 10"
    assert "0 to 100 in steps of 10" in bad.hint and "ECOG" not in bad.hint
    assert result.counts["observations"].loaded == 2


def test_height_and_weight_hard_limits_error_unusual_values_warn(tmp_path):
    obs = ("patient_id,date,name,value\n"
           "P1,2019-01-01,height,162\n"       # row 2 fine
           "P1,2019-01-01,weight,58.5 kg\n"   # row 3 fine, unit accepted
           "P1,2019-02-01,height,1.62\n"      # row 4 metres: below the hard limit
           "P2,2019-01-01,weight,400\n"       # row 5 pounds? above 300
           "P2,2019-01-02,height,205 cm\n"    # row 6 unusual: loaded, warned
           "P2,2019-01-03,weight,31\n")       # row 7 unusual: loaded, warned
    result = check_records(DataBlock(path=str(_extract(tmp_path, observations=obs))))
    assert _found(result, "invalid_value", "error") == [
        ("observations.csv", 4, "P1", "1.62"), ("observations.csv", 5, "P2", "400")]
    assert sorted(_found(result, "unusual_value", "warning")) == [
        ("observations.csv", 6, "P2", "205 cm"), ("observations.csv", 7, "P2", "31")]
    warned = [f for f in result.problems if f.problem.code == "unusual_value"]
    assert all(f.count == 1 and f.table == "observations" for f in warned)
    assert "usual range 140-200" in str(warned[0].problem)
    assert {code_of(str(f.problem)) for f in warned} == {"RS-W054"}  # printed with its code
    assert result.counts["observations"].loaded == 4  # warned rows stay loaded


def test_ecog_and_other_observations_are_untouched(tmp_path):
    obs = ("patient_id,date,name,value\nP1,2019-01-01,ecog,1\n"
           "P1,2019-01-01,metastatic_site,liver\nP1,2019-01-01,bmi,45\n")
    result = check_records(DataBlock(path=str(_extract(tmp_path, observations=obs))))
    assert result.problems == ()
    assert result.counts["observations"].loaded == 3


def test_every_dated_table_is_checked_against_birth_death_and_extraction(tmp_path):
    """before_birth, after_death and after_extraction fire in diagnoses, biomarkers,
    drug_administrations, tumor_assessments and observations alike."""
    tables = {
        "diagnoses": "patient_id,date,diagnosis\nP1,1950-01-01,breast_cancer\n"
                     "P2,2021-01-01,breast_cancer\nP1,2024-01-01,breast_cancer\n",
        "biomarkers": "patient_id,date,marker,result,specimen\n"
                      "P1,1950-01-01,HER2,positive,primary\n"
                      "P2,2021-01-01,HER2,positive,primary\n"
                      "P1,2024-01-01,HER2,positive,primary\n",
        "drug_administrations": "patient_id,drug,date\nP1,trastuzumab,1950-01-01\n"
                                "P2,trastuzumab,2021-01-01\nP1,trastuzumab,2024-01-01\n",
        "tumor_assessments": "patient_id,date,response\nP1,1950-01-01,PR\n"
                             "P2,2021-01-01,PR\nP1,2024-01-01,PR\n",
        "observations": "patient_id,date,name,value\nP1,1950-01-01,ecog,1\n"
                        "P2,2021-01-01,ecog,1\nP1,2024-01-01,ecog,1\n",
    }
    block = DataBlock(path=str(_extract(tmp_path, **tables)),
                      extraction_date=dt.date(2023, 6, 30))
    result = check_records(block)
    for table in tables:
        got = {(f.problem.code, f.problem.row, f.problem.patient)
               for f in result.problems if f.table == table}
        assert got == {("before_birth", 2, "P1"), ("after_death", 3, "P2"),
                       ("after_extraction", 4, "P1")}, table
        assert result.counts[table].loaded == 0
