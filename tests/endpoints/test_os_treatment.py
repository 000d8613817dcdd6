"""OS, TTD (with discontinuation reasons), TTNT and the discontinuation table."""

import pytest
from conftest import rows, run

OS = {"os": {"kind": "os"}}
TTD = {"ttd": {"kind": "ttd", "drug": "trastuzumab emtansine"}}


def test_os_death_and_last_known_alive():
    d = rows(OS, {"dead": [(42, "SD")], "contact": [(42, "SD")], "record": [(42, "SD")],
                  "admin": [], "nothing": []},
             deaths={"dead": 200}, contacts={"contact": 300, "record": 50},
             admins={"admin": [{"day": 0, "end": 210}]}, observations={"record": [250]})
    got = {p: (r.os_days, r.os_event, r.os_reason) for p, r in d.iterrows()}
    assert got == {
        "dead": (200, 1, "death"),
        "contact": (300, 0, "censored_last_contact"),
        "record": (250, 0, "censored_last_contact"),  # an observation after the last contact
        "admin": (210, 0, "censored_last_contact"),  # administration end date
        "nothing": (0, 0, "censored_last_contact"),  # alive on the index date
    }


def test_os_last_alive_sources_option():
    block = {"os": {"kind": "os", "last_alive_from": ["last_contact"]}}
    d = rows(block, {"p": [(42, "SD")]}, contacts={"p": 30}, observations={"p": [250]})
    assert d.loc["p", "os_days"] == 30


def test_records_after_death_are_ignored_and_counted():
    e = run(OS, {"p": [(42, "SD"), (130, "PD")]}, deaths={"p": 119}, contacts={"p": 140},
            observations={"p": [120]}, admins={"p": [{"day": 0}, {"day": 121}]})
    assert e.data.loc[0, "os_days"] == 119
    counts = e.counts.set_index("rule")
    assert counts.loc["assessment_after_death", "n_records"] == 1
    assert counts.loc["last_contact_after_death", "n_patients"] == 1
    assert counts.loc["observations_after_death", "n_records"] == 1
    assert counts.loc["drug_administrations_after_death", "n_records"] == 1
    assert {p.code for p in e.issues} >= {"assessment_after_death", "observations_after_death"}


def _ttd(seqs, **kw):
    d = rows(TTD, seqs, **kw)
    return {p: (r.ttd_days, r.ttd_event, r.ttd_reason, r.ttd_discontinuation_reason)
            for p, r in d.iterrows()}


def test_ttd_reasons():
    seqs = {k: [] for k in ("pd", "ongoing", "gap", "died", "next", "none", "tox_early")}
    got = _ttd(seqs, admins={
        "pd": [{"day": 0}, {"day": 21}, {"day": 42, "reason": "progression"}],
        "ongoing": [{"day": 0}, {"day": 300}],
        "gap": [{"day": 0}, {"day": 21}],
        "died": [{"day": 0}, {"day": 21}],
        "next": [{"day": 0}, {"day": 63}],
        "none": [{"day": 0, "drug": "trastuzumab"}],
        "tox_early": [{"day": 0, "reason": "toxicity"}, {"day": 21}],
    }, contacts={"ongoing": 350, "gap": 200, "next": 400}, deaths={"died": 60},
        lines={"next": 70})
    assert got["pd"] == (42, 1, "progression", "progression")
    assert got["ongoing"][:3] == (350, 0, "censored_ongoing")
    assert got["ongoing"][3] is None or str(got["ongoing"][3]) == "<NA>"
    assert got["gap"] == (21, 1, "unknown", "unknown")  # 179 days without T-DM1 > 120
    assert got["died"] == (21, 1, "death", "death")
    assert got["next"] == (63, 1, "next_treatment", "next_treatment")
    assert got["none"][:3] == (0, 0, "censored_no_administration")
    assert got["tox_early"] == (21, 1, "toxicity", "toxicity")  # latest recorded reason


def test_ttd_extension_capped_at_death():
    block = {"ttd": {"kind": "ttd", "drug": "trastuzumab emtansine", "extension_days": 21}}
    d = rows(block, {"a": [], "b": []}, admins={"a": [{"day": 0, "reason": "toxicity"}],
                                                "b": [{"day": 0}, {"day": 21}]},
             deaths={"b": 30})
    assert d["ttd_days"].tolist() == [21, 30]


def test_ttnt():
    block = {"ttnt": {"kind": "ttnt"}, "ttnt_d": {"kind": "ttnt", "events": ["next_treatment",
                                                                              "death"]}}
    d = rows(block, {"next": [], "died": [], "alive": []}, lines={"next": 150},
             deaths={"died": 90}, contacts={"alive": 365})
    assert d["ttnt_days"].tolist() == [150, 90, 365]
    assert d["ttnt_event"].tolist() == [1, 0, 0]
    assert d["ttnt_reason"].tolist() == ["next_treatment", "censored_death",
                                         "censored_last_contact"]
    assert d["ttnt_d_reason"].tolist() == ["next_treatment", "death", "censored_last_contact"]
    assert d["ttnt_d_event"].tolist() == [1, 1, 0]


@pytest.mark.parametrize(("denominator", "progression"), [("discontinued", "38 (95.0)"),
                                                        ("all", "38 (90.5)")])
def test_discontinuation_table_seed_style(denominator, progression):
    """TTD reasons per patient (endpoints layer) -> the one discontinuation table
    ([analyses.discontinuation]): % of those who stopped (the seed: PD 38/40) or of all."""
    from retrostudy.analysis.discontinuation import discontinuation
    from retrostudy.protocol.analyses import Discontinuation
    from retrostudy.report.tables.followup import discontinuation_table

    block = dict(TTD)
    admins = {f"p{i}": [{"day": 0, "reason": "progression"}] for i in range(38)}
    admins |= {"t": [{"day": 0, "reason": "another_tumour"}], "x": [{"day": 0,
                                                                       "reason": "toxicity"}]}
    admins |= {"o1": [{"day": 0}, {"day": 300}], "o2": [{"day": 0}, {"day": 300}]}
    seqs = {p: [] for p in admins}
    e = run(block, seqs, admins=admins, contacts={"o1": 310, "o2": 310})
    data = e.data.assign(group="all")
    spec = Discontinuation(column="ttd_discontinuation_reason", denominator=denominator)
    counts = discontinuation(data, ["all"], spec)
    table, numbers = discontinuation_table(counts, ["all"]), counts.to_json()
    rows = {r.label: r.cells[0].text for r in table.rows}
    assert rows["Discontinued, n (% of group)"] == "40 (95.2)"
    assert rows["Progressive disease"] == progression
    assert numbers["discontinued"] == {"all": 40} and numbers["denominator"] == denominator
    assert numbers["reasons"]["another_tumour"] == {"all": 1}
    assert ("who discontinued" if denominator == "discontinued" else "all patients") in \
        table.footnotes[0]


def test_ttd_latest_recorded_reason_wins():
    got = _ttd({"p": []}, admins={"p": [{"day": 0, "reason": "toxicity"},
                                        {"day": 21, "reason": "patient_choice"}, {"day": 42}]})
    assert got["p"] == (42, 1, "patient_choice", "patient_choice")
