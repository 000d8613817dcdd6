"""The app's guards: local connections only, a token on every request, no path outside
the study folder.

The token works as Jupyter's does: the URL the command prints carries it once
(``?token=...``); the first request with it sets an HttpOnly, SameSite=Strict cookie and
is redirected to the same URL without the token, so it leaves the address bar. Every later
request must carry the cookie. The Host header must name the loopback interface, which
stops a page on another site from reaching the server through a DNS name that points at
127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

COOKIE = "retrostudy_token"
LOCAL_CLIENTS = frozenset({"127.0.0.1", "::1"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Where the app's own pages may load anything from: the package's static files only; the
# flow chart is an inline data: image.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")


class OutsideFolder(ValueError):
    """A path that resolves outside the study folder."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def safe_path(root: Path, relative: str) -> Path:
    """``relative`` inside ``root``, resolved (symbolic links followed); refused when the
    result is not inside ``root`` (``..``, an absolute path, a link that points out)."""
    if not relative or "\x00" in relative:
        raise OutsideFolder(relative)
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise OutsideFolder(relative)
    return path


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class Guard:
    """ASGI middleware: refuses non-local clients, foreign Host headers and requests
    without the token."""

    def __init__(self, app, token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        response = self._check(request)
        if response is not None:
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def _check(self, request: Request):
        client = request.client.host if request.client else ""
        if client not in LOCAL_CLIENTS:
            return PlainTextResponse("refused: only this computer may connect", 403)
        if _host_name(request.headers.get("host", "")) not in LOCAL_HOSTS:
            return PlainTextResponse("refused: the address must be 127.0.0.1", 403)
        given = request.query_params.get("token")
        if given is not None and secrets.compare_digest(given, self.token):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = URL(path=request.url.path, query=urlencode(rest))
            response = RedirectResponse(str(url), status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict",
                                path="/")
            return response
        cookie = request.cookies.get(COOKIE, "")
        if not secrets.compare_digest(cookie, self.token):
            return PlainTextResponse(
                "refused: open the address with its token, as printed by 'retrostudy app'",
                403)
        return None
