"""Protocol block(s) for the synthetic demo / published-vs-reproduced (fields to be written by that layer)."""

from retrostudy.protocol.base import OpenBlock


class PublishedBlock(OpenBlock):
    pass


class ComparatorsBlock(OpenBlock):
    pass
