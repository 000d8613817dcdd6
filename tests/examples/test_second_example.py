"""The second worked example (examples/pd1_after_platinum_nsclc), end to end and against R.

PD-1 inhibitor after platinum-doublet chemotherapy in metastatic NSCLC: three groups, an
inclusion criterion and one that removes nobody, OS as the main endpoint, confirmed RECIST
response, the SAS conventions (log-log KM CIs, Breslow ties). The study runs from its
protocol through every layer and writes its report; the numbers results.json prints are
compared with R's survival package run on the same analysis dataset
(tests/reference/pd1_after_platinum_nsclc.R -> .json). That dataset is committed as CSV and
checked against what the pipeline derives now, so the R reference cannot go stale silently;
the extract itself is checked against its seeded generator.

Regenerate after an intended change (from the repository root):
    python tests/examples/test_second_example.py        # the dataset CSV
    Rscript tests/reference/pd1_after_platinum_nsclc.R  # the R reference JSON
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from retrostudy.report.results_model import validate_results

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pd1_after_platinum_nsclc"
REFERENCE = ROOT / "tests" / "reference"
DATASET_CSV = REFERENCE / "pd1_after_platinum_nsclc_dataset.csv"
R_JSON = REFERENCE / "pd1_after_platinum_nsclc.json"
GROUPS = ("Pem-Pt", "Tax-Pt", "Gem-Pt")
COLUMNS = ("patient_id", "group", "os_days", "os_event", "pfs_days", "pfs_event", "bor",
           "response", "disease_control", "age", "ecog", "ecog_1plus", "visceral",
           "docetaxel_start_days", "docetaxel_start_event")
RTOL, RTOL_COX = 1e-8, 1e-6


def dataset_csv(dataset: pd.DataFrame) -> str:
    """The columns R needs, as CSV text: yes/no as 0/1, missing as NA, rows by patient."""
    out = dataset.loc[:, list(COLUMNS)].copy()
    for c in ("response", "disease_control", "ecog_1plus", "visceral"):
        out[c] = out[c].astype("Int64")
    out = out.sort_values("patient_id", kind="stable")
    return out.to_csv(index=False, na_rep="NA", lineterminator="\n")


def _run(out: Path | None = None):
    from retrostudy.pipeline import run_study

    return run_study(EXAMPLE / "study.toml", out=out)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("nsclc-report")
    return _run(out), out


@pytest.fixture(scope="module")
def r_ref():
    return json.loads(R_JSON.read_text(encoding="utf-8"))


def _close(ours, theirs, rtol=RTOL, what=""):
    if theirs is None:   # R: not reached (NA)
        assert ours is None or (isinstance(ours, float) and math.isnan(ours)), what
        return
    assert ours == pytest.approx(theirs, rel=rtol, abs=1e-12), what


def test_extract_is_what_the_seeded_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("nsclc_generate", EXAMPLE / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.main(["--out", str(tmp_path)])
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(p.name for p in (EXAMPLE / "data").glob("*.csv"))
    for name in written:
        assert (tmp_path / name).read_bytes() == (EXAMPLE / "data" / name).read_bytes(), name
    total = sum(p.stat().st_size for p in (EXAMPLE / "data").iterdir())
    assert total < 1_000_000


def test_report_files_written(study):
    result, out = study
    for name in ("report.html", "report.docx", "results.json"):
        assert (out / name).is_file(), name
    on_disk = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for endpoint in ("os", "pfs"):   # the file prints the result's numbers (12 digits)
        ours = result.results["analyses"]["endpoints"][endpoint]
        disk = on_disk["analyses"]["endpoints"][endpoint]
        assert disk["logrank"]["p_value"] == pytest.approx(ours["logrank"]["p_value"], rel=1e-11)
        for g in GROUPS:
            for key, value in ours["groups"][g]["median_months"].items():
                _close(disk["groups"][g]["median_months"][key], value, 1e-11, (g, key))


def test_results_json_is_described_by_the_models(study):
    """Every key of the second example's results.json is documented, with its type
    (retrostudy.report.results_model; docs/results-schema.md)."""
    _, out = study
    model = validate_results((out / "results.json").read_text(encoding="utf-8"))
    assert model.analyses is not None and model.analyses.sensitivity is not None


def test_flow_groups_and_criteria(study):
    result, _ = study
    flow = result.results["flow"]
    assert flow["n_identified"] == 308
    assert [g["name"] for g in flow["groups"]] == list(GROUPS)
    assert flow["n_analysed"] == sum(g["n"] for g in flow["groups"]) == 275
    excluded = sum(e["n_excluded"] for e in flow["exclusions"])
    assert flow["n_identified"] == excluded + flow["n_analysed"]
    # the age criterion removes nobody: the attrition keeps it as a step with n = 0
    steps = {s.label: s for s in result.attrition.steps}
    age = steps["Aged 18 years or older at the first PD-1 inhibitor dose"]
    assert age.n_excluded == 0
    # ... and so do the flow chart's data: every step, the inclusion criteria labelled by
    # what the removed patients failed
    by_criterion = {e["criterion"]: e for e in flow["exclusions"]}
    age_step = by_criterion["Aged 18 years or older at the first PD-1 inhibitor dose"]
    assert (age_step["kind"], age_step["n_excluded"]) == ("include", 0)
    assert age_step["label"].startswith("Not: ")
    platinum = next(e for e in flow["exclusions"] if e["criterion"].startswith("Received platinum"))
    assert (platinum["kind"], platinum["n_excluded"]) == ("include", 17)
    assert platinum["label"].startswith("Not: ")


def test_methods_state_the_post_index_covariate_window(study):
    """ecog_window = [-30, 14] reaches past index: the Methods say so (issue: immortal time)."""
    result, out = study
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "from 30 days before to 14 days after the index date" in html
    assert "This window reaches past the index date" in html


def test_dataset_csv_is_current(study):
    result, _ = study
    assert dataset_csv(result.dataset) == DATASET_CSV.read_text(encoding="utf-8"), (
        "the analysis dataset changed: if intended, regenerate the CSV and the R reference "
        "(see this module's docstring)")


def test_conventions(study, r_ref):
    conv = study[0].results["analyses"]["conventions"]
    assert conv["conf_type"] == r_ref["conventions"]["conf_type"] == "log-log"
    assert conv["ties"] == r_ref["conventions"]["ties"] == "breslow"
    assert len(study[0].dataset) == r_ref["n"]


@pytest.mark.parametrize("endpoint", ["os", "pfs"])
def test_kaplan_meier_and_logrank_equal_r(study, r_ref, endpoint):
    res = study[0].results["analyses"]["endpoints"][endpoint]
    ref = r_ref[endpoint]
    for g in GROUPS:
        ours, theirs = res["groups"][g], ref["km"][g]
        assert ours["n"] == theirs["n"] and ours["n_events"] == theirs["n_events"], g
        med = ours["median_months"]
        for key, value in zip(("estimate", "conf_low", "conf_high"), theirs["median"],
                              strict=True):
            _close(med[key], value, what=f"{endpoint} {g} median {key}")
        lm = theirs["landmarks"]
        for i, row in enumerate(ours["landmarks"]):
            _close(row["survival"], lm["survival"][i], what=f"{endpoint} {g} landmark {i}")
            _close(row["conf_low"], lm["lower"][i], what=f"{endpoint} {g} landmark {i} low")
            _close(row["conf_high"], lm["upper"][i], what=f"{endpoint} {g} landmark {i} high")
    lr, rlr = res["logrank"], ref["logrank"]
    assert sorted(lr["groups"]) == sorted(GROUPS) and lr["df"] == rlr["df"] == 2
    _close(lr["statistic"], rlr["statistic"], what="log-rank chi-square")
    _close(lr["p_value"], rlr["p_value"], what="log-rank p")
    order = [GROUPS.index(g) for g in lr["groups"]]   # R: the protocol's group order
    assert lr["observed"] == pytest.approx([rlr["observed"][i] for i in order], rel=RTOL)
    assert lr["expected"] == pytest.approx([rlr["expected"][i] for i in order], rel=RTOL)


@pytest.mark.parametrize(("endpoint", "model"), [
    ("os", "unadjusted"), ("os", "adjusted"), ("pfs", "unadjusted")])
def test_cox_equals_r(study, r_ref, endpoint, model):
    fits = {f["name"]: f for f in study[0].results["analyses"]["endpoints"][endpoint]["cox"]}
    ours, theirs = fits[model], r_ref[endpoint][f"cox_{model}"]
    assert ours["n"] == theirs["n"] and ours["n_events"] == theirs["n_events"]
    rows = {c["level"]: c for c in ours["coefficients"] if c["variable"] == "group"}
    assert sorted(rows) == sorted(GROUPS[1:])
    for level, (hr, low, high, p) in theirs["hr"].items():
        row = rows[level]
        for key, value in (("hazard_ratio", hr), ("conf_low", low), ("conf_high", high),
                           ("p_value", p)):
            _close(row[key], value, RTOL_COX, f"{endpoint} {model} {level} {key}")
    if model == "adjusted":   # complete cases: ECOG missing outside [-30, 14] days
        assert ours["n"] < len(study[0].dataset)


def test_response_rates_and_tests_equal_r(study, r_ref):
    response = study[0].results["analyses"]["response"]
    for g in GROUPS:
        for level, n in r_ref["best_response"][g].items():
            assert response["best_response"][level][g] == n, (g, level)
    rates = {r["name"]: r for r in response["rates"]}
    for name in ("response", "disease_control"):
        ours, theirs = rates[name], r_ref[name]
        assert ours["test"] == theirs["test"]
        _close(ours["p_value"], theirs["p_value"], what=f"{name} p")
        for g in GROUPS:
            o, t = ours["groups"][g], theirs["groups"][g]
            assert (o["x"], o["n"]) == (t["x"], t["n"]), (name, g)
            for key in ("proportion", "conf_low", "conf_high"):
                _close(o[key], t[key], what=f"{name} {g} {key}")


def test_landmark_analysis_equals_r(study, r_ref):
    """OS from day 91 among the patients alive and under follow-up there (landmark_days)."""
    ours, theirs = study[0].results["analyses"]["landmark"]["os"], r_ref["landmark_os"]
    for key in ("n_at_risk",):
        assert ours[key] == theirs[key]
    assert ours["n_excluded_event_before"] == theirs["n_event_before"]
    assert ours["n_excluded_censored_before"] == theirs["n_censored_before"]
    for g in GROUPS:
        med = ours["groups"][g]["median_months"]
        for key, value in zip(("estimate", "conf_low", "conf_high"), theirs["median"][g],
                              strict=True):
            _close(med[key], value, what=f"landmark {g} median {key}")
    _close(ours["logrank"]["p_value"], theirs["logrank_p"], what="landmark log-rank p")
    rows = {h["level"]: h for h in ours["hazard_ratios"]}
    for level, values in theirs["hr"].items():
        for key, value in zip(("hazard_ratio", "conf_low", "conf_high", "p_value"), values,
                              strict=True):
            _close(rows[level][key], value, RTOL_COX, f"landmark {level} {key}")


def test_time_varying_exposure_equals_r_tmerge(study, r_ref):
    """Docetaxel after the PD-1 inhibitor: tmerge/tdc + coxph, and the naive ever/never
    model, which the immortal time pushes towards benefit."""
    (ours,) = study[0].results["analyses"]["time_varying"]
    theirs = r_ref["time_varying"]
    assert (ours["n"], ours["n_exposed"], ours["n_intervals"]) == (
        theirs["n"], theirs["n_exposed"], theirs["n_intervals"])
    for which in ("time_varying", "naive"):
        row = next(h for h in ours[which] if h["variable"] == "exposed")
        for key, value in zip(("hazard_ratio", "conf_low", "conf_high", "p_value"),
                              theirs[which], strict=True):
            _close(row[key], value, RTOL_COX, f"{which} {key}")
    assert theirs["naive"][0] < theirs["time_varying"][0]


def test_multiple_imputation_beside_complete_case(study):
    """The adjusted OS model pooled over 20 imputations covers every patient; its
    complete-case fit is the primary adjusted model."""
    res = study[0].results["analyses"]
    mi = res["imputation"]["os"]
    adjusted = next(m for m in res["endpoints"]["os"]["cox"] if m["name"] == "adjusted")
    assert (mi["m"], mi["seed"]) == (20, 2024)
    assert mi["n"] == len(study[0].dataset) > mi["complete_case"]["n"] == adjusted["n"]
    assert mi["missing"]["ecog_1plus"] > 0
    assert [c["hazard_ratio"] for c in mi["complete_case"]["coefficients"]] == \
        [c["hazard_ratio"] for c in adjusted["coefficients"]]


if __name__ == "__main__":   # rewrite the committed analysis dataset for the R reference
    DATASET_CSV.write_text(dataset_csv(_run().dataset), encoding="utf-8")
    print(f"wrote {DATASET_CSV.relative_to(ROOT)}; now run: "
          "Rscript tests/reference/pd1_after_platinum_nsclc.R")
