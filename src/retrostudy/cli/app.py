"""``retrostudy app [FOLDER]``: the local web application (docs/app.md).

Binds 127.0.0.1 only, on a free port unless ``--port`` is given, and prints the address
with its one-time token; opens the browser unless ``--no-browser``. ``--demo`` first copies
the shipped example study into FOLDER (default ``demo-study``) unless an earlier copy is
there (:func:`retrostudy.cli.demo.copy_example`).
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from retrostudy.cli.demo import EXAMPLE, copy_example
from retrostudy.cli.output import log, say
from retrostudy.cli.usage import UsageError
from retrostudy.errors import Problem, RetroStudyError

DESCRIPTION = """\
Start the retrostudy app: a local web application to open or create a study, map and check
the extract, build the cohort with live counts, run the study and read the report, for the
studies in FOLDER (default: the current folder). It listens on 127.0.0.1 only and every
request needs the token printed with the address. Stop it with Ctrl+C.

With --demo, FOLDER (default: demo-study) first receives a copy of the example study
(T-DM1 after trastuzumab + pertuzumab, synthetic data) to edit; when FOLDER already holds
a study.toml (an earlier copy) it is opened as it is, edits kept, and a non-empty FOLDER
without one is refused.
"""

DEMO_FOLDER = "demo-study"  # where --demo copies the example study by default


def register(sub) -> None:
    p = sub.add_parser("app", help="start the local web application for a study folder",
                       description=DESCRIPTION,
                       epilog="examples:\n  retrostudy app my-study\n  retrostudy app --demo",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", nargs="?", default=None, metavar="FOLDER",
                   help="the study folder: nothing outside it is read or written "
                        f"(default: the current folder; with --demo, {DEMO_FOLDER})")
    p.add_argument("--demo", action="store_true",
                   help="copy the example study into FOLDER first (kept if already there)")
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
        raise RetroStudyError(Problem(
            message=f"the app needs an optional dependency: {exc.name}",
            hint="pip install 'retrostudy[app]'")) from None
    folder = Path(args.folder or (DEMO_FOLDER if args.demo else "."))
    if args.demo:
        if copy_example(EXAMPLE, folder):
            log.info(f"copied the example study {EXAMPLE} into {folder}")
        else:
            log.info(f"{folder} already holds a study: opened as it is")
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    app = create_app(folder)
    sock = bind(args.port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={app.state.token}"
    say(url)
    if not args.no_browser:
        import webbrowser  # deferred: 8 ms of start-up for every command (cli/__init__.py)

        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
    return 0
