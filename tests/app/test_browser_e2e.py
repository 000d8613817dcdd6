"""The whole flow in a real browser (Debian's chromium driven by Playwright) on the T-DM1
example: open -> map -> cohort (49 -> 42, 18 / 24; an edit saved) -> endpoints -> run ->
report -> downloads -> one patient; then ``retrostudy run`` on the protocol the app saved
gives the same results.json (provenance aside: it records the time and the input hashes).

Screenshots of each step go to a temporary folder; with RETROSTUDY_APP_SCREENSHOTS=1 to
docs/img/app/ (the pictures of docs/app.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from app_helpers import copy_example

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and Path(p).exists()),
                None)


@pytest.fixture
def server(tmp_path):
    import uvicorn

    from retrostudy.app import create_app
    from retrostudy.cli.app import bind

    folder = copy_example("tdm1_after_pertuzumab", tmp_path / "tdm1")
    app = create_app(folder)
    sock = bind(0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    yield url, app.state.token, folder
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def _results_without_provenance(path: Path) -> dict:
    results = json.loads(path.read_text(encoding="utf-8"))
    results.pop("provenance", None)
    return results


@pytest.mark.browser
@pytest.mark.slow
def test_whole_flow_in_chromium(server, tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium not found (/usr/bin/chromium); install it with: "
                    "apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="needs playwright (pip install playwright)")
    url, token, folder = server
    shots = ROOT / "docs" / "img" / "app" if os.environ.get(
        "RETROSTUDY_APP_SCREENSHOTS") else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 860},
                                accept_downloads=True)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def shot(name):
            path = shots / f"{name}.png"
            page.screenshot(path=str(path))
            from PIL import Image  # a 256-colour palette: a third of the size, same look

            with Image.open(path) as image:
                small = image.convert("RGB").quantize(colors=256)
            small.save(path, optimize=True)

        # 1. open
        page.goto(f"{url}/?token={token}")
        assert "token" not in page.url  # redirected: the token left the address bar
        shot("1-open")
        page.click("#studies a[href='/data?s=study.toml']")
        # 2. map: the loader's counts and the scan's proposal
        page.wait_for_selector("#record-counts")
        assert page.locator("#data-status").get_attribute("class") == "ok"
        assert page.locator("#mapping").count() == 1
        shot("2-data")
        # 3. cohort: live counts, then an edit saved through the form
        page.click("#to-cohort")
        page.wait_for_selector("#n-identified")
        assert page.inner_text("#n-identified") == "49"
        assert page.inner_text("#n-analysed") == "42"
        assert page.locator(".group-n").all_inner_texts() == ["18", "24"]
        page.fill("input[name=index_end]", "2015-12-31")  # a narrower window: fewer patients
        expect = sync_api.expect  # waits by selectors (the app's CSP forbids eval)
        expect(page.locator("#n-identified")).not_to_have_text("49", timeout=30_000)
        narrower = int(page.inner_text("#n-identified"))
        assert 0 < narrower < 49
        page.fill("input[name=index_end]", "2017-02-28")
        expect(page.locator("#n-identified")).to_have_text("49", timeout=30_000)
        # a criterion picked from the condition vocabulary: kind "age", then its fields
        row = f"c{page.locator('select[name=c_kind]').count() - 1}"  # the blank last row
        page.locator("select[name=c_kind]").last.select_option("age")
        page.wait_for_selector(f"input[name='{row}.age_min']")
        page.locator("input[name=c_label]").last.fill("Aged 60 or older")
        page.fill(f"input[name='{row}.age_min']", "60")
        expect(page.locator("#n-analysed")).not_to_have_text("42", timeout=30_000)
        assert 0 < int(page.inner_text("#n-analysed")) < 42
        page.locator("input[name=c_label]").last.fill("")  # emptied: the row is removed
        page.fill(f"input[name='{row}.age_min']", "")
        expect(page.locator("#n-analysed")).to_have_text("42", timeout=30_000)
        page.fill("input[name=index_label]", "T-DM1 given 1 Apr 2014 to 28 Feb 2017 (app)")
        page.click("#save")
        page.wait_for_selector("#saved-ok")
        assert "(app)" in (folder / "study.toml").read_text(encoding="utf-8")
        page.locator("h1").scroll_into_view_if_needed()
        shot("3-cohort")
        # 4. endpoints and analyses, then run
        page.click("#nav-endpoints")
        page.wait_for_selector("#endpoint-list")
        shot("4-endpoints")
        page.click("#run")
        page.wait_for_selector("progress")
        page.wait_for_selector("#run-done", timeout=300_000)
        shot("5-run")
        # 5. report in the page, downloads
        page.click("#to-report")
        page.wait_for_selector("#report-frame")
        page.frame_locator("#report-frame").locator("h1").first.wait_for()
        shot("6-report")
        with page.expect_download() as download:
            page.click("#downloads a[href*='report.docx']")
        docx = tmp_path / "report.docx"
        download.value.save_as(docx)
        assert docx.read_bytes()[:2] == b"PK"
        with page.expect_download() as download:
            page.click("#zip")
        archive = tmp_path / "report.zip"
        download.value.save_as(archive)
        with zipfile.ZipFile(archive) as z:
            assert "study-report/results.json" in z.namelist()
        # 6. one patient's timeline
        patient = page.locator("#patient-ids option").first.get_attribute("value")
        page.fill("input[name=id]", patient)
        page.click("#patient-form button")
        page.wait_for_selector("#patient-endpoints")
        assert "pfs_reason" in page.inner_text("#patient-endpoints")
        shot("7-patient")
        # the interface in Japanese: the same page from the other catalogue
        page.click("#nav-cohort")
        page.wait_for_selector("#n-identified")
        page.click("header .lang a[href*='to=ja']")
        page.wait_for_selector("#n-identified")
        assert page.inner_text("h1") == "コホート" and page.inner_text("#n-analysed") == "42"
        page.locator("h1").scroll_into_view_if_needed()
        shot("8-cohort-ja")
        browser.close()
    assert errors == []
    # the protocol the app saved, run by the command line: the same results
    out = tmp_path / "cli-report"
    subprocess.run([sys.executable, "-m", "retrostudy", "run", str(folder / "study.toml"),
                    "--out", str(out), "-q"], check=True, env={**os.environ,
                                                               "PYTHONPATH": str(ROOT / "src")})
    app_results = _results_without_provenance(folder / "study-report" / "results.json")
    assert app_results == _results_without_provenance(out / "results.json")
