"""``retrostudy app [FOLDER]``: the local web application (docs/app.md).

Binds 127.0.0.1 only, on a free port unless ``--port`` is given, and prints the address
with its one-time token; opens the browser unless ``--no-browser``.
"""

from __future__ import annotations

import socket
from pathlib import Path

DESCRIPTION = """\
Start the retrostudy app: a local web application to open or create a study, map and check
the extract, build the cohort with live counts, run the study and read the report, for the
studies in FOLDER (default: the current folder). It listens on 127.0.0.1 only and every
request needs the token printed with the address. Stop it with Ctrl+C.
"""


def register(sub) -> None:
    p = sub.add_parser("app", help="start the local web application for a study folder",
                       description=DESCRIPTION)
    p.add_argument("folder", nargs="?", default=".", metavar="FOLDER",
                   help="the study folder: nothing outside it is read or written")
    p.add_argument("--port", type=int, default=0,
                   help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=_run)


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)  # connections wait in the backlog until the server accepts them
    return sock


def _run(args) -> int:
    try:
        import uvicorn

        from retrostudy.app import create_app
    except ImportError as exc:
        from retrostudy.errors import Problem, RetroStudyError

        raise RetroStudyError(Problem(
            message=f"the app needs an optional dependency: {exc.name}",
            hint="pip install 'retrostudy[app]'")) from None
    from retrostudy.cli.output import say

    folder = Path(args.folder)
    if not folder.is_dir():
        from retrostudy.cli import UsageError

        raise UsageError(f"not a folder: {folder}")
    app = create_app(folder)
    sock = bind(args.port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={app.state.token}"
    say(url)
    if not args.no_browser:
        import webbrowser

        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
    return 0
