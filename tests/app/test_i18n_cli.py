"""Message catalogues (every label from them, English and Japanese complete) and the
``retrostudy app`` command (a real server on 127.0.0.1 with its token)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from importlib.resources import files
from pathlib import Path

import pytest

from retrostudy.app.i18n import LANGUAGES, catalogue, translate

TEMPLATES = Path(str(files("retrostudy.app").joinpath("templates")))
SRC = Path(__file__).resolve().parents[2] / "src"


def _template_texts():
    for path in sorted(TEMPLATES.glob("*.html")):
        yield path, path.read_text(encoding="utf-8")


def test_catalogues_have_the_same_keys_and_fields():
    english = catalogue("en")
    for lang in LANGUAGES:
        other = catalogue(lang)
        assert set(other) == set(english), lang
        for key, text in other.items():
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}",
                                                                        english[key])), key


def test_every_key_used_in_a_template_exists():
    from retrostudy.app import picker
    from retrostudy.app.cohort_views import ACTIONS, OCCURRENCES
    from retrostudy.app.design import NEW_KINDS
    from retrostudy.app.endpoint_views import PROFILES
    from retrostudy.app.timeline import RECORDS

    used = set()
    for _, text in _template_texts():
        used |= {k for k in re.findall(r"_\('([\w.]+)'", text) if not k.endswith(".")}
    # keys made in the template from a value: every value the app passes
    used |= {f"cohort.occurrence.{o}" for o in OCCURRENCES}
    used |= {f"cohort.action.{a}" for a in ACTIONS}
    used |= {f"patient.{r}" for r in (*RECORDS, "lines")}
    used |= {f"endpoints.profile.{p}" for p in PROFILES}
    used |= {f"endpoints.kind.{k}" for k in NEW_KINDS}
    used |= {f"picker.kind.{k}" for k in (*picker.KINDS, picker.ADVANCED)}
    used |= {f"picker.{i.part}" for k in picker.KINDS for i in picker.inputs(k, "c0")}
    assert used - set(catalogue("en")) == set()


def test_no_interface_text_in_templates():
    """Outside Jinja expressions and tags, a template holds no words: every label comes
    from a catalogue (language names in their own script excepted)."""
    for path, text in _template_texts():
        stripped = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", text, flags=re.S)
        stripped = re.sub(r"<[^>]*>", " ", stripped)
        stripped = re.sub(r"&\w+;|English|日本語", " ", stripped)
        words = re.findall(r"[A-Za-z]{2,}|[\u3040-\u30ff\u4e00-\u9fff]+", stripped)
        assert words == [], f"{path.name}: {words}"


def test_translate_fills_fields_and_falls_back():
    assert translate("ja", "cohort.in_two_groups", n=3) == "2つの群に属する患者: 3"
    assert translate("xx", "cohort.in_two_groups", n=3) == "Patients in two groups: 3"
    with pytest.raises(KeyError):
        translate("en", "no.such.key")


def test_htmx_is_vendored_with_its_license():
    static = files("retrostudy.app").joinpath("static")
    assert static.joinpath("htmx.min.js").read_text("utf-8").startswith("var htmx=")
    assert "Zero-Clause BSD" in static.joinpath("htmx.LICENSE.txt").read_text("utf-8")
    assert "2.0.11" in static.joinpath("VENDORED.txt").read_text("utf-8")


def test_cli_help_lists_app():
    from retrostudy.cli import build_parser

    parser = build_parser()
    assert "app" in parser.format_help()


def test_app_command_serves_on_loopback_with_a_token(tmp_path):
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "retrostudy", "app", str(tmp_path),
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base, timeout=20)
        assert refused.value.code == 403
        refused.value.close()  # the error holds the response's socket: closed, not left to GC
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(line, timeout=20) as page:  # redirected with the cookie set
            assert page.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()


def test_app_command_refuses_a_missing_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "retrostudy", "app", str(tmp_path / "nope"),
                           "--no-browser"], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and "not a folder" in done.stderr


def test_catalogue_files_are_valid_json():
    for lang in LANGUAGES:
        json.loads(files("retrostudy.app").joinpath("messages", f"{lang}.json").read_text("utf-8"))


def _serve_demo(cwd: Path) -> str:
    """``retrostudy app --demo --no-browser`` started in ``cwd``; the study list of the
    page it serves, once it prints its address (the server is then stopped)."""
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "retrostudy", "app", "--demo",
                             "--no-browser"], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:"), proc.stderr.read() if not line else line
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(line, timeout=20) as page:
            return page.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()


def test_app_demo_copies_the_example_once_and_reopens_it(tmp_path):
    """The README's command: run twice from the same folder, the second run opens the
    first copy with its edit (no nested copy, no error)."""
    page = _serve_demo(tmp_path)
    study = tmp_path / "demo-study" / "study.toml"
    assert "study.toml" in page and study.is_file() and (study.parent / "data").is_dir()
    edited = study.read_text(encoding="utf-8").replace(
        'title = "', 'title = "Edited: ', 1)
    study.write_text(edited, encoding="utf-8")
    _serve_demo(tmp_path)
    assert study.read_text(encoding="utf-8") == edited
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-study"]
    assert not (study.parent / "demo-study").exists()
