"""Engine selection: where the canonical tables live and where the cohort queries run.

:func:`connect` turns an engine *spec* into an Ibis backend:

==========================  ==========================================================
``"duckdb"`` (default)      DuckDB in memory
``"duckdb:///path.db"``     DuckDB in a database file (created when absent; Ibis's URL
                            rules: ``duckdb://rel.db`` relative, ``duckdb:///abs.db``)
``"spark"``                 a local Spark session (``local[*]``), or the cluster named
                            by ``spark.master`` in the configuration table
``"spark://host:7077"``     a Spark standalone cluster (any master URL Spark accepts
                            after ``spark:`` also works, e.g. ``spark:yarn``)
any other URL               ``ibis.connect(url)``, e.g. ``postgres://user@host/db``
==========================  ==========================================================

The protocol chooses with ``[data] engine = ...`` (and ``[data.spark]`` for Spark
configuration keys); ``retrostudy run --engine`` overrides it. The records are read and
validated in DuckDB whatever the engine (:mod:`retrostudy.data.load`), then copied into
the engine as Arrow tables typed by :mod:`retrostudy.data.schema`; every cohort and
endpoint query runs there, and :meth:`retrostudy.data.store.Store.execute` brings back
identical pandas frames from every engine. docs/scaling.md explains the Spark plan.

The local Spark session is configured for one machine and no network: driver bound to
127.0.0.1, UI off, UTC session time zone, few shuffle partitions (the data of one study
fit in memory), warnings only. A session that is already running (a notebook's, a test
fixture's) is reused as it is, apart from the UTC time zone.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import ibis

from retrostudy.errors import Problem, RetroStudyError

SPARK_HINT = "install the Spark extra: pip install 'retrostudy[spark]' (needs Java 17 or later)"
KNOWN = "duckdb, duckdb:///path.db, spark, spark://host:port or an Ibis URL (postgres://...)"

LOCAL_SPARK: dict[str, str] = {
    "spark.master": "local[*]",
    "spark.app.name": "retrostudy",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.catalogImplementation": "in-memory",
}
"""Defaults of a local session; ``[data.spark]`` keys override them."""

_QUIET_LOG = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def connect(
    spec: object = None, spark: Mapping[str, str | int | float | bool] | None = None
) -> ibis.BaseBackend:
    """The Ibis backend of an engine ``spec`` (see the module notes).

    Parameters
    ----------
    spec : None, str, an Ibis backend or a ``pyspark.sql.SparkSession``
        None means ``"duckdb"``. A backend is returned as it is; a Spark session is wrapped.
    spark : mapping, optional
        Spark configuration keys (``[data.spark]``), e.g. ``{"spark.master": "yarn"}``.

    Raises
    ------
    RetroStudyError
        An unknown spec, or Spark requested without pyspark or Java (with the install hint).
    """
    if spec is None or spec == "duckdb":
        return ibis.duckdb.connect(":memory:")
    if isinstance(spec, ibis.BaseBackend):
        return spec
    if not isinstance(spec, str):
        if type(spec).__name__ == "SparkSession":
            return ibis.pyspark.connect(spec)
        raise _unknown(repr(spec))
    if spec == "spark" or spec.startswith("spark:"):
        conf = dict(spark or {})
        if spec != "spark":
            conf["spark.master"] = spec if spec.startswith("spark://") else spec[len("spark:"):]
        return spark_backend(conf)
    if "://" not in spec:
        raise _unknown(spec)
    try:
        return ibis.connect(spec)
    except Exception as exc:  # a missing driver, a refused connection, a bad URL
        raise RetroStudyError(Problem(
            message=f"could not connect to engine {_redacted(spec)}: "
                    f"{str(exc).replace(spec, _redacted(spec))}",
            key="data.engine", code="engine_unavailable",
            hint="check the URL and that the Ibis backend for it is installed "
                 "(pip install 'ibis-framework[postgres]' for postgres://...)")) from exc


def _unknown(spec: str) -> RetroStudyError:
    return RetroStudyError(Problem(message=f"unknown engine {spec}", key="data.engine",
                                   code="unknown_engine", hint=f"use {KNOWN}"))


def _redacted(url: str) -> str:
    """``url`` without a password (``postgres://user:secret@host`` -> ``user:***@host``)."""
    scheme, _, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"


def spark_backend(conf: Mapping[str, str] | None = None) -> ibis.BaseBackend:
    """An Ibis PySpark backend on the active Spark session, or on a new one built from
    :data:`LOCAL_SPARK` updated with ``conf``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise RetroStudyError(Problem(message="engine 'spark' needs pyspark, which is not "
                                      "installed", code="engine_unavailable",
                                      key="data.engine", hint=SPARK_HINT)) from exc
    session = SparkSession.getActiveSession()
    if session is None:
        session = _new_session(SparkSession, {**LOCAL_SPARK, **dict(conf or {})})
    return ibis.pyspark.connect(session)


def _new_session(spark_session, conf: dict[str, str]):
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise RetroStudyError(Problem(message="engine 'spark' needs Java, which was not found "
                                      "(no JAVA_HOME, no java on PATH)", key="data.engine",
                                      code="engine_unavailable", hint=SPARK_HINT))
    scratch = Path(tempfile.mkdtemp(prefix="retrostudy-spark-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    conf.setdefault("spark.sql.warehouse.dir", str(scratch / "warehouse"))
    if conf.get("spark.master", "").startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no lookup of the host name
        log = scratch / "log4j2.properties"
        log.write_text(_QUIET_LOG, encoding="utf-8")
        conf.setdefault("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log}")
    builder = spark_session.builder
    for key, value in conf.items():
        builder = builder.config(key, str(value))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start (PySparkRuntimeError JAVA_GATEWAY_EXITED)
        raise RetroStudyError(Problem(message=f"could not start Spark: {exc}", key="data.engine",
                                      code="engine_unavailable", hint=SPARK_HINT)) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def engine_name(backend: ibis.BaseBackend) -> str:
    """The name results.json records: ``duckdb``, ``spark`` or the Ibis backend's name."""
    name = str(getattr(backend, "name", type(backend).__name__))
    return "spark" if name == "pyspark" else name


def is_duckdb(backend: ibis.BaseBackend) -> bool:
    return getattr(backend, "name", None) == "duckdb"


def compact(backend: ibis.BaseBackend) -> None:
    """Compress the tables written so far (DuckDB only; a no-op on other engines).

    DuckDB keeps a freshly written in-memory table uncompressed until a checkpoint
    compresses its row groups (dictionary, FSST, bit-packing). The loaders call this after
    each table they write: at 1M persons the canonical tables shrink from 4.0 GB to 0.3 GB of
    buffer memory and later scans get faster, for ~7 s of checkpointing (benchmarks/
    README.md). In a database file it is the checkpoint DuckDB would make anyway.
    """
    if is_duckdb(backend):
        backend.con.execute("CHECKPOINT")
