"""The study protocol (TOML): what the study is, block by block."""

from retrostudy.protocol.load import load_protocol, parse_protocol, protocol_hash
from retrostudy.protocol.model import Protocol

__all__ = ["Protocol", "load_protocol", "parse_protocol", "protocol_hash"]
