"""``retrostudy schema``: the JSON Schema of study.toml, for completion in an editor.

Prints the schema of the protocol model (the same pydantic model ``retrostudy run``
validates with), so an editor that reads JSON Schema for TOML (e.g. Taplo / Even Better
TOML, with a ``#:schema ./study.schema.json`` comment on the first line of study.toml)
completes keys and flags unknown ones.

``--results`` prints the JSON Schema of results.json instead (the models of
:mod:`retrostudy.report.results_model`), and ``--results --markdown`` its documentation,
docs/results-schema.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of study.toml (for editor completion)",
        description="Print the JSON Schema of the protocol file, for editors that complete "
        "TOML from a schema.",
    )
    p.add_argument("--results", action="store_true",
                   help="the schema of results.json instead of study.toml")
    p.add_argument("--markdown", action="store_true",
                   help="with --results: its documentation as Markdown "
                   "(docs/results-schema.md) instead of JSON Schema")
    p.add_argument("--out", help="write the schema to this file instead of printing it")
    p.set_defaults(func=_run)


def protocol_schema() -> dict[str, Any]:
    """The JSON Schema of a protocol file (``Protocol.model_json_schema()``), without the
    internal ``base_dir`` (set from the file's folder, never written)."""
    from retrostudy.protocol.model import Protocol

    schema = Protocol.model_json_schema(mode="validation")
    schema["properties"].pop("base_dir", None)
    schema["title"] = "retrostudy protocol (study.toml)"
    return schema


def _text(args: argparse.Namespace) -> str:
    if not args.results:
        return _json(protocol_schema())
    from retrostudy.report.results_model import results_json_schema
    from retrostudy.report.results_model.markdown import results_markdown

    return results_markdown() if args.markdown else _json(results_json_schema())


def _json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _run(args: argparse.Namespace) -> int:
    if args.markdown and not args.results:
        sys.stderr.write("retrostudy schema: --markdown documents results.json; add "
                         "--results\n")
        return 2
    text = _text(args)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
