"""Every route of the app, on the second example study (not the T-DM1 one): the page
shows what the library computes (the cohort builder's counts, the loader's findings,
the scan's proposal), and edits land in study.toml as the protocol model reads them."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest
from app_helpers import authorised, copy_example, make_client

from retrostudy.cohort.build import select_patients
from retrostudy.data import check_records
from retrostudy.data.store import duckdb_backend
from retrostudy.protocol import load_protocol


def _numbers(page: str) -> tuple[list[int], list[int]]:
    main = [int(n) for n in re.findall(r'id="n-(?:identified|analysed)">(\d+)', page)]
    return main, [int(n) for n in re.findall(r'group-n">(\d+)', page)]


def _attrition(path):
    protocol = load_protocol(path)
    groups = protocol.groups.model_copy(update={"on_overlap": "report"})
    protocol = protocol.model_copy(update={"groups": groups})
    loaded = check_records(protocol.data, protocol.base_dir, duckdb_backend())
    return select_patients(protocol, loaded.store).attrition


def _form(study):
    from retrostudy.app.studyfile import cohort_form

    form = cohort_form(study.read_text(encoding="utf-8"))
    return {**{f"index_{k}": v for k, v in form["index"].items()},
            "c_label": [c["label"] for c in form["criteria"]],
            "c_action": [c["action"] for c in form["criteria"]],
            "c_when": [c["when"] for c in form["criteria"]],
            "g_name": [g["name"] for g in form["groups"]],
            "g_label": [g["label"] for g in form["groups"]],
            "g_when": [g["when"] for g in form["groups"]],
            "reference": form["reference"]}


def test_home_lists_studies_and_extract_folders(nsclc):
    page = authorised(make_client(nsclc)).get("/").text
    assert 'href="/data?s=study.toml"' in page
    assert "<option>data</option>" in page


def test_create_writes_what_init_writes(tmp_path, nsclc):
    from retrostudy.data.scan.study import propose

    folder = tmp_path / "new"
    shutil.copytree(nsclc / "data", folder / "extract")
    client = authorised(make_client(folder))
    response = client.post("/create", data={"extract": "extract", "name": "mine.toml"})
    assert response.status_code == 303 and response.headers["location"] == "/data?s=mine.toml"
    written = (folder / "mine.toml").read_text(encoding="utf-8")
    assert written == propose(folder / "extract", out=folder / "mine.toml").text
    again = client.post("/create", data={"extract": "extract", "name": "mine.toml"})
    assert again.status_code == 409 and (folder / "mine.toml").read_text("utf-8") == written
    assert client.get("/data?s=mine.toml").status_code == 200


def test_data_page_shows_every_finding_row_by_row(nsclc):
    drugs = nsclc / "data" / "drug_administrations.csv"
    drugs.write_text(drugs.read_text("utf-8") + "SYN1029,paclitaxel,2018-13-45,,,\n", "utf-8")
    protocol = load_protocol(nsclc / "study.toml")
    result = check_records(protocol.data, protocol.base_dir, duckdb_backend())
    assert result.problems
    page = authorised(make_client(nsclc)).get("/data?s=study.toml").text
    for finding in result.problems:
        assert f"<td>{finding.problem.row}</td>" in page or finding.problem.row is None
    assert "2018-13-45" in page
    for name, count in result.counts.items():
        assert re.search(rf"<td>{name}</td>.*?<td class=\"n\">{count.read}</td>"
                         rf"<td class=\"n\">{count.loaded}</td>", page)
    assert 'id="mapping"' in page  # the scan's proposal


def test_cohort_counts_are_the_cohort_builders(nsclc):
    attrition = _attrition(nsclc / "study.toml")
    page = authorised(make_client(nsclc)).get("/cohort?s=study.toml").text
    assert _numbers(page) == ([attrition.identified, attrition.analysed],
                              [g.n for g in attrition.groups])
    assert 'src="data:image/svg+xml;base64,' in page  # the report's flow figure


def test_preview_counts_an_unsaved_edit(tmp_path, nsclc):
    """Dropping the platinum criterion in the form: the counts equal the cohort builder's on the
    protocol edited by hand; the file is untouched until saved."""
    study = nsclc / "study.toml"
    before = study.read_text("utf-8")
    form = _form(study)
    drop = next(i for i, label in enumerate(form["c_label"])
                if label.startswith("Received platinum"))
    form["c_label"][drop] = form["c_when"][drop] = ""
    client = authorised(make_client(nsclc))
    preview = client.post("/cohort/preview?s=study.toml", data=form).text
    by_hand = tmp_path / "by_hand"
    copy_example("pd1_after_platinum_nsclc", by_hand)
    text = by_hand.joinpath("study.toml").read_text("utf-8")
    start = text.index("[[criteria]]\nlabel = \"Received platinum")
    end = text.index("[[criteria]]", start + 1)
    by_hand.joinpath("study.toml").write_text(text[:start] + text[end:], "utf-8")
    attrition = _attrition(by_hand / "study.toml")
    assert _numbers(preview) == ([attrition.identified, attrition.analysed],
                                 [g.n for g in attrition.groups])
    steps = [int(n) for n in re.findall(r"&minus;(\d+)", preview)]
    assert steps == [s.n_excluded for s in attrition.steps]
    assert steps != [s.n_excluded for s in _attrition(study).steps]
    assert study.read_text("utf-8") == before


def test_save_keeps_comments_and_reads_back(nsclc):
    study = nsclc / "study.toml"
    before = study.read_text("utf-8")
    client = authorised(make_client(nsclc))
    page = client.get("/cohort?s=study.toml").text
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)
    form = _form(study)
    form["index_end"] = "2018-12-31"
    form["c_label"].append("No gemcitabine before")
    form["c_action"].append("exclude")
    form["c_when"].append('{ drug = "gemcitabine", window = ["-inf", -1] }')
    response = client.post("/cohort/save?s=study.toml", data={**form, "digest": digest})
    assert response.status_code == 200 and "saved-ok" in response.text
    after = study.read_text("utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert all(line in after for line in comments)
    protocol = load_protocol(study)
    assert str(protocol.index.end) == "2018-12-31"
    assert protocol.criteria[-1].label == "No gemcitabine before"
    new_digest = re.search(r'value="([0-9a-f]{64})"', response.text).group(1)
    assert new_digest != digest  # the page carries the new file's digest for the next save


def test_save_refuses_an_invalid_protocol(nsclc):
    study = nsclc / "study.toml"
    before = study.read_text("utf-8")
    client = authorised(make_client(nsclc))
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"',
                       client.get("/cohort?s=study.toml").text).group(1)
    form = _form(study)
    form["c_when"][0] = '{ drug = "nivolumab", window = [5, 1] }'  # start after end
    response = client.post("/cohort/save?s=study.toml", data={**form, "digest": digest})
    assert response.status_code == 400 and "criteria" in response.text
    broken = client.post("/cohort/save?s=study.toml", data={**form, "digest": digest,
                                                              "c_when": ["{ drug = "]})
    assert broken.status_code == 400
    assert study.read_text("utf-8") == before


def test_patients_in_two_groups_or_none_by_id(nsclc):
    study = nsclc / "study.toml"
    text = study.read_text("utf-8").replace(
        'when = { drug = "pemetrexed", window = ["-inf", -1] }',
        'when = { drug = ["pemetrexed", "gemcitabine"], window = ["-inf", -1] }')
    study.write_text(text, "utf-8")
    attrition = _attrition(study)
    assert attrition.overlap and attrition.unassigned
    client = authorised(make_client(nsclc))
    for which, ids in (("overlap", attrition.overlap), ("unassigned", attrition.unassigned)):
        page = client.get(f"/cohort/patients?s=study.toml&which={which}").text
        assert re.findall(r"<li>([^<]+)</li>", page) == list(ids)
    cohort = client.get("/cohort?s=study.toml").text
    assert 'id="overlap"' in cohort and ", ".join(attrition.overlap) in cohort
    assert "on_overlap" in cohort  # the run would stop: said so


def test_endpoints_page_shows_each_documented_meaning(nsclc):
    import inspect

    protocol = load_protocol(nsclc / "study.toml")
    page = authorised(make_client(nsclc)).get("/endpoints?s=study.toml").text
    for name, spec in protocol.endpoints.items.items():
        assert f"<code>{name}</code>" in page
        first = " ".join(inspect.getdoc(type(spec)).split())[:40]
        assert first.replace("'", "&#39;").replace('"', "&#34;") in page


def test_languages(nsclc):
    client = authorised(make_client(nsclc))
    assert client.get("/lang?to=ja&next=/cohort%3Fs%3Dstudy.toml").status_code == 303
    page = client.get("/cohort?s=study.toml").text
    assert "コホート" in page and 'lang="ja"' in page
    assert client.get("/lang?to=en&next=https://evil.example/").headers["location"] == "/"


def test_static_htmx_is_served_from_the_package(nsclc):
    response = authorised(make_client(nsclc)).get("/static/htmx.min.js")
    assert response.status_code == 200 and response.text.startswith("var htmx=")


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The second example run once through the app: (client, folder, job page)."""
    import time

    folder = copy_example("pd1_after_platinum_nsclc", tmp_path_factory.mktemp("ran") / "s")
    client = authorised(make_client(folder))
    page = client.post("/run?s=study.toml").text
    job = re.search(r"job=([0-9a-f]+)", page).group(1)
    for _ in range(600):
        page = client.get(f"/run/status?job={job}").text
        if 'id="run-done"' in page or 'id="run-failed"' in page:
            break
        assert "<progress" in page
        time.sleep(0.5)
    return client, folder, page


def test_run_report_downloads_and_zip(ran):
    client, folder, page = ran
    assert 'id="run-done"' in page
    report = client.get("/report?s=study.toml").text
    assert "report.docx" in report and 'id="report-frame"' in report
    docx = client.get("/report/file?s=study.toml&f=report.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "attachment" in docx.headers["content-disposition"]
    html = client.get("/report/file?s=study.toml&f=report.html")
    assert "sandbox" in html.headers["content-security-policy"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/report/zip?s=study.toml").content))
    names = archive.namelist()
    assert "study-report/results.json" in names and "study-report/report.docx" in names
    assert archive.read("study-report/results.json") == (
        folder / "study-report" / "results.json").read_bytes()


def test_patient_timeline_shows_what_the_run_derived(ran):
    client, folder, _ = ran
    job = client.app.state.jobs.last[(folder / "study.toml").resolve()]
    row = job.result.dataset.iloc[0]
    page = client.get(f"/patient?s=study.toml&id={row['patient_id']}").text
    assert f"<td><code>pfs_reason</code></td><td>{row['pfs_reason']}</td>" in page
    assert f"<td><code>bor</code></td><td>{row['bor']}</td>" in page
    assert 'id="patient-drug_administrations"' in page and 'id="patient-lines"' in page
    assert client.get("/patient?s=study.toml&id=NOBODY").status_code == 404


def test_timeline_columns_belong_to_the_longest_endpoint_name():
    import pandas as pd

    from retrostudy.app.timeline import owner, shown

    names = ("pfs", "pfs_standard", "bor", "bor_confirmed", "os")
    assert owner("pfs_days", names) == "pfs"
    assert owner("pfs_standard_days", names) == "pfs_standard"
    assert owner("bor", names) == "bor" and owner("bor_confirmed_date", names) == "bor_confirmed"
    assert owner("group", names) is None and owner("osteo", names) is None
    assert shown(pd.Timestamp("2016-09-25")) == "2016-09-25" and shown(pd.NaT) == ""


def test_timeline_lists_each_column_once(ran):
    client, folder, _ = ran
    job = client.app.state.jobs.last[(folder / "study.toml").resolve()]
    patient = job.result.dataset.iloc[0]["patient_id"]
    page = client.get(f"/patient?s=study.toml&id={patient}").text
    codes = re.findall(r"<td><code>(\w+)</code></td>", page)
    assert len(codes) == len(set(codes))


def test_profile_saved_as_the_protocol_reads_it(nsclc):
    study = nsclc / "study.toml"
    client = authorised(make_client(nsclc))
    page = client.get("/endpoints?s=study.toml").text
    assert "Efron" in page and "Breslow" in page  # each choice with its meaning
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)
    assert client.post("/endpoints/profile?s=study.toml",
                       data={"profile": "x", "digest": digest}).status_code == 400
    saved = client.post("/endpoints/profile?s=study.toml",
                        data={"profile": "ezr", "digest": digest})
    assert saved.status_code == 200 and "saved-ok" in saved.text
    assert load_protocol(study).analyses.profile == "ezr"
    stale = client.post("/endpoints/profile?s=study.toml",
                        data={"profile": "sas", "digest": digest})
    assert stale.status_code == 409 and load_protocol(study).analyses.profile == "ezr"


def test_home_lists_a_workbook_as_an_extract(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["patient_id", "birth_date"])
    book.save(tmp_path / "extract.xlsx")
    page = authorised(make_client(tmp_path)).get("/").text
    assert "<option>extract.xlsx</option>" in page
