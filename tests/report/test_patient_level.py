"""``retrostudy run --patient-level``: the analysis dataset and the excluded patients, with
identifiers, in a folder beside the report and never in it; the report says whether it
was written.

The study is hand-made (not the example): eribulin in a calendar window, an exclusion for
an earlier eribulin course, groups by prior capecitabine vs prior paclitaxel only (a patient
with neither matches no group), PFS, OS, best overall response and response rates. One
patient id begins with '=' (a spreadsheet formula) and one response method with '-'.
"""

import json
import zipfile
from datetime import date, timedelta

import pandas as pd
import pytest

from retrostudy.errors import OutputError
from retrostudy.report.patient_level import SUFFIX, csv_safe, folder_for, neutralise

N = 24
START = date(2018, 1, 1)
PROTOCOL = """\
[study]
title = "Eribulin after capecitabine (hand-made test study)"

[data]
path = "data"

[index]
label = "Eribulin started 2018-2020"
drug = "eribulin"
start = 2018-01-01
end = 2020-12-31

[[criteria]]
label = "Eribulin before the window"
action = "exclude"
when = { drug = "eribulin", window = ["-inf", -1] }

[groups]
reference = "pac"

[[groups.group]]
name = "cape"
label = "Prior capecitabine"
when = { drug = "capecitabine", window = ["-inf", -1] }

[[groups.group]]
name = "pac"
label = "Prior paclitaxel only"
when = { all = [
  { drug = "paclitaxel", window = ["-inf", -1] },
  { not = { drug = "capecitabine", window = ["-inf", -1] } },
] }

[endpoints.pfs]
kind = "pfs"
label = "PFS"
events = ["progression", "death"]

[endpoints.os]
kind = "os"
label = "OS"

[endpoints.bor]
kind = "bor"
label = "BOR"

[endpoints.rates]
kind = "rates"
label = "Response"
response_from = "bor"

[[analyses.survival]]
endpoint = "pfs"
label = "PFS"

[report]
figure_formats = ["png"]
"""


def _pid(i: int) -> str:
    return "=HYPERLINK(1)" if i == 0 else f"ZQX{i:03d}"


def _write_study(folder):
    data = folder / "data"
    data.mkdir(parents=True)
    patients, drugs, scans = [], [], []
    for i in range(N):
        pid = _pid(i)
        index = START + timedelta(days=11 * i)
        died = i % 3 == 0
        death = index + timedelta(days=200 + 17 * i) if died else None
        patients.append({"patient_id": pid, "birth_date": date(1950 + i % 20, 3, 1),
                         "sex": "F", "death_date": death,
                         "last_contact_date": None if died else index + timedelta(days=400)})
        prior = "capecitabine" if i % 2 else "paclitaxel"
        if i == 5:
            prior = "tamoxifen"  # neither group: "matched no group"
        drugs.append({"patient_id": pid, "drug": prior, "date": index - timedelta(days=200)})
        if i in (7, 8):  # an earlier eribulin course: excluded
            drugs.append({"patient_id": pid, "drug": "eribulin",
                          "date": date(2017, 1, 1)})
        for k in range(4):
            drugs.append({"patient_id": pid, "drug": "eribulin",
                          "date": index + timedelta(days=21 * k)})
        responses = ["PR", "PR", "PD"] if i % 4 == 0 else ["SD", "NE", "PD"] if i % 4 == 1 \
            else ["SD", "SD", "SD"]
        for k, resp in enumerate(responses):
            scans.append({"patient_id": pid, "date": index + timedelta(days=50 + 45 * k),
                          "response": resp, "method": "CT"})
    pd.DataFrame(patients).to_csv(data / "patients.csv", index=False)
    pd.DataFrame(drugs).to_csv(data / "drug_administrations.csv", index=False)
    pd.DataFrame(scans).to_csv(data / "tumor_assessments.csv", index=False)
    (folder / "study.toml").write_text(PROTOCOL, encoding="utf-8")
    return folder / "study.toml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from retrostudy.cli import main

    root = tmp_path_factory.mktemp("patient_level")
    protocol = _write_study(root / "study")
    with_ = root / "report"
    assert main(["run", str(protocol), "--out", str(with_), "--patient-level", "--quiet"]) == 0
    without = root / "plain"
    assert main(["run", str(protocol), "--out", str(without), "--quiet"]) == 0
    return root, with_, without


def _report_text(out) -> str:
    """Every report file meant for sharing, as text (the Word file unzipped)."""
    parts = []
    for path in sorted(out.rglob("*")):
        if path.suffix in (".html", ".json", ".csv", ".svg"):
            parts.append(path.read_text(encoding="utf-8"))
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                parts += [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
    return "\n".join(parts)


def test_folder_is_beside_the_report_and_named_identifiable(runs):
    root, with_, without = runs
    folder = root / f"report{SUFFIX}"
    assert folder == folder_for(with_) and folder.is_dir()
    assert not list(with_.rglob("*.parquet")) and not (with_ / "README.txt").exists()
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "IDENTIFIERS" in readme and "DO NOT SHARE" in readme
    for name in ("analysis_dataset", "excluded", "lines"):
        assert (folder / f"{name}.csv").is_file() and (folder / f"{name}.parquet").is_file()
    assert not (root / f"plain{SUFFIX}").exists()


def test_analysis_dataset_one_row_per_analysed_patient(runs):
    root, with_, _ = runs
    folder = folder_for(with_)
    data = pd.read_parquet(folder / "analysis_dataset.parquet")
    results = json.loads((with_ / "results.json").read_text(encoding="utf-8"))
    assert len(data) == results["flow"]["n_analysed"] == N - 3
    assert data["patient_id"].is_unique
    for col in ("patient_id", "group", "index_date", "age", "pfs_days", "pfs_event",
                "pfs_reason", "pfs_date", "os_days", "os_event", "os_reason", "os_date",
                "bor", "bor_date", "bor_n_assessments", "response", "index_line"):
        assert col in data.columns, col
    assert set(data["group"]) == {"cape", "pac"}
    csv = pd.read_csv(folder / "analysis_dataset.csv", dtype=str, keep_default_na=False)
    assert list(csv.columns) == list(data.columns) and len(csv) == len(data)


def test_excluded_patients_match_the_attrition(runs):
    _, with_, _ = runs
    folder = folder_for(with_)
    excluded = pd.read_parquet(folder / "excluded.parquet")
    results = json.loads((with_ / "results.json").read_text(encoding="utf-8"))
    flow = results["flow"]
    assert len(excluded) == flow["n_identified"] - flow["n_analysed"] == 3
    assert list(excluded.columns) == ["patient_id", "criterion"]
    by_id = dict(zip(excluded["patient_id"], excluded["criterion"], strict=True))
    assert by_id["ZQX007"] == by_id["ZQX008"] == "Eribulin before the window"
    assert "ZQX005" in by_id and by_id["ZQX005"] != "Eribulin before the window"
    analysed = set(pd.read_parquet(folder / "analysis_dataset.parquet")["patient_id"])
    assert not analysed & set(by_id)


def test_csv_cells_are_neutralised_parquet_unchanged(runs):
    _, with_, _ = runs
    folder = folder_for(with_)
    csv = pd.read_csv(folder / "analysis_dataset.csv", dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(1)" in set(csv["patient_id"])
    assert "=HYPERLINK(1)" in set(pd.read_parquet(folder / "analysis_dataset.parquet")
                                  ["patient_id"])
    for path in folder.glob("*.csv"):
        for line in path.read_text(encoding="utf-8").splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)


def test_no_identifier_in_the_report_and_it_says_whether_written(runs):
    root, with_, without = runs
    ids = [_pid(i) for i in range(N)]
    for out in (with_, without):
        text = _report_text(out)
        assert not [p for p in ids if p in text], out
        assert str(root) not in text and "HYPERLINK" not in text
    written = json.loads((with_ / "results.json").read_text(encoding="utf-8"))["patient_level"]
    assert written["written"] is True and written["contains_identifiers"] is True
    plain = json.loads((without / "results.json").read_text(encoding="utf-8"))["patient_level"]
    assert plain["written"] is False and plain["files"] == []
    # the conventions and provenance close the supplement
    assert "marked IDENTIFIABLE" in (with_ / "supplement.html").read_text(encoding="utf-8")
    assert "Patient-level data" in _report_text(with_)
    assert "not written" in (without / "supplement.html").read_text(encoding="utf-8")


def test_protocol_key_writes_it_too(runs, tmp_path):
    from retrostudy.pipeline import run_study

    root, _, _ = runs
    toml = (root / "study" / "study.toml").read_text(encoding="utf-8")
    protocol = root / "study" / "study_key.toml"
    protocol.write_text(toml.replace('figure_formats = ["png"]',
                                     'figure_formats = ["png"]\npatient_level = true'),
                        encoding="utf-8")
    result = run_study(protocol, out=tmp_path / "r")
    assert result.patient_level_files and all(
        p.parent == tmp_path / f"r{SUFFIX}" for p in result.patient_level_files)
    assert run_study(protocol).patient_level_files == ()  # no out: nothing written


@pytest.mark.parametrize(("cell", "expected"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-x", "'-x"), ("-1+2", "'-1+2"), ("-3", "-3"), ("-0.25", "-0.25"),
    ("-1e-3", "-1e-3"), ("-.5", "-.5"), ("abc", "abc"), ("", ""), (-4, -4),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_csv_safe_leaves_numbers_and_dates():
    frame = pd.DataFrame({"x": [-1.5, 2.0], "d": pd.to_datetime(["2020-01-01", None]),
                          "s": pd.array(["=a", None], dtype="string"), "=c": [1, 2]})
    out = csv_safe(frame)
    assert out["x"].tolist() == [-1.5, 2.0] and out["d"].equals(frame["d"])
    assert out["s"].tolist()[0] == "'=a" and pd.isna(out["s"].tolist()[1])
    assert list(out.columns) == ["x", "d", "s", "'=c"]


def test_patient_level_folder_is_complete_or_absent(tmp_path, monkeypatch):
    """The identifiable folder follows the report's rule: a rerun replaces it whole (no
    stale file of an earlier run), and a failure while writing leaves the previous one."""
    from retrostudy.report import patient_level

    small = {n: pd.DataFrame({"patient_id": ["P1", "P2"], "x": [1, 2]})
             for n in patient_level.NAMES}
    folder = tmp_path / "r-patient-level-IDENTIFIABLE"
    patient_level.write_patient_level(folder, small)
    (folder / "analysis_dataset.csv").write_text("stale", encoding="utf-8")
    before = sorted(p.name for p in folder.iterdir())

    def broken(frame, path, **_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OutputError, match="No space left"):
        patient_level.write_patient_level(folder, small)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / "analysis_dataset.csv").read_text(encoding="utf-8") == "stale"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    monkeypatch.undo()
    patient_level.write_patient_level(folder, small)
    assert (folder / "analysis_dataset.csv").read_text(encoding="utf-8").startswith(
        "patient_id,x")


def test_patient_level_folder_of_other_files_is_refused_before_work(tmp_path, monkeypatch):
    """A folder of someone else's files where the identifiable folder would go is refused
    before any record is read (replacing it would delete them)."""
    from retrostudy import pipeline

    protocol = _write_study(tmp_path / "study")
    out = tmp_path / "r"
    folder_for(out).mkdir()
    (folder_for(out) / "notes.docx").write_text("mine", encoding="utf-8")

    def no_work(*_a, **_k):
        raise AssertionError("records were read before the output folders were checked")

    monkeypatch.setattr(pipeline, "_records_to_dataset", no_work)
    with pytest.raises(OutputError, match="did not write"):
        pipeline.run_study(protocol, out=out, patient_level=True)
    assert (folder_for(out) / "notes.docx").read_text(encoding="utf-8") == "mine"
