"""The repository is self-contained for its users: no file points at developer-only notes
outside it, and every relative link of README.md and docs/ leads to a file in the repository."""

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Assembled so that this file does not match itself.
FORBIDDEN = tuple(x + y for x, y in (("DOMAIN", ".md"), ("PARITY", ".md"), ("STYLE", ".md"),
                                     ("shared", "/")))
# Inline markdown links and images: [text](target) / ![alt](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.decode().split("\0") if p]


def _text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:  # listed but absent (e.g. deleted in the work tree)
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def test_no_file_points_outside_the_repository():
    hits = []
    for path in _tracked():
        text = _text(path)
        if text is None:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            hits += [f"{path.relative_to(ROOT)}:{n}: {w}" for w in FORBIDDEN if w in line]
    assert not hits, "references to files users never see:\n" + "\n".join(hits)


def _docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]


def _relative_links(path: Path):
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # a URL (http:, mailto:) or an anchor in the same page
        yield unquote(target.split("#", 1)[0])


def test_relative_links_resolve():
    broken = []
    for doc in _docs():
        for target in _relative_links(doc):
            resolved = (doc.parent / target).resolve()
            if not resolved.exists() or ROOT not in (resolved, *resolved.parents):
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, "broken relative links:\n" + "\n".join(broken)


def _slugs(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    heads = re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


def test_anchors_into_markdown_files_exist():
    broken = []
    for doc in _docs():
        text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
        for target in LINK.findall(text):
            page, _, anchor = target.partition("#")
            if not anchor or re.match(r"^[a-z][a-z0-9+.-]*:", page, re.I):
                continue
            md = (doc.parent / unquote(page)).resolve() if page else doc
            if md.suffix == ".md" and md.exists() and anchor not in _slugs(md):
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, "links to headings that do not exist:\n" + "\n".join(broken)


def test_link_pattern_finds_links(tmp_path):
    """The checker itself sees inline links and images (and skips URLs and anchors)."""
    doc = tmp_path / "x.md"
    doc.write_text('[a](docs/a.md#s) ![b](img/b.png "t") [c](https://x.org) [d](#top)\n'
                   "```\n[e](in-code.md)\n```\n", encoding="utf-8")
    assert list(_relative_links(doc)) == ["docs/a.md", "img/b.png"]
