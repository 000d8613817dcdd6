"""Shared base for protocol blocks: frozen, strict (unknown keys are errors), JSON round-trip."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Block(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class OpenBlock(BaseModel):
    """Temporary base for blocks whose owner has not yet written the fields: keys pass through.

    Every block moves to :class:`Block` (strict) when its layer lands.
    """

    model_config = ConfigDict(frozen=True, extra="allow")
