"""Protocol block(s) for the cohort layer (fields to be written by that layer)."""

from retrostudy.protocol.base import OpenBlock


class IndexBlock(OpenBlock):
    pass


class CriteriaBlock(OpenBlock):
    pass


class GroupsBlock(OpenBlock):
    pass


class CovariatesBlock(OpenBlock):
    pass


class LinesBlock(OpenBlock):
    pass
