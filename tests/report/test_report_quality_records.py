"""Record-level run of the example study with bad input added: the report accounts for it.

A copy of the example extract gets one tumour assessment dated long before a patient's
first one (so before the index date): the endpoint rule ``assessment_before_index`` must
fire and show in the HTML, the Word file and results.json, next to the loader's counts
(rows read = loaded + rejected; the extract has quarantined duplicate rows).
"""

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab"
CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()),
    None,
)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    from retrostudy.pipeline import run_study

    root = tmp_path_factory.mktemp("quality")
    study = root / "study"
    shutil.copytree(EXAMPLE, study)
    path = study / "data" / "tumor_assessments.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = rows[0]
    earliest = min(r["date"] for r in rows if r["patient_id"] == first["patient_id"])
    early = dt.date.fromisoformat(earliest) - dt.timedelta(days=400)
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(f"{first['patient_id']},{early.isoformat()},SD,CT\n")
    out = root / "out"
    result = run_study(study / "study.toml", out=out)
    return result, out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_results_json_has_definitions_and_accounting(bad_run):
    result, _, data = bad_run
    assert set(data["endpoint_definitions"]) == set(result.endpoints.definitions)
    assert "pfs" in data["endpoint_definitions"]
    quality = data["data_quality"]
    assert quality["source"] == "records"
    records = quality["records"]
    assert set(records) == set(result.load.counts)
    for table, c in records.items():
        assert c["read"] == c["loaded"] + c["rejected"], table
    assert sum(c["rejected"] for c in records.values()) > 0  # the extract's duplicates
    rules = {r["rule"]: r for r in quality["bad_input"]}
    before = rules["assessment_before_index"]
    assert before["n_records"] >= 1 and before["n_patients"] >= 1
    assert before["scope"] == "tumor_assessments"


def test_accounting_tables_in_results_and_csv(bad_run):
    _, out, data = bad_run
    table = data["tables"]["data_records"]
    assert table["columns"] == ["Table", "Read", "Loaded", "Rejected"]
    for label, read, loaded, rejected in table["rows"]:
        assert int(read) == int(loaded) + int(rejected), label
    assert data["tables"]["endpoint_bad_input"]["rows"][0][0] == "assessment_before_index"
    assert (out / "tables" / "endpoint_bad_input.csv").exists()
    assert (out / "tables" / "data_records.csv").exists()


def test_html_shows_definitions_and_bad_input_table(bad_run):
    result, out, _ = bad_run
    html = (out / "supplement.html").read_text(encoding="utf-8")  # S1, S2
    for text in (
        'id="endpoint-definitions"',
        "Methods: endpoint definitions",
        'id="data-quality"',
        "Data quality and record accounting",
        "Records read, loaded and rejected per table",
        "Endpoint bad-input rules that fired",
        "Problems found while loading the records",
    ):
        assert text in html, text
    assert "assessment_<wbr>before_<wbr>index" in html
    first_words = result.endpoints.definitions["pfs"].split(":")[0]
    assert first_words.replace("&", "&amp;").replace("'", "&#39;") in html


def test_docx_shows_definitions_and_bad_input_table(bad_run):
    import docx

    result, out, _ = bad_run
    document = docx.Document(io.BytesIO((out / "supplement.docx").read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Methods: endpoint definitions" in text
    assert "Data quality and record accounting" in text
    assert f"pfs: {result.endpoints.definitions['pfs']}" in text
    headers = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    records = headers[("Table", "Read", "Loaded", "Rejected")]
    for row in records.rows[1:]:
        _, read, loaded, rejected = (c.text for c in row.cells)
        assert int(read) == int(loaded) + int(rejected)
    bad = headers[("Rule", "Applies to", "Records", "Patients", "Action taken")]
    assert "assessment_before_index" in [r.cells[0].text for r in bad.rows[1:]]


_PROBE = """<script>
const wide = [...document.querySelectorAll('.tablewrap')]
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .map(w => w.querySelector('caption').textContent);
document.title = 'WIDE:' + JSON.stringify(wide);
</script>"""


@pytest.mark.browser
def test_no_table_overflows_a_1200px_window(bad_run, tmp_path):
    if CHROMIUM is None:
        pytest.skip(
            "Chromium not found (/usr/bin/chromium); install it with: apt-get install -y chromium"
        )
    _, out, _ = bad_run
    html = (out / "supplement.html").read_text(encoding="utf-8")  # the record tables
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)  # allow the probe
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r"<title>WIDE:(.*?)</title>", proc.stdout)
    assert found, proc.stderr[-2000:]
    assert json.loads(found.group(1).replace("&quot;", '"')) == []
