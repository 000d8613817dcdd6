"""`retrostudy init` from the command line: the fully non-interactive path, the file
rules (beside the extract, never overwritten without --force), --json and the prompts
(through an injected ask function)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from init_scrambler import scramble

from retrostudy.cli import main
from retrostudy.cli.init import _run, interview
from retrostudy.data.scan import scan_extract
from retrostudy.data.scan.answers import Answers, from_mapping

ROOT = Path(__file__).resolve().parents[2]
NSCLC = ROOT / "examples" / "pd1_after_platinum_nsclc" / "data"


@pytest.mark.slow  # runs the whole written study (~30 s): the full suite and CI run it
def test_non_interactive_init_writes_a_study_that_validates_and_runs(tmp_path, capsys):
    from retrostudy.pipeline import run_study

    extract = scramble(NSCLC, tmp_path / "extract", seed=3)
    assert main(["init", str(extract)]) == 0  # no terminal under pytest: best guesses
    printed = capsys.readouterr().out
    study = tmp_path / "study.toml"  # beside the extract folder
    assert "wrote " in printed and "read without errors" in printed
    text = study.read_text(encoding="utf-8")
    assert "CHECK: guessed as the antineoplastic most patients received" in text
    assert "CHECK: groups guessed" in text
    assert main(["validate", "--protocol", str(study)]) == 0
    result = run_study(study)
    assert len(result.dataset) > 0 and result.dataset["group"].nunique() == 2

    # an existing file is never overwritten without --force
    assert main(["init", str(extract)]) == 2
    assert "file exists" in capsys.readouterr().err
    assert main(["init", str(extract), "--force", "--out", str(tmp_path / "b.toml"),
                 "--index-drug", "Opdivo", "--title", "Nivolumab study"]) == 0
    other = (tmp_path / "b.toml").read_text(encoding="utf-8")
    assert 'drug = "nivolumab"' in other and 'title = "Nivolumab study"' in other
    assert 'path = "extract"' in other


def test_json_scan_report(tmp_path, capsys):
    root = tmp_path / "x"
    root.mkdir()
    (root / "pts.csv").write_text("ID,DOB,Gender\nA1,1950-01-01,F\nA2,1960-05-05,M\n",
                                  encoding="utf-8")
    assert main(["init", str(root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    source = report["sources"][0]
    assert source["table"] == "patients"
    assert {m["column"]: m["header"] for m in source["mapping"]} == {
        "patient_id": "ID", "birth_date": "DOB", "sex": "Gender"}
    assert not (tmp_path / "study.toml").exists()  # --json writes nothing


def _extract_with_unknowns(tmp_path) -> Path:
    root = tmp_path / "y"
    root.mkdir()
    (root / "patients.csv").write_text(
        "patient_id,birth_date,sex\nA1,1950-01-01,F\nA2,1960-05-05,M\nA3,1955-02-02,F\n",
        encoding="utf-8")
    (root / "drugs.csv").write_text(
        "patient_id,drug,date\nA1,Xeloda,2019-01-01\nA2,Xeloda,2019-02-01\n"
        "A3,Xelodda,2019-03-01\n", encoding="utf-8")
    (root / "scans.csv").write_text(
        "patient_id,date,response\nA1,2019-03-01,PR\nA2,2019-04-01,Stable dis.\n",
        encoding="utf-8")
    return root


def test_interview_asks_through_the_injected_function(tmp_path):
    report = scan_extract(_extract_with_unknowns(tmp_path))
    asked = []
    replies = {"Index drug": "capecitabine", "drug 'Xelodda'": "capecitabine",
               "response 'Stable dis.'": "SD"}

    def ask(question, default):
        asked.append((question, default))
        return next((v for k, v in replies.items() if question.startswith(k)), default)

    answers = interview(report, Answers(), ask)
    assert answers.index_drug == "capecitabine"
    assert answers.drugs == ({"name": "Xelodda", "ingredient": "capecitabine"},)
    assert answers.responses == {"Stable dis.": "SD"}
    defaults = dict(asked)
    assert defaults[next(q for q in defaults if q.startswith("drug 'Xelodda'"))] == "Xeloda"


def test_prompts_then_write_and_check(tmp_path):
    root = _extract_with_unknowns(tmp_path)
    lines = []
    args = argparse.Namespace(extract=str(root), out=None, answers=None, index_drug=None,
                              title=None, yes=False, force=False, json=False)
    replies = iter(["capecitabine", "capecitabine", "SD"])
    code = _run(args, ask=lambda q, d: next(replies), out=lines.append)
    text = (tmp_path / "study.toml").read_text(encoding="utf-8")
    assert '[[data.drugs]]\nname = "Xelodda"\ningredient = "capecitabine"' in text
    assert '[data.responses]\n"Stable dis." = "SD"' in text
    assert "unknown_drug" not in text  # everything answered: nothing set aside
    # the data read, but three patients on one drug give no groups: said in plain words
    assert code == 0 and any("Records: patients 3 loaded" in line for line in lines)
    assert any("No comparison groups" in line for line in lines)


def test_unanswered_spellings_are_set_aside_and_listed(tmp_path, capsys):
    root = _extract_with_unknowns(tmp_path)
    main(["init", str(root), "--yes"])
    printed = capsys.readouterr().out
    text = (tmp_path / "study.toml").read_text(encoding="utf-8")
    assert 'unknown_drug = "quarantine"' in text and 'invalid_value = "quarantine"' in text
    assert "Unknown drug spelling 'Xelodda'" in printed and "nearest known: Xeloda" in printed


def test_answers_file_rejects_unknown_keys():
    from retrostudy.errors import ProtocolError

    with pytest.raises(ProtocolError, match="unknown answer key"):
        from_mapping({"index": "x"})
