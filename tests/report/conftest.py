"""Fixtures: the whole study run once on the hand-built 42-patient analysis table."""

from pathlib import Path

import pytest

STUDY = Path(__file__).parents[1] / "analysis" / "data" / "study.toml"


@pytest.fixture(scope="session")
def study_path():
    return STUDY


@pytest.fixture(scope="session")
def analyses():
    import pandas as pd

    from retrostudy.analysis import run_analyses
    from retrostudy.protocol import load_protocol

    return run_analyses(load_protocol(STUDY), pd.read_csv(STUDY.with_name("seed_like.csv")))


@pytest.fixture(scope="session")
def _out(tmp_path_factory):
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="session")
def study(_out):
    from retrostudy.pipeline import run_study

    return run_study(STUDY, out=_out)


@pytest.fixture(scope="session")
def report_dir(study, _out):
    """The folder the study's report was written to (the run happens first)."""
    return _out
