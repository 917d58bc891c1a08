"""Test-wide set-up: tests never touch the user's warehouse.

They run their own embedded PostgreSQL (data in ``.warehouse/test``, port 55433, unless
``SVCWH_TEST_DATA_DIR`` / ``SVCWH_TEST_PG_PORT`` say otherwise; ``SVCWH_DATA_DIR`` and ``SVCWH_PG_PORT``
are ignored) and each test module that needs a warehouse gets a fresh
database in it (``fresh_warehouse``), so tests are independent and can run in any order.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Settings are read from the environment when used, so setting them here (at collection,
# before any test imports the package's settings) points everything at the test server.
# Always set (not defaulted): a shell that exports the user's own SVCWH_DATA_DIR / SVCWH_PG_PORT
# must not point the tests at the user's warehouse. SVCWH_TEST_DATA_DIR / SVCWH_TEST_PG_PORT move them.
os.environ["SVCWH_DATA_DIR"] = os.environ.get("SVCWH_TEST_DATA_DIR", str(REPO / ".warehouse" / "test"))
os.environ["SVCWH_PG_PORT"] = os.environ.get("SVCWH_TEST_PG_PORT", "55433")
os.environ.pop("WAREHOUSE_URL", None)
os.environ.pop("CRM_URL", None)
# --- Airflow settings (owned by the orchestration part): env only, set before any airflow import.
# Airflow reads its config once, at first import. Each test process gets Airflow metadata and an
# AIRFLOW_HOME of its own (database airflow_test_<pid> on the test server, created and dropped by
# the airflow_db fixture): sessions, and the workers of one session (pytest -n), running at the same
# time must not clear each other's runs. Set, not defaulted: a worker inherits the environment of
# the process that started it, whose pid is not its own.
_AIRFLOW_DB = f"airflow_test_{os.getpid()}"
_AIRFLOW_HOME = Path(os.environ["SVCWH_DATA_DIR"]) / "airflow" / _AIRFLOW_DB
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
    f"postgresql+psycopg://postgres@127.0.0.1:{os.environ['SVCWH_PG_PORT']}/{_AIRFLOW_DB}"
)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = (
    f"postgresql+psycopg_async://postgres@127.0.0.1:{os.environ['SVCWH_PG_PORT']}/{_AIRFLOW_DB}"
)
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(_AIRFLOW_HOME / "plugins")
os.environ["AIRFLOW__COSMOS__CACHE_DIR"] = str(_AIRFLOW_HOME / "cosmos")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__OPENLINEAGE__NAMESPACE", "service_warehouse")
os.environ.setdefault("AIRFLOW__OPENLINEAGE__DISABLED", "True")
os.environ.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")
# --- end of Airflow settings
# dbt's target and log folders per worker (gw0, gw1 … under pytest -n; "main" without): two dbt
# processes writing one manifest / partial parse file at the same time corrupt it for both
_DBT_DIR = Path(os.environ["SVCWH_DATA_DIR"]) / f"dbt-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
os.environ["SVCWH_DBT_TARGET_DIR"] = str(_DBT_DIR / "target")
os.environ["DBT_LOG_PATH"] = str(_DBT_DIR / "logs")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def pg_server():
    """The test session's embedded PostgreSQL server (started once, left running).

    Databases left behind by test sessions that no longer run (killed, timed out: a module's
    teardown never came) are dropped first; they would otherwise pile up (7 GB seen).
    """
    from service_warehouse.warehouse import embedded

    server = embedded.start()
    _drop_orphaned_databases(server)
    return server


def _drop_orphaned_databases(server) -> None:
    """Drop wh_/crm_/af_ test databases whose creating process (the pid in the name) is gone."""
    import re

    import psycopg

    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        names = [row[0] for row in conn.execute("select datname from pg_database where datname ~ '^(wh|crm|af)_'")]
        for name in names:
            match = re.search(r"_(\d+)_[0-9a-f]{6}$", name)
            if match is None or _process_alive(int(match.group(1))):
                continue
            conn.execute(f'drop database if exists "{name}" with (force)')


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create_database(server, name: str) -> str:
    import psycopg

    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return server.dsn(name)


@pytest.fixture(scope="module")
def fresh_warehouse(pg_server, request):
    """A new, empty warehouse database with the base schemas; ``WAREHOUSE_URL`` points at it.

    Yields the libpq URL. A CRM database of its own sits beside it (``CRM_URL``).
    """
    from service_warehouse.warehouse import ensure_ready

    tag = f"{request.module.__name__.rsplit('.', 1)[-1][:30]}_{os.getpid()}_{uuid.uuid4().hex[:6]}".lower()
    url = _create_database(pg_server, f"wh_{tag}")
    crm = _create_database(pg_server, f"crm_{tag}")
    mp = pytest.MonkeyPatch()
    mp.setenv("WAREHOUSE_URL", url)
    mp.setenv("CRM_URL", crm)
    mp.setenv("SVCWH_AIRFLOW_DB", f"af_{tag}")
    ensure_ready()
    yield url
    mp.undo()
    import psycopg

    # leave the test server clean: each module's databases go with it
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        for prefix in ("wh", "crm", "af"):
            conn.execute(f'drop database if exists "{prefix}_{tag}" with (force)')


@pytest.fixture
def samples_dir() -> Path:
    """The real Asterisk files in ``shared/samples/asterisk`` (kept out of the repo)."""
    path = SHARED / "samples" / "asterisk"
    if not path.is_dir():
        pytest.fail(f"the shared samples are missing: {path}")
    return path


def _run_night(day):
    """One night through the product's task functions, in the DAG's order, without Airflow.

    Returns the sources whose raw suite failed; as in the DAG, a failed raw suite stops the night
    before dbt (nothing is published for that day). Like a DAG run, it catches up every landed
    day up to ``day`` that is not loaded yet.
    """
    from datetime import date

    from service_warehouse.errors import DataQualityError
    from service_warehouse.orchestration import _tasks
    from service_warehouse.orchestration._cosmos import DEMAND_MARTS
    from service_warehouse.transform import run_dbt

    run_id = f"direct_{uuid.uuid4().hex[:6]}"
    plan = _tasks.prepare(day, {})
    assert plan is not None, f"nothing to run for {day}: the simulation landed no day"
    failed = []
    for source in ("crm", "calls", "repairs"):
        batches = _tasks.land(source, day, run_id)
        try:
            _tasks.raw_suite(source, batches, day, run_id)
        except DataQualityError:
            failed.append(source)
    if failed:
        return failed
    # the DAG's transform group builds every model but the demand marts; the forecast step then
    # writes tonight's vintage and the demand marts are built on it, before the gate
    run_dbt(["build", "--exclude", DEMAND_MARTS], build_schema=plan.build_schema,
            as_of=date.fromisoformat(plan.as_of_date))
    _tasks.forecast(plan.build_schema, plan.as_of_date, run_id)
    _tasks.demand_marts(plan.build_schema, plan.as_of_date, plan.full_refresh)
    validation_run_id = _tasks.gate(plan.build_schema, day, run_id)
    _tasks.publish(plan.build_schema, day, run_id, validation_run_id)
    return failed


@pytest.fixture(scope="session")
def run_night():
    """``run_night(day)``: the nightly steps for ``day`` without Airflow (sources whose raw suite failed)."""
    return _run_night


def _scans(conn, query: str, table: str) -> int:
    """How many times the plan of ``query`` ran a scan of ``table`` (EXPLAIN ANALYZE: a scan under
    a one-time filter that is false is never executed, 0 loops)."""
    plan = conn.execute(f"explain (analyze, format json) {query}").fetchone()[0][0]["Plan"]
    nodes, loops = [plan], 0
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        if node.get("Relation Name") == table:
            loops += node["Actual Loops"]
    return loops


@pytest.fixture
def scans():
    """``scans(conn, query, table)``: how many times ``query``'s plan scanned ``table`` (EXPLAIN ANALYZE)."""
    return _scans


def pytest_collection_modifyitems(config, items):
    """The slow end-to-end modules run first (stable: every module stays in one piece, in order).

    Under ``pytest -n 2 --dist loadfile --no-loadscope-reorder`` (``make test``) they start at
    once, on both workers: they are the longest modules, and one started last would run on while
    the other worker has nothing left.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
