"""``[data] memory_limit``: validated by the protocol, set on the DuckDB connection that
loads the records (in memory, a database file or the one handed in by the pipeline), and
the loaded tables are the same with a limit small enough to make DuckDB spill."""

import duckdb
import pandas as pd
import pytest

from retrostudy.data import check_records, duckdb_backend, load_records
from retrostudy.errors import DataError, ProtocolError
from retrostudy.protocol import parse_protocol
from retrostudy.protocol.data import DataBlock

PATIENTS = "patient_id,birth_date,sex\n" + "".join(
    f"P{i:05d},19{50 + i % 40}-0{1 + i % 9}-1{i % 10},{'female' if i % 3 else 'male'}\n"
    for i in range(3000))
NAMES = ["Herceptin", "Kadcyla", "pertuzumab"]
DRUGS = "patient_id,drug,date\n" + "".join(
    f"P{i % 3000:05d},{NAMES[i % 3]},2015-0{1 + i % 9}-0{1 + i % 9}\n" for i in range(20000))


def _folder(tmp_path):
    (tmp_path / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    (tmp_path / "drug_administrations.csv").write_text(DRUGS, encoding="utf-8")
    return tmp_path


def _setting(result) -> str:
    return result.store.backend.con.execute(
        "SELECT current_setting('memory_limit')").fetchall()[0][0]


def _tables(result) -> dict[str, pd.DataFrame]:
    con = result.store.backend.con
    return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
            for name in ("patients", "drug_administrations", "rejects")}


def test_limit_reaches_duckdb_in_memory(tmp_path):
    result = load_records(DataBlock(path=str(_folder(tmp_path)), memory_limit="64MB"))
    assert _setting(result) == "61.0 MiB"  # DuckDB shows 64e6 bytes in MiB
    count = result.counts["drug_administrations"]
    assert count.read == 20000 == count.loaded + count.rejected


def test_limit_reaches_a_backend_handed_in(tmp_path):
    """The pipeline connects the engine first (``[data] engine``) and passes it in."""
    backend = duckdb_backend()
    result = check_records(DataBlock(path=str(_folder(tmp_path)), memory_limit="1.5 GiB"),
                           backend=backend)
    assert result.store.backend is backend
    assert _setting(result) == "1.5 GiB"


def test_limit_reaches_a_database_file(tmp_path):
    block = DataBlock(path=str(_folder(tmp_path)), database="store.duckdb", memory_limit="100MB")
    result = load_records(block, base_dir=tmp_path)
    assert _setting(result) == "95.3 MiB"
    result.store.backend.disconnect()
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM drug_administrations").fetchall() == [
            (result.counts["drug_administrations"].loaded,)]


def test_temp_directory_is_relative_to_the_protocol(tmp_path):
    block = DataBlock(path=str(_folder(tmp_path)), memory_limit="1GB", temp_directory="spill")
    con = load_records(block, base_dir=tmp_path).store.backend.con
    assert con.execute("SELECT current_setting('temp_directory')").fetchall() == [
        (str(tmp_path / "spill"),)]


def test_unset_leaves_duckdb_default(tmp_path):
    default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert _setting(load_records(DataBlock(path=str(_folder(tmp_path))))) == default


def test_same_tables_under_a_tight_limit(tmp_path):
    """A limit changes where DuckDB keeps blocks, never the loaded rows."""
    folder = _folder(tmp_path)
    free = _tables(load_records(DataBlock(path=str(folder))))
    tight = _tables(load_records(DataBlock(path=str(folder), memory_limit="64MB")))
    for name, frame in free.items():
        pd.testing.assert_frame_equal(tight[name], frame, obj=name)


def test_limit_applies_to_omop_input(tmp_path):
    source = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE person (person_id BIGINT)")
    backend = duckdb_backend()
    with pytest.raises(DataError):  # the limit is set before the OMOP tables are looked at
        check_records(DataBlock(format="omop", path=str(source), memory_limit="80MB"),
                      backend=backend)
    assert backend.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == (
        "76.2 MiB")


def _protocol_problem(value):
    raw = {"study": {"title": "t"}, "index": {"drug": "x"},
           "data": {"memory_limit": value}}
    with pytest.raises(ProtocolError) as info:
        parse_protocol(raw)
    [problem] = info.value.problems
    return problem


@pytest.mark.parametrize("value", ["3", "lots", "3 GBs", "-1GB", "3GB'; DROP TABLE patients; --"])
def test_protocol_rejects_a_non_size(value):
    problem = _protocol_problem(value)
    assert problem.key == "data.memory_limit"
    assert repr(value) in problem.message and '"3GB"' in problem.message


@pytest.mark.parametrize("value", ["3GB", "512MB", "2.5GiB", "6 gb", "800MiB"])
def test_protocol_accepts_sizes(value):
    raw = {"study": {"title": "t"}, "index": {"drug": "x"}, "data": {"memory_limit": value}}
    assert parse_protocol(raw).data.memory_limit == value
    duckdb.connect().execute(f"SET memory_limit = '{value}'")  # and DuckDB takes it


def _uncompressed(con, name: str) -> list[str]:
    """Columns with a segment not yet checkpointed (``persistent`` false: stored as written,
    uncompressed; a checkpoint picks each segment's compression, which may still be
    'Uncompressed' for a few rows)."""
    rows = con.execute("SELECT DISTINCT column_name FROM pragma_storage_info(?) "
                       "WHERE NOT persistent", [name]).fetchall()
    return sorted(r[0] for r in rows)


def test_loaded_tables_are_compressed_in_memory(tmp_path):
    """DuckDB stores a fresh in-memory table uncompressed until a checkpoint; the loader
    checkpoints after each table (engines.compact), so none stays that way."""
    con = load_records(DataBlock(path=str(_folder(tmp_path)))).store.backend.con
    stored = con.execute("SELECT DISTINCT column_name FROM pragma_storage_info("
                         "'drug_administrations')").fetchall()
    assert {"patient_id", "drug", "date"} <= {r[0] for r in stored}
    assert _uncompressed(con, "drug_administrations") == []
    assert _uncompressed(con, "patients") == []


def test_compact_is_a_no_op_on_other_engines():
    from retrostudy.data.engines import compact

    class Spark:  # the attribute is_duckdb reads; no ``con`` to touch
        name = "pyspark"

    compact(Spark())  # nothing to call: raises AttributeError if it tried
    backend = duckdb_backend()
    backend.con.execute("CREATE TABLE t AS SELECT i::VARCHAR AS s FROM range(5000) r(i)")
    assert _uncompressed(backend.con, "t") == ["s"]
    compact(backend)
    assert _uncompressed(backend.con, "t") == []
