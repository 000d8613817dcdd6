"""The HTML report: self-contained, escaped, and rendered by a real browser without errors."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CHROMIUM = next(
    (
        p
        for p in (
            "/usr/bin/chromium",
            shutil.which("chromium") or "",
            shutil.which("chromium-browser") or "",
        )
        if p and Path(p).exists()
    ),
    None,
)


def test_user_text_is_escaped(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    # the test protocol's title is: Test study <script>alert('x')</script> & co
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert "<script" not in html.lower()


def test_self_contained_no_external_requests(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    srcs = re.findall(r'<img src="([^"]{0,30})', html)
    assert srcs and all(s.startswith("data:image/svg+xml;base64,") for s in srcs)


def test_report_has_everything_the_paper_shows(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    for text in (
        "Fig. 1. Patient flow",
        "Table 1. Patient characteristics",
        "Fig. 2. Progression-free survival",
        "Table 2. Best response",
        "Unadjusted HR",
        "Adjusted HR",
        "Methods",
        "Results",
        "Conventions profile",
        "days / 30.4375",
        "efron",
    ):
        assert text in html, text
    supplement = (report_dir / "supplement.html").read_text(encoding="utf-8")
    for text in ("Follow-up", "Treatment discontinuation", "Conventions and provenance",
                 "Contents"):
        assert text in supplement, text
    assert "Treatment discontinuation" not in html  # not a main exhibit by default


@pytest.mark.browser
def test_renders_in_headless_chromium_without_console_errors(report_dir):
    if CHROMIUM is None:
        pytest.skip(
            "Chromium not found (/usr/bin/chromium); install it with: apt-get install -y chromium"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    url = (report_dir / "report.html").resolve().as_uri()
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
    ]
    proc = subprocess.run(
        [*base, "--window-size=1200,2400", f"--screenshot={shot}", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    phone = ARTIFACTS / "report-phone.png"
    subprocess.run(
        [*base, "--window-size=390,1600", f"--screenshot={phone}", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert phone.exists()
    printed = ARTIFACTS / "report-print.pdf"
    subprocess.run(
        [*base, "--no-pdf-header-footer", f"--print-to-pdf={printed}", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.exists() and printed.stat().st_size > 10_000  # the print stylesheet renders
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert "Table 1. Patient characteristics" in dom.stdout
    assert not [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def test_number_cells_wrap_only_between_the_estimate_and_its_ci():
    """A table of many 'estimate (CI)' columns fits the page: the only break opportunity of
    a number cell is the space before its CI; the text stays escaped."""
    from retrostudy.report.html import estimate_ci

    assert str(estimate_ci("2.85 (1.41–5.75)")) == (
        '<span class="nb">2.85</span> <span class="nb">(1.41–5.75)</span>')
    assert str(estimate_ci("0.0035ᵃ")) == '<span class="nb">0.0035ᵃ</span>'
    assert str(estimate_ci("<5 (<b>)")) == (
        '<span class="nb">&lt;5</span> <span class="nb">(&lt;b&gt;)</span>')


@pytest.mark.browser
def test_tdm1_main_document_prints_on_at_most_six_a4_pages(tmp_path):
    """The main document (report.html) of the T-DM1 example, printed to PDF by headless
    Chromium: at most 6 A4 pages (the paper's Methods, Results and four exhibits + HRs)."""
    pdfinfo = shutil.which("pdfinfo")
    if CHROMIUM is None or pdfinfo is None:
        pytest.skip("Chromium or pdfinfo (poppler-utils) not found; install them with: "
                    "apt-get install -y chromium poppler-utils")
    from retrostudy.pipeline import run_study
    from retrostudy.protocol import load_protocol

    protocol = load_protocol(Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab"
                             / "study.toml")
    report = protocol.report.model_copy(update={"outputs": ["html"]})
    run_study(protocol.model_copy(update={"report": report}), out=tmp_path / "out")
    pdf = tmp_path / "main.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    (tmp_path / "out" / "report.html").as_uri()],
                   capture_output=True, timeout=180, check=False)
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert "A4" in info, info
    assert 1 <= pages <= 6, info
