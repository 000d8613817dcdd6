"""docs/extending.md, "Add an endpoint kind": its example runs as written.

The TOML and Python snippets are read from the markdown (so the page and this test cannot
drift), written into a small synthetic study (eight hand-built patients, not the model study)
and run; every expected day, event and reason below is worked out by hand from the rules in
docs/endpoints.md ("Any time-to-event from sources").
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from retrostudy.data.store import Store
from retrostudy.endpoints import KINDS
from retrostudy.endpoints.kinds import kind_of
from retrostudy.protocol.endpoints import SPEC_MODELS, EndpointsBlock

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
INDEX = pd.Timestamp("2020-01-01")


def _block(tag: str, lang: str) -> str:
    m = re.search(rf"<!-- {tag} -->\n```{lang}\n(.*?)```", DOC, re.S)
    assert m, f"docs/extending.md has no {tag!r} code block"
    return m.group(1)


def _files(tag: str) -> list[str]:
    m = re.search(rf"<!-- {tag} -->\n((?:- .*\n(?:  .*\n)*)+)", DOC)
    assert m, f"docs/extending.md has no {tag!r} file list"
    return re.findall(r"^- `([^`]+)`", m.group(1), re.M)


def _day(k):
    return None if k is None else INDEX + pd.Timedelta(days=k)


# patient: (assessments [(day, response, method)], death day, observations [(day, name)])
STUDY = {
    "met_first": ([(50, "SD"), (100, "PD")], None, [(80, "brain_metastasis")]),
    "death": ([(60, "SD"), (120, "SD")], 200, []),
    "tie": ([(60, "SD"), (90, "PD")], None, [(90, "brain_metastasis")]),
    "censored": ([(60, "SD"), (150, "SD"), (180, "NE")], None, [(30, "ecog")]),
    "no_scan": ([], None, []),
    "baseline_met": ([(70, "SD")], None, [(0, "brain_metastasis"), (-10, "brain_metastasis")]),
    "met_after_death": ([], 30, [(40, "brain_metastasis")]),
    "clinical_pd": ([(40, "SD"), (50, "PD", "clinical")], None, []),
}
EXPECTED = {  # day, event, reason
    "met_first": (80, 1, "brain_metastasis"),
    "death": (200, 1, "death"),
    "tie": (90, 1, "progression"),  # same day: the source listed first
    "censored": (150, 0, "censored_last_assessment"),  # NE is not adequate; ecog no event
    "no_scan": (0, 0, "censored_index"),
    "baseline_met": (70, 0, "censored_last_assessment"),  # on/before index: not an event
    "met_after_death": (30, 1, "death"),  # records after death are ignored
    "clinical_pd": (40, 0, "censored_last_assessment"),  # clinical PD ignored
}


def _write_study(folder: Path) -> None:
    """The files the example names: study.toml and observations.csv."""
    (folder / "study.toml").write_text(_block("extending-example: toml", "toml"),
                                       encoding="utf-8")
    obs = [(pid, _day(k).date().isoformat(), name, "yes")
           for pid, (_, _, rows) in STUDY.items() for k, name in rows]
    pd.DataFrame(obs, columns=["patient_id", "date", "name", "value"]).to_csv(
        folder / "observations.csv", index=False)


def _store(folder: Path) -> Store:
    ids = list(STUDY)
    patients = pd.DataFrame({
        "patient_id": ids, "birth_date": [_day(-20000)] * len(ids),
        "sex": ["female"] * len(ids), "death_date": [_day(STUDY[i][1]) for i in ids],
        "last_contact_date": [None] * len(ids)})
    scans = pd.DataFrame(
        [(pid, _day(a[0]), a[1], a[2] if len(a) > 2 else "CT")
         for pid, (seq, _, _) in STUDY.items() for a in seq],
        columns=["patient_id", "date", "response", "method"])
    obs = pd.read_csv(folder / "observations.csv", parse_dates=["date"])
    return Store.from_frames({"patients": patients, "tumor_assessments": scans,
                              "observations": obs})


@pytest.fixture
def example(tmp_path):
    _write_study(tmp_path)
    endpoints = tomllib.loads((tmp_path / "study.toml").read_text(encoding="utf-8"))["endpoints"]
    namespace = {"endpoints": endpoints, "store": _store(tmp_path),
                 "cohort": pd.DataFrame({"patient_id": list(STUDY), "index_date": INDEX})}
    exec(compile(_block("extending-example: python", "python"), "extending.md", "exec"),
         namespace)
    return tmp_path, namespace


def test_the_example_derives_event_free_survival_by_hand(example):
    _, ns = example
    efs = ns["efs"]
    got = {pid: (int(t), int(e), str(r)) for pid, t, e, r in zip(
        ns["cohort"]["patient_id"], efs.time, efs.event, efs.reason, strict=True)}
    assert got == EXPECTED
    assert efs.applies.all()
    assert (efs.origin == 0).all()
    assert "brain metastasis" in ns["derived"].definitions["efs"].replace("_", " ")


def test_the_example_touches_only_the_files_the_doc_lists(example):
    folder, _ = example
    listed = _files("extending-example: files")
    assert listed == ["study.toml", "observations.csv"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(listed)


def test_the_registry_picks_the_example_kind_up(example):
    _, ns = example
    block: EndpointsBlock = ns["block"]
    assert kind_of(block.items["efs"]) is KINDS["tte"]
    assert KINDS["tte"].time_to_event and KINDS["tte"].spec.__name__ == "TteEndpoint"
    assert ns["dataset"].names == ("efs",)


def test_every_spec_model_has_one_registry_entry():
    kinds = [m.model_fields["kind"].annotation.__args__[0] for m in SPEC_MODELS]
    assert sorted(kinds) == sorted(KINDS)
    assert all(KINDS[k].spec is m for k, m in zip(kinds, SPEC_MODELS, strict=True))


def test_the_files_a_new_kind_touches_exist():
    """Each file the steps name exists (``<kind>`` read as pfs, a kind added that way)."""
    listed = _files("extending-kind: files")
    assert len(listed) == 5
    missing = [n for n in listed if not (ROOT / n.replace("<kind>", "pfs")).exists()]
    assert missing == []
