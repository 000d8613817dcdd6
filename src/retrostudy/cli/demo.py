"""`retrostudy demo` (placeholder until its layer lands)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("demo", help="(not available yet)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    raise SystemExit("retrostudy demo: not available yet")
