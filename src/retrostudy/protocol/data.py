"""Protocol block(s) for the data layer (fields to be written by that layer)."""

from retrostudy.protocol.base import OpenBlock


class DataBlock(OpenBlock):
    pass
