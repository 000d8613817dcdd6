"""[target_trial] in the report: the target-trial table in the supplement and each
mismatch with the cohort definition in the study's warnings, with its code. A small
protocol (the hand-built 42-patient table) whose time zero is not the index date."""

import json
import shutil
from pathlib import Path

import pytest

from retrostudy.warning_codes import code_of

STUDY = Path(__file__).parents[1] / "analysis" / "data" / "study.toml"

TRIAL = """
[target_trial]
eligibility = "Adults with a first line for metastatic disease"
treatment_strategies = "Start drug X vs start drug Y"
assignment = "Emulated by adjustment for baseline covariates"
time_zero = "first metastatic diagnosis"
outcome = "Progression-free survival"
causal_contrast = "Observational analogue of intention-to-treat"
analysis_plan = "Kaplan-Meier, Cox, IPTW"
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from retrostudy.pipeline import run_study

    d = tmp_path_factory.mktemp("tt")
    shutil.copy(STUDY.with_name("seed_like.csv"), d / "seed_like.csv")
    (d / "study.toml").write_text(STUDY.read_text() + TRIAL)
    out = d / "out"
    run_study(d / "study.toml", out=out)
    return out


def test_time_zero_mismatch_is_a_coded_warning(run):
    res = json.loads((run / "results.json").read_text())
    found = [w for w in res["warnings"]
             if (w if isinstance(w, str) else w.get("message", "")).startswith("Target trial")]
    assert len(found) == 1
    text = found[0] if isinstance(found[0], str) else found[0]["message"]
    assert "first metastatic diagnosis" in text and "target_trial.time_zero" in text
    assert code_of(text) == "RS-W006"


def test_target_trial_table_in_the_supplement(run):
    res = json.loads((run / "results.json").read_text())
    table = res["tables"]["target_trial"]
    assert "first metastatic diagnosis" in json.dumps(table)
    html = (run / "supplement.html").read_text()
    assert "Target trial emulation" in html and "Start drug X vs start drug Y" in html
    assert "Mismatch (target_" in html  # the footnote (the HTML may break the key)


def test_eligibility_after_time_zero_gets_its_code():
    assert code_of("Target trial (criteria.1.when.drug.window): Eligibility uses data after "
                   "time zero: criterion 'x' has window [1, 60], which ends after the index "
                   "day.") == "RS-W007"
