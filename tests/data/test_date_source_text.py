"""A text date column keeps its source text only on the rows a date problem shows (no date,
out of range, ambiguous day/month order): the typed table does not carry a second copy of
every date as text, and every problem still names the text as written."""

from retrostudy.data import check_records, checks
from retrostudy.protocol.data import DataBlock

# day-first only (13/04), month-first only (04/13): both orders are in use, so 03/04 is
# ambiguous and 12/12 is not; 31/31 reads as no date; 1850 is out of range
BIRTHS = ["13/04/1960", "04/13/1961", "03/04/1962", "12/12/1963", "31/31/1960",
          "14/05/1850", "15/06/1964", ""]


def test_only_problem_rows_keep_the_date_text(tmp_path, monkeypatch):
    rows = "".join(f"R{i},{b},female\n" for i, b in enumerate(BIRTHS))
    (tmp_path / "patients.csv").write_text("patient_id,birth_date,sex\n" + rows, "utf-8")
    kept = {}
    value_problems = checks.value_problems

    def spy(con, name, *args):
        if name == "patients":  # the typed table, every row still in it
            kept.update(con.execute('SELECT _row, birth_date__src FROM patients '
                                    'WHERE birth_date__src IS NOT NULL').fetchall())
        value_problems(con, name, *args)

    monkeypatch.setattr(checks, "value_problems", spy)
    result = check_records(DataBlock(path=str(tmp_path)), base_dir=tmp_path)
    rejects = result.store.backend.con.execute(
        'SELECT row, code, value, patient FROM rejects WHERE "column" = \'birth_date\' '
        "ORDER BY row").fetchall()
    assert rejects == [(4, "ambiguous_date", "03/04/1962", "R2"),
                       (6, "invalid_date", "31/31/1960", "R4"),
                       (7, "invalid_date", "14/05/1850", "R5"),
                       (9, "missing_value", None, "R7")]
    assert kept == {4: "03/04/1962", 6: "31/31/1960", 7: "14/05/1850"}
    counts = result.counts["patients"]
    assert (counts.read, counts.loaded, counts.rejected) == (8, 4, 4)
