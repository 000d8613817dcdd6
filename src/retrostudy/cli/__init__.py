"""The ``retrostudy`` command.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module
adds its parser and sets ``func`` (called with the parsed arguments, returning an exit
code). Conventions (docs/cli.md): the command's output on stdout, diagnostics on stderr
through :mod:`logging` (:mod:`retrostudy.cli.output`), every message on one line.

Exit codes: 0 done; 1 an unexpected failure; 2 a usage error (argparse's convention) or
a problem with the protocol or the data (:class:`retrostudy.errors.RetroStudyError`, each
problem listed, never a traceback); 130 interrupted; 141 stdout closed early (``| head``).

Start-up: ``retrostudy --help`` imports every subcommand module, so those import only the
standard library and small parts of the CLI at their top. A command's heavy imports wait
inside its function (tests/test_layering.py lists each): the pipeline (cli/run.py), the
report (cli/run.py, cli/schema.py), the protocol models and pydantic (cli/validate.py,
cli/schema.py), the data layer with DuckDB and Ibis (cli/validate.py, cli/init.py), the
synthetic-data generator (cli/synth.py), the app with Starlette and uvicorn (cli/app.py,
an optional extra), and two standard modules only one command uses, webbrowser (8 ms,
cli/app.py) and tomllib (7 ms, cli/validate.py). Measured on a shared 2-core machine at load
7 (``python -X importtime``, best of 15; wall time best of 20): ``--help`` imports 30 ms of
modules after start-up and runs in 130-145 ms wall, the same as before the CLI's small imports
moved to the top; importing the pipeline alone took 3-7 s, the data layer 3.5 s, pydantic
0.1 s on that machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from retrostudy import __version__
from retrostudy.cli.output import finish_progress, log, setup_logging
from retrostudy.cli.usage import UsageError
from retrostudy.errors import RetroStudyError

# Subcommand modules, in the order --help lists them.
_COMMANDS = ("demo", "run", "validate", "init", "app", "synth", "schema")
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool cut off by `head`


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retrostudy",
        description=(
            "Run a retrospective cohort study from hospital records and one protocol file: "
            "cohort with attrition, endpoints, statistics identical to R's survival "
            "package, and a report (HTML, Word, JSON)."
        ),
        epilog="Start with 'retrostudy demo' to see a complete study on synthetic data.",
    )
    parser.add_argument("--version", action="version", version=f"retrostudy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        import_module(f"retrostudy.cli.{name}").register(sub)
    for p in sub.choices.values():
        add_verbosity(p)
        p.set_defaults(_parser=p)
    return parser


def add_verbosity(p: argparse.ArgumentParser) -> None:
    """``-q`` / ``-v`` on every subcommand (levels of the ``retrostudy`` logger)."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_const", const=-1, dest="verbosity",
                       default=0, help="print nothing but errors (and what --json asks for)")
    group.add_argument("-v", "--verbose", action="store_const", const=1, dest="verbosity",
                       help="also print per-item progress and details")


def print_problems(error: RetroStudyError) -> None:
    n = len(error.problems)
    if n > 1:
        log.error(f"{n} problems found")
    for problem in error.problems:  # one line each, "error: " first: grep finds every one
        log.error(str(problem))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (help and usage errors included)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    setup_logging(args.verbosity)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        try:
            args._parser.error(str(exc))
        except SystemExit as done:
            return int(done.code)
    except RetroStudyError as error:
        finish_progress()
        print_problems(error)
        return error.exit_code
    except KeyboardInterrupt:
        finish_progress()
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    return 0  # pragma: no cover


def _quiet_stdout() -> None:
    """The reader of stdout went away (``| head``): point stdout at /dev/null so Python's
    final flush does not print a BrokenPipeError, and exit quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a captured stdout has no descriptor
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
