"""Read a protocol TOML file into a :class:`~retrostudy.protocol.model.Protocol`.

Validation errors become :class:`~retrostudy.errors.Problem` s, all at once, each naming the
key path (``criteria.1.when.drug.window``) and saying what is allowed.
"""

from __future__ import annotations

import hashlib
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from retrostudy.errors import Problem, ProtocolError
from retrostudy.protocol.model import Protocol
from retrostudy.protocol.timing import check_post_index


def read_text(path: str | Path) -> str:
    """The protocol file's text (UTF-8; a byte-order mark is skipped), or a
    :class:`ProtocolError` saying why it cannot be read: not found, a folder, not UTF-8 (with
    the line of the first bad byte), unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProtocolError(Problem(message="protocol file not found", file=str(path),
                                    code="file_not_found")) from None
    except IsADirectoryError:
        inside = path / "study.toml"
        hint = (f"did you mean {inside}?" if inside.is_file()
                else "give the protocol file (study.toml), not its folder")
        raise ProtocolError(Problem(message="this is a folder, not a protocol file",
                                    file=str(path), hint=hint, code="not_a_file")) from None
    except OSError as exc:
        raise ProtocolError(Problem(message=f"cannot read the protocol: {exc.strerror or exc}",
                                    file=str(path), code="unreadable_file")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProtocolError(Problem(
            message=f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line} cannot be "
                    "decoded", file=str(path), row=line, code="wrong_encoding",
            hint="save the protocol as UTF-8 (most editors: 'Save with encoding')")) from None


def load_protocol(path: str | Path) -> Protocol:
    """Parse and validate ``path``; every problem is reported at once with its key."""
    path = Path(path)
    try:
        raw = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(
            Problem(
                message=f"not valid TOML: {exc}", file=str(path), hint="check quotes and brackets"
            )
        ) from None
    return parse_protocol(raw, base_dir=path.parent.resolve(), source=str(path))


def parse_protocol(raw: dict, *, base_dir: Path = Path("."), source: str = "protocol") -> Protocol:
    """Validate an already-parsed protocol mapping (e.g. from TOML or JSON)."""
    try:
        protocol = Protocol.model_validate({**raw, "base_dir": base_dir})
    except ValidationError as exc:
        raise ProtocolError([_problem(err, source) for err in exc.errors()]) from None
    check_post_index(protocol, source)  # immortal time: no windows past index unless allowed
    return protocol


def protocol_hash(path: str | Path) -> str:
    """SHA-256 of the protocol file's bytes (for provenance)."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _problem(err: dict, source: str) -> Problem:
    loc = tuple(err["loc"])
    message, hint = _explain(err, loc)
    value = err.get("input")
    show_value = value is not None and err["type"] not in ("missing", "missing_block")
    return Problem(
        message=message,
        file=source,
        key=_path(loc) or None,
        value=str(value)[:80] if show_value and not isinstance(value, dict) else None,
        hint=hint,
        code=err["type"],
    )


def _path(loc: tuple) -> str:
    """Dotted key path; a union tag repeated by its field (``all.all``) is shown once."""
    parts = [p for i, p in enumerate(loc) if i == 0 or p != loc[i - 1]]
    return ".".join(str(p) for p in parts)


def _explain(err: dict, loc: tuple) -> tuple[str, str | None]:
    kind = err["type"]
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f"allowed keys here: {', '.join(allowed)}" if allowed else None
        return f"unknown key {key!r}", hint
    if kind == "missing":
        if len(loc) == 1:
            return f"missing required block [{key}]", None
        return f"missing required key {key!r}", None
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return "expected a calendar date written YYYY-MM-DD (e.g. 2014-04-01)", None
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{key!r} must be one of {expected}", None
    return err["msg"], None


def _allowed_keys(loc: tuple) -> list[str]:
    """The keys a strict block at ``loc`` accepts (walking the model's annotations)."""
    target: Any = Protocol
    for part in loc:
        target = _step(target, part)
        if target is None:
            return []
    model = _model_of(target)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items() if not f.exclude]


def _step(target: Any, part: Any) -> Any:
    model = _model_of(target)
    if model is not None:
        for name, field in model.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return _extra_type(model)  # a named entry of an open block ([endpoints.<name>])
    target = _strip(target)
    args = typing.get_args(target)
    if isinstance(part, int) and typing.get_origin(target) in (list, tuple):
        return args[0] if args else None
    for arg in args:  # tagged unions: the location carries the tag
        tags = [m for m in getattr(arg, "__metadata__", ()) if hasattr(m, "tag")]
        if any(t.tag == part for t in tags) or _has_literal(arg, part):
            return arg
        if typing.get_origin(_strip(arg)) in (typing.Union, types.UnionType):
            found = _step(arg, part)  # an optional tagged union, e.g. ``Condition | None``
            if found is not None:
                return found
    return None


def _extra_type(model: type[BaseModel]) -> Any:
    """The declared type of a block's extra entries (``__pydantic_extra__: dict[str, T]``)."""
    try:
        hints = typing.get_type_hints(model, include_extras=True)
    except Exception:  # an unresolvable annotation: no hint rather than a crash
        return None
    args = typing.get_args(hints.get("__pydantic_extra__"))
    return args[1] if len(args) == 2 else None


def _has_literal(arg: Any, part: Any) -> bool:
    """``arg`` is a block whose discriminator field (a Literal) allows ``part``."""
    model = _model_of(arg)
    if model is None:
        return False
    return any(typing.get_origin(f.annotation) is typing.Literal
               and part in typing.get_args(f.annotation) for f in model.model_fields.values())


def _strip(target: Any) -> Any:
    while typing.get_origin(target) is typing.Annotated:
        target = typing.get_args(target)[0]
    return target


def _model_of(target: Any) -> type[BaseModel] | None:
    target = _strip(target)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return target
    if typing.get_origin(target) in (typing.Union, types.UnionType):
        models = [m for m in map(_model_of, typing.get_args(target)) if m is not None]
        return models[0] if len(models) == 1 else None
    return None
