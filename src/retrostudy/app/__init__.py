"""``retrostudy app``: a local web application over the protocol model and the pipeline.

Server-rendered pages (Starlette, Jinja2 with autoescaping) and htmx for the live parts
(the cohort counts, the run's progress); htmx is vendored in ``static/``, so the app needs
no network. The app holds no rule of its own: it edits study.toml through the protocol
model, reads records through the loader, counts the cohort with the cohort builder and
runs the study with :func:`retrostudy.pipeline.run_study`. docs/app.md describes it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from retrostudy.app import cohort_views, data_views, endpoint_views, run_views, timeline
from retrostudy.app.jobs import Jobs
from retrostudy.app.records import RecordCache
from retrostudy.app.security import Guard, new_token
from retrostudy.app.views import home, set_language

UPLOAD_LIMIT = 200 * 1024 * 1024  # bytes per request


def create_app(folder: str | Path, *, token: str | None = None,
               upload_limit: int = UPLOAD_LIMIT) -> Starlette:
    """The app serving the studies in ``folder`` (no path outside it is read or written).

    ``token`` (default: a new random one) is required on every request; the app's
    ``state.token`` holds it."""
    root = Path(folder).resolve()
    token = token or new_token()
    routes = [
        Route("/", home),
        Route("/lang", set_language),
        Route("/favicon.ico", _no_icon),
        *data_views.ROUTES,
        *cohort_views.ROUTES,
        *endpoint_views.ROUTES,
        *run_views.ROUTES,
        *timeline.ROUTES,
        Mount("/static", StaticFiles(packages=[("retrostudy.app", "static")]), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.root = root
    app.state.token = token
    app.state.records = RecordCache()
    app.state.jobs = Jobs()
    app.state.upload_limit = upload_limit
    app.add_middleware(Guard, token=token)
    return app


async def _no_icon(request) -> Response:
    return Response(status_code=204)


__all__ = ["create_app"]
