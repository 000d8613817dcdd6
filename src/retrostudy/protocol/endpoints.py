"""Protocol block(s) for the endpoints layer (fields to be written by that layer)."""

from retrostudy.protocol.base import OpenBlock


class EndpointsBlock(OpenBlock):
    pass
