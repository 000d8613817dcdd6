"""The ``retrostudy`` command.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module
adds its parser and sets ``func`` (called with the parsed arguments, returning an exit
code). User errors (:class:`retrostudy.errors.RetroStudyError`) are printed readably and
exit with their code; they never show a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from retrostudy import __version__
from retrostudy.errors import RetroStudyError

# Subcommand modules, in the order --help lists them.
_COMMANDS = ("demo", "run", "validate", "synth", "schema")


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
    from importlib import import_module

    for name in _COMMANDS:
        import_module(f"retrostudy.cli.{name}").register(sub)
    return parser


def print_problems(error: RetroStudyError) -> None:
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    n = len(error.problems)
    console.print(f"[bold red]error[/]: {n} problem{'s' if n != 1 else ''} found", markup=True)
    for problem in error.problems:
        console.print(f"  - {problem}", markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except RetroStudyError as error:
        print_problems(error)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
