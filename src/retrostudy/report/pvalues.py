"""Every printed p value names its test: a superscript mark on the p, the test in a footnote.

:class:`TestMarks` hands out one mark per test within a table (as Table 1 does), so a table
whose rows use different tests (Fisher's exact test here, chi-square there; a Wald p beside
a log-rank p) says which is which. :func:`tests_used` lists every test behind a p value of
the analyses, read from the same result objects (their ``"test"`` keys), for the Methods.
"""

from __future__ import annotations

import math

from retrostudy.report import fmt

TEST_NAMES = {
    "wilcoxon": "Wilcoxon rank-sum test",
    "kruskal": "Kruskal\u2013Wallis test",
    "chisq": "Pearson's chi-square test without continuity correction",
    "chisq_yates": "Pearson's chi-square test with Yates' continuity correction",
    "fisher": "Fisher's exact test",
    # every other test whose p value the report prints (results.json "test" keys)
    "logrank": "log-rank test",
    "wald": "Wald test of the Cox coefficient (model-based variance)",
    "robust_wald": "Wald test of the Cox coefficient (robust sandwich variance)",
    "profile_likelihood": "penalised likelihood-ratio test of the Cox coefficient (Firth, "
                          "profile likelihood)",
    "cox_zph": "score test of proportional hazards (R cox.zph, Kaplan\u2013Meier time scale)",
    "cox_lr": "likelihood-ratio test of the Cox model",
    "cox_wald": "Wald test of the Cox model",
    "cox_score": "score test of the Cox model",
    "cox_score_entry": "score test of the Cox model of the group with delayed entry (left-"
                       "truncated risk sets, Surv(entry, time, event); in place of the "
                       "log-rank test)",
    "robust_score": "robust score test (weighted log-rank)",
    "logistic_wald": "Wald test of the logistic-regression coefficient",
    "rmst_z": "z test of the RMST difference (ratio: on the log scale), survRM2",
    "rmst_wald": "Wald z test of the RMST difference (Greenwood-type variance, R's survfit "
                 "rmean)",
    "rmst_wald_robust": "Wald z test of the weighted RMST difference (robust "
                        "infinitesimal-jackknife variance, weights treated as known)",
    "rmst_wald_cluster": "Wald z test of the matched RMST difference (robust "
                         "infinitesimal-jackknife variance clustered on matched sets)",
    "gray": "Gray's test",
    "interaction_lr": "likelihood-ratio test of the group-by-variable interaction (Cox)",
    "interaction_wald": "Wald test of the group-by-variable interaction (Cox)",
    "interaction_robust_wald": "Wald test of the group-by-variable interaction (Cox, robust "
                               "variance)",
}



NOT_PRINTED = frozenset({"cox_lr", "cox_wald", "cox_score"})



MARKS = "abcdefgh"



def superscript(mark: str) -> str:
    return mark.translate(
        str.maketrans("abcdefgh", "\u1d43\u1d47\u1d9c\u1d48\u1d49\u1da0\u1d4d\u02b0")
    )


class TestMarks:
    """Marks of one table: ``p(value, test)`` -> ``"0.2566ᵃ"``; ``footnotes()`` -> ``["ᵃ ..."]``."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.marks: dict[str, str] = {}

    def p(self, value, test: str | None, digits: int, missing: str = "NE") -> str:
        if test is None or test == "none" or not fmt.isnum(value) or math.isnan(value):
            return fmt.p_value(value, digits, missing)
        mark = self.marks.setdefault(test, MARKS[len(self.marks)])
        return f"{fmt.p_value(value, digits)}{superscript(mark)}"

    def footnotes(self) -> list[str]:
        return [f"{superscript(m)} {_capital(TEST_NAMES[t])}." for t, m in self.marks.items()]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def tests_used(analyses_json, printed: bool = True) -> list[str]:
    """The names of every test whose p value is in the analyses' JSON (a ``"test"`` key
    next to a ``p_value``), in the order of :data:`TEST_NAMES`; ``printed``: only those a
    table or paragraph of the report prints (not the Cox models' global tests)."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if "p_value" in node and node.get("test") in TEST_NAMES:
                found.add(node["test"])
            if node.get("logrank_test") in TEST_NAMES:
                found.add(node["logrank_test"])
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    walk(analyses_json)
    if printed:
        found -= NOT_PRINTED
    return [TEST_NAMES[t] for t in TEST_NAMES if t in found]
