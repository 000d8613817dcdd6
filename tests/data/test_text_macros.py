"""The SQL text normaliser ``_rs_ascii`` (full-width characters as ASCII) skips pure-ASCII
cells for speed; it must give exactly what the full translation gives on every text."""

import duckdb
import pytest

from retrostudy.data.dates import _ASCII, _FULL_WIDTH, text_macros

TEXTS = [
    None, "", " ", "2015-03-04", "２０１５／０３／０４", "ＥＣＯＧ １", "\u3000 1 \u3000",
    "令和3年4月1日", "Trastuzumab", "é", "ﬁ", "a\u3000b", "１", "ｶﾀｶﾅ", "😀 1", "ABC ＡＢＣ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_ascii_macro_equals_full_translation(text):
    con = duckdb.connect()
    text_macros(con)
    got = con.execute("SELECT _rs_ascii(?)", [text]).fetchone()[0]
    full = con.execute("SELECT translate(?, ?, ?)", [text, _FULL_WIDTH, _ASCII]).fetchone()[0]
    assert got == full
    if text is not None:
        assert got == text.translate(str.maketrans(_FULL_WIDTH, _ASCII))
