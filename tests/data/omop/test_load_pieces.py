"""The OMOP loader's memory bounds on DuckDB: large canonical tables written by ranges of
the CDM primary key, working tables in a scratch database file deleted afterwards. Neither
may change what is loaded, rejected or counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import block, tiny_cdm, write_folder

from retrostudy.data.csv_files import SCRATCH
from retrostudy.data.omop import load as omop_load
from retrostudy.data.omop.load import check_omop
from retrostudy.data.schema import TABLES
from retrostudy.data.store import duckdb_backend

LENIENT = {c: "quarantine" for c in ("missing_value", "invalid_value", "end_before_start")}


def _snapshot(result) -> dict:
    con = result.store.backend.con
    out = {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
           for name in (*TABLES, "rejects")}
    out["counts"] = dict(result.counts)
    out["problems"] = result.problems
    return out


def _load(tmp_path: Path, frames=None):
    folder = tmp_path / "cdm"
    if not folder.exists():
        write_folder(frames or tiny_cdm(), folder)
    return check_omop(block(str(folder), policy=LENIENT), tmp_path, duckdb_backend())


def test_pieces_load_exactly_what_one_statement_loads(tmp_path, monkeypatch):
    frames = tiny_cdm()
    # keys with gaps and out of order: the ranges follow the key values, not the row order
    de = frames["drug_exposure"]
    de["drug_exposure_id"] = [907, 11, 12, 500, 14, 15, 3, 17, 1000]
    whole = _snapshot(_load(tmp_path, frames))

    writes: list[str] = []
    real_insert = type(duckdb_backend()).insert

    def insert(self, name, obj, **kw):
        writes.append(name)
        return real_insert(self, name, obj, **kw)

    monkeypatch.setattr(omop_load, "PIECE_ROWS", 2)
    monkeypatch.setattr(type(duckdb_backend()), "insert", insert)
    pieces = _snapshot(_load(tmp_path))
    assert pieces == whole
    # more rows than PIECE_ROWS: written by several statements
    assert writes.count("drug_administrations") >= 3
    assert writes.count("diagnoses") >= 2


def test_ranges_cover_every_key_once(tmp_path, monkeypatch):
    monkeypatch.setattr(omop_load, "PIECE_ROWS", 3)
    frames = tiny_cdm()
    write_folder(frames, tmp_path / "cdm")
    backend = duckdb_backend()
    data = block(str(tmp_path / "cdm"), policy=LENIENT)
    run = omop_load._Run(backend, data)
    from retrostudy.data.omop.source import open_cdm
    cdm = open_cdm(data, tmp_path, backend)
    t = cdm["drug_exposure"]
    run.counts["drug_exposure"] = omop_load.OmopCount(read=9, loaded=7, rejected=2,
                                                      not_relevant=0)
    ranges = run._ranges(t)
    assert len(ranges) >= 3
    assert ranges[0][0] == 10 and ranges[-1][1] == 18
    assert all(a <= b for a, b in ranges)
    assert all(b + 1 == c for (_, b), (c, _) in zip(ranges, ranges[1:], strict=False))
    # few rows: one statement
    run.counts["drug_exposure"] = omop_load.OmopCount(read=9, loaded=3, rejected=6,
                                                      not_relevant=0)
    assert run._ranges(t) == []


def test_working_tables_go_to_a_scratch_file_that_is_removed(tmp_path, monkeypatch):
    folders: list[Path] = []
    created: list[tuple[str, object]] = []
    real_attach = omop_load.attach_scratch
    real_create = type(duckdb_backend()).create_table

    def attach(con, folder=None):
        folders.append(real_attach(con, folder))
        return folders[-1]

    def create(self, name, obj=None, **kw):
        created.append((name, kw.get("database")))
        return real_create(self, name, obj, **kw)

    monkeypatch.setattr(omop_load, "attach_scratch", attach)
    monkeypatch.setattr(type(duckdb_backend()), "create_table", create)
    result = _load(tmp_path)
    working = [(n, db) for n, db in created if n.startswith("_omop_")]
    assert working and all(db == (SCRATCH, "main") for _, db in working)
    assert len(folders) == 1 and not folders[0].exists()
    con = result.store.backend.con
    attached = con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    assert (SCRATCH,) not in attached
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    # (the source views over the CDM files, _omop_src_*, are not working tables)
    assert not {n for n in names if n.startswith("_omop") and not n.startswith("_omop_src_")}
    assert set(TABLES) | {"rejects"} <= names


def test_temp_directory_holds_the_scratch(tmp_path, monkeypatch):
    folders: list[Path] = []
    real_attach = omop_load.attach_scratch

    def attach(con, folder=None):
        folders.append(real_attach(con, folder))
        return folders[-1]

    monkeypatch.setattr(omop_load, "attach_scratch", attach)
    write_folder(tiny_cdm(), tmp_path / "cdm")
    data = block(str(tmp_path / "cdm"), policy=LENIENT).model_copy(
        update={"temp_directory": "spill"})
    check_omop(data, tmp_path, duckdb_backend())
    assert folders and folders[0].parent == tmp_path / "spill"
    assert not folders[0].exists()


@pytest.mark.parametrize("pieces", [2, 10**9])
def test_counts_keep_the_accounting_identity(tmp_path, monkeypatch, pieces):
    monkeypatch.setattr(omop_load, "PIECE_ROWS", pieces)
    result = _load(tmp_path)
    for name, c in result.counts.items():
        assert c.read == c.loaded + c.not_relevant + c.rejected, name
