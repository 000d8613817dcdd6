"""Whole-suite settings.

Parallel runs (``pytest -n auto --dist loadgroup``, README's test command): every test is
put in an ``xdist_group`` so that a module's tests stay on one worker (its module-scoped
fixtures, e.g. a study run, happen once), and all Spark tests share one worker (one Spark
session for the run instead of one per worker). Without pytest-xdist the marks do nothing.
"""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        group = "spark" if item.get_closest_marker("spark") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
