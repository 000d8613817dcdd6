"""``retrostudy validate``: readable summary, --json, exit codes, --protocol."""

import json

import pytest

from retrostudy.cli import main
from retrostudy.protocol.data import DataBlock

PATIENTS = (
    "patient_id,birth_date,sex,death_date\nP01,1960-01-02,F,\nP02,1955-05-06,女性,2016-12-01\n"
)


@pytest.fixture
def extract(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    return folder


def test_clean_extract_exits_0(extract, capsys):
    (extract / "drug_administrations.csv").write_text(
        "patient_id,drug,date\nP01,Herceptin 440mg,2014-05-01\nP01,T-DM1,2015-06-01\n",
        encoding="utf-8")
    assert main(["validate", str(extract)]) == 0
    out = capsys.readouterr().out
    assert "drug_administrations.csv" in out and "ok" in out


def test_errors_exit_2_with_examples(extract, capsys):
    (extract / "drug_administrations.csv").write_text(
        "patient_id,drug,date\nP01,Kadcila,2015-06-01\nP09,T-DM1,2015-06-01\n", encoding="utf-8")
    assert main(["validate", str(extract)]) == 2
    out = capsys.readouterr().out
    assert "unknown_drug" in out and "row 2" in out and "Kadcyla" in out
    assert "quarantine drug_administrations: unknown_patient" in out


def test_json_output(extract, capsys):
    (extract / "tumor_assessments.csv").write_text(
        "patient_id,date,response\nP01,03/04/2015,PR\n", encoding="utf-8")
    assert main(["validate", str(extract), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["counts"]["tumor_assessments"] == {"read": 1, "loaded": 0, "rejected": 1}
    (problem,) = report["problems"]
    assert problem == {
        "table": "tumor_assessments", "severity": "error", "count": 1,
        "file": "tumor_assessments.csv", "row": 2, "patient": "P01", "column": "date",
        "value": "03/04/2015",
        "code": "ambiguous_date", "message": "date reads differently day-first and month-first",
        "hint": "declare date_format in [data.tables.tumor_assessments]"}
    assert len(report["files"][0]["sha256"]) == 64


def test_protocol_settings_apply(extract, tmp_path, capsys):
    (extract / "tumor_assessments.csv").write_text(
        "patient_id,date,response\nP01,03/04/2015,PR\n", encoding="utf-8")
    protocol = tmp_path / "study.toml"
    protocol.write_text(
        '[study]\ntitle = "t"\n[data]\npath = "extract"\n'
        '[data.tables.tumor_assessments]\ndate_format = "%d/%m/%Y"\n', encoding="utf-8")
    assert main(["validate", "--protocol", str(protocol), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["date_formats"]["tumor_assessments.date"] == ["%d/%m/%Y"]


def test_data_block_is_strict():
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        DataBlock.model_validate({"path": "x", "tabels": {}})
    with pytest.raises(ValueError, match="unknown problem class"):
        DataBlock.model_validate({"policy": {"duplicates": "error"}})
    with pytest.raises(ValueError, match="Input should be 'error' or 'quarantine'"):
        DataBlock.model_validate({"policy": {"duplicate_row": "ignore"}})
    with pytest.raises(ValueError, match="has no % field"):
        DataBlock.model_validate({"tables": {"patients": {"date_format": "YYYY-MM-DD"}}})
    with pytest.raises(ValueError, match="Input should be 'patients'"):
        DataBlock.model_validate({"tables": {"patient": {}}})
    block = DataBlock.model_validate({"drugs": [{"name": "X", "ingredient": "y", "class": "adc"}]})
    assert block.drugs[0].drug_class == "adc"
    assert block.policy_for("duplicate_row") == "quarantine"
    assert DataBlock.model_validate(block.model_dump()) == block


def test_bad_data_block_is_a_protocol_error(tmp_path, capsys):
    protocol = tmp_path / "study.toml"
    protocol.write_text('[data]\npath = "x"\nencodng = "cp932"\n', encoding="utf-8")
    assert main(["validate", "--protocol", str(protocol)]) == 2
    err = capsys.readouterr().err
    assert "key 'data.encodng': Extra inputs are not permitted" in err
