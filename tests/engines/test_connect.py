"""Engine selection: specs, the protocol key, the CLI flag and the errors (no Spark needed)."""

from __future__ import annotations

import builtins

import ibis
import pytest

from retrostudy import pipeline
from retrostudy.data import engines
from retrostudy.data.engines import connect, engine_name
from retrostudy.errors import ProtocolError, RetroStudyError
from retrostudy.protocol.data import DataBlock


def test_duckdb_specs(tmp_path):
    assert engine_name(connect(None)) == "duckdb"
    assert engine_name(connect("duckdb")) == "duckdb"
    path = tmp_path / "records.duckdb"
    backend = connect(f"duckdb://{path}")
    backend.create_table("t", schema=ibis.schema({"a": "int64"}))
    assert path.exists()
    same = ibis.duckdb.connect()
    assert connect(same) is same


@pytest.mark.parametrize("spec", ["sparkle", "postgres", "", "DuckDB"])
def test_unknown_specs_name_what_is_allowed(spec):
    with pytest.raises(RetroStudyError) as err:
        connect(spec)
    problem = err.value.problems[0]
    assert problem.code == "unknown_engine" and problem.key == "data.engine"
    assert "spark" in problem.hint and "postgres://" in problem.hint


def test_unreachable_url_is_a_clear_error_without_the_password():
    with pytest.raises(RetroStudyError) as err:
        connect("nosuchbackend://user:secret@localhost/db")
    text = str(err.value)
    assert "could not connect" in text and "secret" not in text and "user:***@" in text


def test_spark_without_pyspark_hints_the_extra(monkeypatch):
    real = builtins.__import__

    def no_pyspark(name, *args, **kwargs):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(RetroStudyError) as err:
        connect("spark")
    assert "pip install 'retrostudy[spark]'" in err.value.problems[0].hint


def test_spark_without_java_hints_java(monkeypatch):
    class Session:  # stands in for pyspark's SparkSession: the check comes before any JVM
        builder = None

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(engines.shutil, "which", lambda _name: None)
    with pytest.raises(RetroStudyError) as err:
        engines._new_session(Session, dict(engines.LOCAL_SPARK))
    assert "needs Java" in err.value.problems[0].message
    assert "retrostudy[spark]" in err.value.problems[0].hint


def test_protocol_engine_key_accepts_specs_and_rejects_others():
    for spec in ("duckdb", "spark", "spark://host:7077", "spark:yarn", "postgres://u@h/db"):
        assert DataBlock(engine=spec).engine == spec
    block = DataBlock(engine="spark", spark={"spark.master": "local[2]",
                                             "spark.executor.memory": "2g"})
    assert block.spark["spark.master"] == "local[2]"
    with pytest.raises(Exception, match="unknown engine 'oracle'"):
        DataBlock(engine="oracle")


def test_protocol_file_with_unknown_engine_is_a_protocol_error(tmp_path):
    from retrostudy.protocol import load_protocol

    study = tmp_path / "study.toml"
    study.write_text('[study]\ntitle = "t"\n[data]\nengine = "oracle"\n', encoding="utf-8")
    with pytest.raises(ProtocolError) as err:
        load_protocol(study)
    assert any(p.key and p.key.startswith("data.engine") for p in err.value.problems)


def test_cli_engine_flag_overrides_the_protocol(monkeypatch, tmp_path):
    from retrostudy import cli
    from retrostudy.cli import run as run_cli

    seen = {}

    def fake_run(protocol, args):
        seen["engine"] = args.engine
        return 0

    monkeypatch.setattr(run_cli, "run_and_summarise", fake_run)
    study = tmp_path / "study.toml"
    study.write_text("", encoding="utf-8")
    assert cli.main(["run", str(study), "--engine", "postgres://u@h/db"]) == 0
    assert seen["engine"] == "postgres://u@h/db"
    assert cli.main(["run", str(study)]) == 0
    assert seen["engine"] is None  # the protocol's [data] engine decides


def test_run_study_uses_the_protocols_engine_unless_given(monkeypatch):
    """[data] engine and [data.spark] reach connect(); an explicit engine overrides them."""
    import tomllib
    from pathlib import Path

    from retrostudy.pipeline import run_study
    from retrostudy.protocol import parse_protocol

    seed = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
    raw = tomllib.loads(seed.read_text(encoding="utf-8"))
    raw["data"] = {**raw["data"], "engine": "spark", "spark": {"spark.master": "local[3]"}}
    # only the engine matters here: the optional analyses and the literature are left out
    # so the study runs in a few seconds
    optional = {"adjusted", "competing", "rmst", "sensitivity", "subgroups"}
    raw["analyses"] = {k: v for k, v in raw["analyses"].items() if k not in optional}
    raw = {k: v for k, v in raw.items() if k not in {"published", "comparators"}}
    protocol = parse_protocol(raw, base_dir=seed.parent)
    calls = []

    class Connected(Exception):
        pass

    def fake_connect(spec=None, spark=None):
        calls.append((spec, dict(spark or {})))
        if spec == "duckdb":
            raise Connected  # the explicit engine reached connect(): no need to run on
        return ibis.duckdb.connect()  # stands in for the engine: the study still runs

    monkeypatch.setattr(engines, "connect", fake_connect)
    monkeypatch.setattr(pipeline, "connect", fake_connect)  # the name run_study calls
    result = run_study(protocol)
    assert calls == [("spark", {"spark.master": "local[3]"})]
    assert result.results["provenance"]["engine"] == "duckdb"  # the backend actually used
    with pytest.raises(Connected):
        run_study(protocol, engine="duckdb")
    assert calls[-1][0] == "duckdb"


def test_run_study_in_a_database_file_with_a_memory_limit(tmp_path, example_study):
    """``[data] database`` + ``memory_limit`` (docs/scaling.md, "Memory"): the seed study
    runs in that DuckDB file under the limit, with the in-memory run's results."""
    import tomllib
    from pathlib import Path

    import duckdb
    import pandas as pd

    from retrostudy.pipeline import run_study
    from retrostudy.protocol import parse_protocol
    from retrostudy.report.results_json import dumps

    seed = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
    raw = tomllib.loads(seed.read_text(encoding="utf-8"))
    store = tmp_path / "store.duckdb"
    raw["data"] = {**raw["data"], "database": str(store), "memory_limit": "200MB",
                   "temp_directory": str(tmp_path / "spill")}
    limited = run_study(parse_protocol(raw, base_dir=seed.parent), out=tmp_path / "file")
    free, _ = example_study  # the same protocol in memory, run once for the session
    assert limited.attrition == free.attrition
    pd.testing.assert_frame_equal(limited.dataset, free.dataset, check_exact=True)

    def strip(result):
        return dumps({k: v for k, v in result.results.items() if k != "provenance"})

    assert strip(limited) == strip(free)
    con = limited.load.store.backend.con
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("190.7 MiB",)]
    limited.load.store.backend.disconnect()
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM patients").fetchall() == [
            (free.load.counts["patients"].loaded,)]


def test_a_memory_limit_too_small_is_a_retrostudy_error(tmp_path):
    """DuckDB's out-of-memory error names [data] memory_limit, no traceback."""
    import tomllib
    from pathlib import Path

    from retrostudy.pipeline import run_study
    from retrostudy.protocol import parse_protocol

    seed = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
    raw = tomllib.loads(seed.read_text(encoding="utf-8"))
    raw["data"] = {**raw["data"], "memory_limit": "1MB"}
    with pytest.raises(RetroStudyError) as info:
        run_study(parse_protocol(raw, base_dir=seed.parent), out=tmp_path)
    [problem] = info.value.problems
    assert problem.key == "data.memory_limit" and problem.code == "out_of_memory"
    assert "memory_limit 1MB" in problem.message and "raise [data] memory_limit" in problem.hint
