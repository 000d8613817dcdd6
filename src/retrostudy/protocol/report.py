"""Protocol block(s) for the analysis/report layer (fields to be written by that layer)."""

from retrostudy.protocol.base import OpenBlock


class ReportBlock(OpenBlock):
    pass
