"""The ``[study]`` block: what the study is, in the investigators' words."""

from __future__ import annotations

from pydantic import Field

from retrostudy.protocol.base import Block


class StudyBlock(Block):
    """Title and free text shown in the report; ``synthetic`` marks demonstration data."""

    title: str = Field(min_length=1)
    short_title: str | None = None
    design: str | None = None
    investigators: str | None = None
    institution: str | None = None
    description: str | None = None
    synthetic: bool = False
