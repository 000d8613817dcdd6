"""Protocol block(s) for the cohort/protocol owner (fields to be written by that layer)."""

from retrostudy.protocol.base import OpenBlock


class StudyBlock(OpenBlock):
    pass
