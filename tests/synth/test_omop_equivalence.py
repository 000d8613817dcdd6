"""The seed study on an OMOP CDM gives the same report as on the CSV extract.

The CSV extract in examples/tdm1_after_pertuzumab/data is loaded as the records layer
loads it (duplicates quarantined); those canonical tables are written as an OMOP CDM
(:mod:`retrostudy.synth.omop`) into the test's tmp dir, next to a copy of the shipped
``study_omop.toml``; both protocols run through :func:`retrostudy.pipeline.run_study`.
Attrition, the analysis dataset and results.json must be identical, except what describes
the inputs: ``provenance`` (file names, hashes), the load tables (``data_records``,
``data_rejections``) and ``data_quality`` (per-input-table counts and load problems).

``study_omop.toml`` is ``study.toml`` with the ``[data]`` block replaced
(:func:`omop_protocol`); a test keeps the shipped file in step. To regenerate it after
editing study.toml: ``PYTHONPATH=src python tests/synth/test_omop_equivalence.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retrostudy.report.results_model import validate_results

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab"
OMOP_PATH = "omop/omop.duckdb"
DATA_BLOCK = f'''[data]
format = "omop"
path = "{OMOP_PATH}"      # written by: retrostudy synth --seed-study --omop --out omop
[data.omop]
patient_id = "person_source_value"   # the extract's patient ids (SYN...), as in study.toml
# the other tumour of one patient has no standard concept; the writer gives it a local one
conditions = {{ "retrostudy:transformed follicular lymphoma" = "transformed follicular lymphoma" }}

'''
HEADER = (
    "# GENERATED from study.toml by tests/synth/test_omop_equivalence.py (do not edit by hand):\n"
    "# the same study, reading an OMOP CDM v5.4 instead of the CSV extract. Produce the CDM\n"
    "# with: retrostudy synth --seed-study --omop --out examples/tdm1_after_pertuzumab/omop\n"
)
INPUT_ONLY_TABLES = ("data_records", "data_rejections", "data_episode_lines")


def omop_protocol(study_text: str) -> str:
    """study.toml with its ``[data]`` block (up to the next section comment) made OMOP."""
    start = study_text.index("\n[data]\n") + 1
    end = study_text.index("\n# ----", start) + 1
    return HEADER + study_text[:start] + DATA_BLOCK + study_text[end:]


def test_shipped_study_omop_is_generated_from_study_toml():
    expected = omop_protocol((EXAMPLE / "study.toml").read_text(encoding="utf-8"))
    shipped = (EXAMPLE / "study_omop.toml").read_text(encoding="utf-8")
    assert shipped == expected, (
        "examples/tdm1_after_pertuzumab/study_omop.toml is out of date with study.toml; "
        "regenerate it: PYTHONPATH=src python tests/synth/test_omop_equivalence.py"
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    from retrostudy.data import load_records
    from retrostudy.data.schema import TABLES
    from retrostudy.pipeline import run_study
    from retrostudy.protocol import load_protocol
    from retrostudy.synth.omop import canonical_to_omop
    from retrostudy.synth.omop_cdm import write_omop

    tmp = tmp_path_factory.mktemp("omop_study")
    protocol = load_protocol(EXAMPLE / "study.toml")
    loaded = load_records(protocol.data, protocol.base_dir)
    tables = {name: loaded.store.table(name).to_pandas() for name in TABLES}
    write_omop(canonical_to_omop(tables), tmp / OMOP_PATH)
    shutil.copy(EXAMPLE / "study_omop.toml", tmp / "study_omop.toml")
    return run_study(EXAMPLE / "study.toml"), run_study(tmp / "study_omop.toml"), tables


def test_the_cdm_holds_every_record(both):
    _, omop, tables = both
    counts = omop.load.counts
    assert counts["person"].loaded == len(tables["patients"])
    assert counts["drug_exposure"].loaded == len(tables["drug_administrations"])
    for count in counts.values():
        assert count.read == count.loaded  # nothing rejected, nothing irrelevant


def test_same_attrition(both):
    csv, omop, _ = both
    assert omop.attrition == csv.attrition
    assert omop.results["flow"] == csv.results["flow"]


def test_same_analysis_dataset(both):
    csv, omop, _ = both
    a = csv.dataset.sort_values("patient_id").reset_index(drop=True)
    b = omop.dataset.sort_values("patient_id").reset_index(drop=True)
    assert len(a) == 42
    pd.testing.assert_frame_equal(a, b)


def _without_inputs(results: dict) -> dict:
    out = {k: v for k, v in results.items() if k not in ("provenance", "data_quality")}
    out["tables"] = {k: v for k, v in results["tables"].items() if k not in INPUT_ONLY_TABLES}
    return out


def test_same_results_json_except_provenance(both):
    csv, omop, _ = both
    a, b = _without_inputs(csv.results), _without_inputs(omop.results)
    assert set(a) == set(b)
    for key in a:
        assert _same(a[key], b[key]), key
    assert csv.results["provenance"]["inputs"] != omop.results["provenance"]["inputs"]


def _same(x, y) -> bool:
    """Equal, with NaN equal to NaN (results.json may hold NaN for 'not estimable')."""
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return len(x) == len(y) and all(_same(u, v) for u, v in zip(x, y, strict=True))
    if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
        return True
    return x == y


@pytest.fixture(scope="module")
def with_episodes(tmp_path_factory, both):
    """The same CDM plus oncology episodes (``synth --omop --episodes``): one Disease
    Progression episode per PD assessment, one Treatment Regimen episode per line."""
    from retrostudy.pipeline import run_study
    from retrostudy.synth.omop import canonical_to_omop
    from retrostudy.synth.omop_cdm import write_omop

    tmp = tmp_path_factory.mktemp("omop_episodes")
    _, _, tables = both
    write_omop(canonical_to_omop(tables, episodes=True), tmp / OMOP_PATH)
    shutil.copy(EXAMPLE / "study_omop.toml", tmp / "study_omop.toml")
    return run_study(tmp / "study_omop.toml")


def test_episodes_change_nothing_and_are_all_mapped(both, with_episodes):
    csv, omop, tables = both
    episodes = with_episodes
    counts = episodes.load.counts
    n_pd = int((tables["tumor_assessments"]["response"] == "PD").sum())
    assert counts["episode"].read > n_pd > 0
    assert counts["episode_event"].read == len(tables["drug_administrations"])
    for name in ("episode", "episode_event"):
        c = counts[name]
        assert (c.loaded, c.rejected, c.not_relevant) == (c.read, 0, 0), name
    assert episodes.attrition == csv.attrition
    a = csv.dataset.sort_values("patient_id").reset_index(drop=True)
    b = episodes.dataset.sort_values("patient_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    lines = episodes.results["data_quality"]["episode_lines"]  # all analysed lines agree
    assert lines["patients"] == 42
    assert lines["derived_lines"] == lines["episode_lines"] == lines["matched"] \
        == lines["same_start"] == lines["same_drugs"] > 42
    assert lines["episode_only"] == lines["derived_only"] == 0
    assert "data_episode_lines" in episodes.results["tables"]
    assert "episode_lines" not in omop.results["data_quality"]  # no episodes, no entry
    for run in (omop, episodes):  # OMOP's not_relevant counts and episode_lines documented
        validate_results(run.results)
    x, y = _without_inputs(csv.results), _without_inputs(episodes.results)
    assert set(x) == set(y)
    for key in x:
        assert _same(x[key], y[key]), key


def test_episode_lines_agree_with_the_derived_lines(with_episodes):
    """The regimen episodes read back (numbers, starts, linked drugs) are the lines the
    protocol's [lines] rules derive from the loaded drug administrations."""
    from retrostudy.cohort.drugs import drug_lookup
    from retrostudy.cohort.lines import derive_lines
    from retrostudy.data.omop.episodes import compare_lines

    backend = with_episodes.load.store.backend
    episode = backend.table("episode_lines").to_pandas()
    adm = backend.table("drug_administrations").to_pandas()
    dates = pd.DataFrame({"patient_id": adm["patient_id"].drop_duplicates()})
    for column in ("metastatic_date", "surgery_date", "index_date"):
        dates[column] = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[s]")
    derived = derive_lines(adm, dates, with_episodes.protocol.lines, drug_lookup())
    out = compare_lines(episode, derived)
    assert len(out) == len(derived) == len(episode) > 0
    assert (out["status"] == "both").all()
    assert out["same_start"].all()
    assert out["same_drugs"].all()


def test_an_unmapped_omop_row_is_reported_not_relevant(tmp_path, both):
    """A drug_exposure row of a drug in no concept set (every real CDM has them): counted
    not relevant in results.json, the study unchanged (the report's accounting check once
    failed on such a row)."""
    from retrostudy.pipeline import run_study
    from retrostudy.synth.omop import canonical_to_omop
    from retrostudy.synth.omop_cdm import write_omop

    csv, _, tables = both
    omop = canonical_to_omop(tables)
    de = omop["drug_exposure"]
    extra = de.iloc[:1].copy()
    extra["drug_exposure_id"] = pd.array([10**9], dtype=de["drug_exposure_id"].dtype)
    extra["drug_concept_id"] = pd.array([999], dtype=de["drug_concept_id"].dtype)
    omop["drug_exposure"] = pd.concat([de, extra], ignore_index=True)
    write_omop(omop, tmp_path / OMOP_PATH)
    shutil.copy(EXAMPLE / "study_omop.toml", tmp_path / "study_omop.toml")
    result = run_study(tmp_path / "study_omop.toml")
    n = len(tables["drug_administrations"])
    assert result.results["data_quality"]["records"]["drug_exposure"] == {
        "read": n + 1, "loaded": n, "rejected": 0, "not_relevant": 1}
    assert result.attrition == csv.attrition


if __name__ == "__main__":  # regenerate the shipped protocol
    target = EXAMPLE / "study_omop.toml"
    target.write_text(omop_protocol((EXAMPLE / "study.toml").read_text(encoding="utf-8")),
                      encoding="utf-8")
    print(f"wrote {target}")
