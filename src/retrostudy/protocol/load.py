"""Read a protocol TOML file into a :class:`~retrostudy.protocol.model.Protocol`."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from pydantic import ValidationError

from retrostudy.errors import Problem, ProtocolError
from retrostudy.protocol.model import Protocol


def load_protocol(path: str | Path) -> Protocol:
    """Parse and validate ``path``; every problem is reported at once with its key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProtocolError(Problem(message="protocol file not found", file=str(path))) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(
            Problem(message=f"not valid TOML: {exc}", file=str(path), hint="check quotes and brackets")
        ) from None
    return parse_protocol(raw, base_dir=path.parent.resolve(), source=str(path))


def parse_protocol(raw: dict, *, base_dir: Path = Path("."), source: str = "protocol") -> Protocol:
    try:
        return Protocol.model_validate({**raw, "base_dir": base_dir})
    except ValidationError as exc:
        problems = [
            Problem(
                message=err["msg"],
                file=source,
                column=".".join(str(p) for p in err["loc"]),
                value=None if err.get("input") is None else repr(err["input"])[:80],
                code=err["type"],
            )
            for err in exc.errors()
        ]
        raise ProtocolError(problems) from None


def protocol_hash(path: str | Path) -> str:
    """SHA-256 of the protocol file's bytes (for provenance)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
