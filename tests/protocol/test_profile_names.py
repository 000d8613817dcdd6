"""The convention profiles in ``retrostudy.stats`` are exactly the ones a study can select.

A profile the protocol and ``retrostudy run --profile`` cannot name is dead code; a name they
accept without a profile would fail at run time.
"""

import typing

from retrostudy.cli import build_parser
from retrostudy.protocol.analyses import AnalysesBlock
from retrostudy.stats.profiles import PROFILES


def test_protocol_profile_names_are_the_stats_profiles():
    accepted = typing.get_args(AnalysesBlock.model_fields["profile"].annotation)
    assert set(accepted) == set(PROFILES)


def test_cli_profile_choices_are_the_stats_profiles():
    sub = build_parser()._subparsers._group_actions[0].choices["run"]
    (action,) = [a for a in sub._actions if a.dest == "profile"]
    assert set(action.choices) == set(PROFILES)
