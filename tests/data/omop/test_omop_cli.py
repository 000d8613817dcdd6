"""``retrostudy validate --protocol`` on an OMOP protocol: counts with 'not relevant'."""

import json

from conftest import tiny_cdm, write_folder

from retrostudy.cli import main


def test_validate_omop_protocol(tmp_path, capsys):
    write_folder(tiny_cdm(), tmp_path / "cdm")
    protocol = tmp_path / "study.toml"
    protocol.write_text('[data]\nformat = "omop"\npath = "cdm"\n', encoding="utf-8")
    assert main(["validate", "--protocol", str(protocol), "--json"]) == 2  # default policies
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["drug_exposure"] == {"read": 9, "loaded": 5, "rejected": 3,
                                              "not_relevant": 1}
    codes = {(p["table"], p["code"], p["severity"]) for p in out["problems"]}
    assert ("drug_exposure", "end_before_start", "error") in codes
    assert ("death", "unknown_patient", "quarantine") in codes
    policy = '[data.policy]\nmissing_value = "quarantine"\ninvalid_value = "quarantine"\n' \
             'end_before_start = "quarantine"\n'
    protocol.write_text('[data]\nformat = "omop"\npath = "cdm"\n' + policy, encoding="utf-8")
    assert main(["validate", "--protocol", str(protocol)]) == 0
    text = capsys.readouterr().out
    assert "not relevant" in text and "drug_exposure" in text
