"""Shared page plumbing (templates, language, the study a request names) and the home page."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from retrostudy.app.i18n import DEFAULT, LANGUAGES, translate
from retrostudy.app.security import CSP, OutsideFolder, safe_path

ENV = Environment(loader=PackageLoader("retrostudy.app", "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True))
MAX_DEPTH = 3  # how deep the home page looks for study files and extract folders


class NotAStudy(Exception):
    pass


def language(request: Request) -> str:
    lang = request.cookies.get("lang", DEFAULT)
    return lang if lang in LANGUAGES else DEFAULT


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    lang = language(request)
    html = ENV.get_template(template).render(
        _=lambda key, **f: translate(lang, key, **f), lang=lang, request=request, **context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def refuse(request: Request, key: str, status: int = 400, **fields) -> HTMLResponse:
    return render(request, "message.html", status=status, message=translate(
        language(request), key, **fields))


def study_path(request: Request, name: str | None = None) -> Path:
    """The study file the request names (``?s=``), inside the folder; else NotAStudy or
    OutsideFolder."""
    name = name if name is not None else request.query_params.get("s", "")
    path = safe_path(request.app.state.root, name)
    if path.suffix != ".toml" or not path.is_file():
        raise NotAStudy(name)
    return path


def relative(request: Request, path: Path) -> str:
    return path.relative_to(request.app.state.root).as_posix()


def guarded(handler):
    """``handler(request, study)`` with the study resolved; a path outside the folder or
    not a study file is refused with a page saying so."""
    async def wrapper(request: Request):
        try:
            study = study_path(request)
        except OutsideFolder:
            return refuse(request, "error.outside", status=403)
        except NotAStudy:
            return refuse(request, "error.not_a_study", status=404)
        return await handler(request, study)
    return wrapper


def _walk(root: Path):
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if len(rel.parts) > MAX_DEPTH or any(p.startswith(".") for p in rel.parts):
            continue
        if not path.resolve().is_relative_to(root):  # a link out of the folder
            continue
        yield path, rel


def studies_and_extracts(root: Path) -> tuple[list[str], list[str]]:
    studies, extracts = [], []
    for path, rel in _walk(root):
        if path.is_file() and path.suffix == ".toml" and "[study]" in path.read_text(
                encoding="utf-8", errors="replace"):
            studies.append(rel.as_posix())
        elif path.is_dir() and not path.name.endswith("-report") and any(
                f.suffix.lower() in (".csv", ".xlsx", ".parquet", ".tsv") for f in path.iterdir()):
            extracts.append(rel.as_posix())
        elif path.is_file() and path.suffix.lower() == ".xlsx":  # a workbook of every table
            extracts.append(rel.as_posix())
    return studies, extracts


async def home(request: Request):
    studies, extracts = studies_and_extracts(request.app.state.root)
    return render(request, "home.html", root=str(request.app.state.root), studies=studies,
                  extracts=extracts)


async def set_language(request: Request):
    lang = request.query_params.get("to", DEFAULT)
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie("lang", lang if lang in LANGUAGES else DEFAULT, samesite="strict")
    return response
