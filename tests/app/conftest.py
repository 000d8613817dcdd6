"""Fixtures of the app tests: a study folder in a temporary directory and a client that
talks to the app as the local browser would (loopback address, token cookie set). The
app's libraries come with the ``test`` extra (it includes ``retrostudy[app]``)."""

from __future__ import annotations

import pytest
from app_helpers import copy_example


@pytest.fixture
def nsclc(tmp_path):
    """The second example (not the T-DM1 one): three groups, an inclusion criterion."""
    return copy_example("pd1_after_platinum_nsclc", tmp_path / "nsclc")


@pytest.fixture
def tdm1(tmp_path):
    return copy_example("tdm1_after_pertuzumab", tmp_path / "tdm1")
