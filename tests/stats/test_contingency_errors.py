"""Bad tables get a ValueError that names the argument and the problem (tier 5)."""

import re

import pytest

from retrostudy.stats import chisq_test, fisher_test

CASES = [
    ([[1, 2], [3, -1]], "table has a negative count -1 at row 2, column 2"),
    ([[1, 2.5], [3, 4]], "table must hold whole counts, but has 2.5 at row 1, column 2"),
    ([[1, float("nan")], [3, 4]], "table has a missing or infinite count nan at row 1, column 2"),
    ([[1, 2, 3]], "table must have at least 2 rows and 2 columns, got shape (1, 3)"),
    ([[1], [2]], "table must have at least 2 rows and 2 columns, got shape (2, 1)"),
    ([], "table must be two-dimensional (rows x columns), got shape (0,)"),
    ([[], []], "table is empty, got shape (2, 0)"),
    ([1, 2, 3], "table must be two-dimensional (rows x columns), got shape (3,)"),
    ([["a", "b"], ["c", "d"]], "table must contain numeric counts, got values of type <U1"),
]


@pytest.mark.parametrize(("table", "message"), CASES)
@pytest.mark.parametrize("test", [chisq_test, fisher_test])
def test_bad_table(test, table, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        test(table)


def test_chisq_zero_margin_asks_to_drop_the_level():
    message = (
        "table column 3 has a zero total, so the chi-square test is undefined; "
        "drop the empty level before testing"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        chisq_test([[1, 2, 0], [3, 4, 0]])


def test_fisher_bad_options():
    with pytest.raises(ValueError, match=re.escape("alternative must be one of")):
        fisher_test([[1, 2], [3, 4]], alternative="two-sided")
    with pytest.raises(ValueError, match="^conf_level must be between 0 and 1, got 95$"):
        fisher_test([[1, 2], [3, 4]], conf_level=95)
    message = "alternative='less' needs a 2x2 table; a 2x3 table is tested two-sided only"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fisher_test([[1, 2, 3], [3, 4, 5]], alternative="less")


def test_fisher_table_too_large_for_exact_test():
    big = [[40, 35, 30, 25, 20], [20, 25, 30, 35, 40], [30, 40, 20, 35, 25], [25, 20, 40, 30, 35]]
    with pytest.raises(ValueError, match="table is too large for the exact Fisher test"):
        fisher_test(big)
