"""Fixtures: the whole study run once on the hand-built 42-patient analysis table."""

from pathlib import Path

import pytest

STUDY = Path(__file__).parents[1] / "analysis" / "data" / "study.toml"


@pytest.fixture(scope="session")
def study_path():
    return STUDY


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="session")
def study(report_dir):
    from retrostudy.pipeline import run_study

    return run_study(STUDY, out=report_dir)
