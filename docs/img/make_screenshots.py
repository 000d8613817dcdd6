"""Regenerate the report screenshots in docs/img from a report folder.

    python docs/img/make_screenshots.py --demo                      # run the demo first
    python docs/img/make_screenshots.py REPORT_DIR                  # report.html + report.docx
    python docs/img/make_screenshots.py REPORT_DIR --html report.html supplement.html \\
        --docx report.docx supplement.docx --pages 4 --out docs/img

Each HTML file is printed to PDF by headless Chromium (A4, the report's print styles), each
Word file converted to PDF by LibreOffice, and the first ``--pages`` pages of each PDF are
rendered to PNG by ``pdftoppm`` as ``<stem>_html-<k>.png`` / ``<stem>_docx-<k>.png``. A page
larger than ``--max-kb`` is rendered again at a lower resolution, so the committed images
stay small. Needs ``chromium`` (or ``chromium-browser``/``google-chrome``), ``soffice`` and
``pdftoppm`` (poppler-utils) on the PATH; a missing tool skips its files with a message.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESOLUTIONS = (50, 42, 36, 30)  # dpi tried in turn until a page fits --max-kb


def _tool(*names: str) -> str | None:
    return next((p for p in map(shutil.which, names) if p), None)


def html_to_pdf(html: Path, pdf: Path) -> bool:
    chrome = _tool("chromium", "chromium-browser", "google-chrome")
    if chrome is None:
        print("skipped (no chromium on PATH):", html, file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--no-pdf-header-footer",
             "--print-to-pdf-no-header", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=300,
        )
    return pdf.exists()


def docx_to_pdf(docx: Path, outdir: Path) -> Path | None:
    soffice = _tool("soffice", "libreoffice")
    if soffice is None:
        print("skipped (no soffice on PATH):", docx, file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
            check=True, capture_output=True, timeout=300,
        )
    pdf = outdir / f"{docx.stem}.pdf"
    return pdf if pdf.exists() else None


def pdf_to_pngs(pdf: Path, prefix: Path, pages: int, max_kb: int) -> list[Path]:
    """Pages 1..pages of ``pdf`` as ``<prefix>-<k>.png``, each at the highest resolution of
    RESOLUTIONS that keeps it under ``max_kb``."""
    if _tool("pdftoppm") is None:
        print("skipped (no pdftoppm on PATH):", pdf, file=sys.stderr)
        return []
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in range(1, pages + 1):
            png = None
            for dpi in RESOLUTIONS:
                stem = Path(tmp) / f"p{page}-{dpi}"
                subprocess.run(
                    ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                     "-singlefile", str(pdf), str(stem)],
                    capture_output=True, timeout=120,
                )
                png = stem.with_suffix(".png")
                if not png.exists() or png.stat().st_size <= max_kb * 1024:
                    break
            if png is None or not png.exists():  # past the last page
                break
            target = Path(f"{prefix}-{page}.png")
            shutil.copyfile(png, target)
            out.append(target)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report_dir", nargs="?", type=Path, help="folder holding the report files")
    ap.add_argument("--demo", action="store_true", help="run `retrostudy demo` into a temp folder")
    ap.add_argument("--html", nargs="*", default=["report.html"], help="HTML files to capture")
    ap.add_argument("--docx", nargs="*", default=["report.docx"], help="Word files to capture")
    ap.add_argument("--pages", type=int, default=4, help="pages per document (default 4)")
    ap.add_argument("--max-kb", type=int, default=150, help="largest PNG, in KB (default 150)")
    ap.add_argument("--out", type=Path, default=HERE, help="where the PNGs go (docs/img)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.report_dir
        if args.demo:
            folder = Path(tmp) / "demo"
            subprocess.run([sys.executable, "-m", "retrostudy", "demo", "--out", str(folder)],
                           check=True)
        if folder is None:
            ap.error("give REPORT_DIR or --demo")
        args.out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for name in args.html:
            src, pdf = folder / name, Path(tmp) / f"{Path(name).stem}_html.pdf"
            if src.exists() and html_to_pdf(src, pdf):
                written += pdf_to_pngs(pdf, args.out / f"{src.stem}_html", args.pages, args.max_kb)
            elif not src.exists():
                print("missing:", src, file=sys.stderr)
        for name in args.docx:
            src = folder / name
            if not src.exists():
                print("missing:", src, file=sys.stderr)
                continue
            pdf = docx_to_pdf(src, Path(tmp))
            if pdf is not None:
                written += pdf_to_pngs(pdf, args.out / f"{src.stem}_docx", args.pages, args.max_kb)
    for p in written:
        print(f"{p}  {p.stat().st_size // 1024} KB")
    return 0 if written else 1


if __name__ == "__main__":
    raise SystemExit(main())
