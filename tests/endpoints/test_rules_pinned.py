"""Rules the docs could be read two ways on, pinned to the behaviour docs/endpoints.md states.

Each case is a hand-built sequence (day after the index date, response[, method]).
"""

from conftest import rows, run

BOR = {"bor": {"kind": "bor", "sd_min_days": 42}}
CONFIRMED = {"kind": "bor", "confirmation": True, "confirm_days": 28, "sd_min_days": 42}


def _counts(e):
    return e.counts.set_index("rule")["n_patients"].to_dict()


# ---- which assessments sd_duration_days counts ----------------------------------------------

def test_sd_duration_ignores_ne_clinical_and_post_pd_scans():
    block = {**BOR, "rates": {"kind": "rates", "response_from": "bor"}}
    d = rows(block, {
        # last non-PD radiological scan day 150; the NE (day 200) and the clinical SD (day 250)
        # do not extend it
        "ne_clin": [(50, "SD"), (150, "SD"), (200, "NE"), (250, "SD", "clinical")],
        # first PD on day 120: the duration runs to it; the SD after it is not counted
        "pd": [(50, "SD"), (120, "PD"), (300, "SD")],
        # an early SD (before sd_min_days) still counts as disease still controlled
        "early": [(30, "SD")],
        "none": [],
    })
    assert d.loc["ne_clin", "sd_duration_days"] == 150
    assert d.loc["pd", "sd_duration_days"] == 120
    assert d.loc["early", "sd_duration_days"] == 30
    assert d.loc["none", "sd_duration_days"] == 0


def test_sd_duration_last_non_pd_and_any_method():
    block = {"bor": {"kind": "bor", "assessments": "any"},
             "rates": {"kind": "rates", "response_from": "bor",
                       "sd_duration_to": "last_non_pd"}}
    d = rows(block, {"p": [(50, "SD"), (150, "SD", "clinical"), (200, "NE"), (260, "PD")]})
    # with assessments = "any" the clinical SD counts; to the last non-PD scan, not the PD
    assert d.loc["p", "sd_duration_days"] == 150


def test_sd_duration_follows_the_new_therapy_cut():
    block = {**BOR, "rates": {"kind": "rates", "response_from": "bor"}}
    d = rows(block, {"p": [(50, "SD"), (100, "SD"), (200, "SD")]}, lines={"p": 150})
    assert d.loc["p", "sd_duration_days"] == 100  # the scan after the next line is ignored


# ---- what bor_n_assessments counts -----------------------------------------------------------

def test_bor_n_assessments_counts_ne_but_not_clinical_by_default():
    seq = {"p": [(-5, "SD"), (0, "SD"), (50, "NE"), (60, "SD", "clinical"), (90, "SD"),
                 (90, "PR"), (130, "PD"), (170, "SD")]}
    d = rows(BOR, seq)
    # day 50 NE, day 90 (two records, one time point), day 130 PD: baseline scans, the
    # clinical scan and the scan after the first PD are not counted
    assert d.loc["p", "bor_n_assessments"] == 3
    d_any = rows({"bor": {"kind": "bor", "assessments": "any"}}, seq)
    assert d_any.loc["p", "bor_n_assessments"] == 4  # the clinical scan now counts


# ---- SD between a PR and its confirmation ----------------------------------------------------

def test_sd_between_pr_and_confirmation_needs_accept_sd():
    seq = {"p": [(50, "PR"), (80, "SD"), (110, "PR")]}
    assert rows({"bor": CONFIRMED}, seq).loc["p", "bor"] == "SD"
    assert rows({"bor": {**CONFIRMED, "accept_sd": True}}, seq).loc["p", "bor"] == "PR"
    two_sd = {"p": [(50, "PR"), (70, "SD"), (90, "SD"), (110, "PR")]}
    assert rows({"bor": {**CONFIRMED, "accept_sd": True}}, two_sd).loc["p", "bor"] == "SD"


# ---- patients with only NE scans --------------------------------------------------------------

def test_only_ne_scans_are_counted_as_no_post_baseline_assessment():
    block = {"pfs": {"kind": "pfs", "events": ["progression"]}, **BOR}
    e = run(block, {"ne": [(50, "NE"), (100, "NE")], "none": [], "ok": [(50, "SD")],
                    "clin": [(50, "SD", "clinical")]})
    d = e.data.set_index("patient_id")
    for pid in ("ne", "none", "clin"):
        assert (d.loc[pid, "pfs_days"], d.loc[pid, "pfs_reason"], d.loc[pid, "bor"]) == (
            0, "censored_no_post_baseline_assessment", "NE"), pid
    # NE-only and no-scan patients: every PFS censored at index, every BOR NE, whatever the
    # endpoint options; the clinical-only patient depends on the endpoint (progression =
    # "any" would use the scan) and shows in the endpoint's reason counts instead
    assert _counts(e)["no_post_baseline_assessment"] == 2
    reasons = e.reason_counts("pfs")["all"]
    assert reasons["censored_no_post_baseline_assessment"] == 3
