"""The dashboards in a real browser: Superset on a warehouse filled by the real pipeline.

Simulated history (``tiny`` preset, with row-level defects so that the quarantine has rows)
goes through the product's own task functions, in the DAG's order: loaders → raw suites (GX) →
``dbt build`` (all but the demand marts) → forecast step → demand marts (``dbt build``) → mart
suites (GX) → publication of the ``marts`` views; two nights are published, then a defective one
is stopped. Meanwhile Superset (its own
venv, metadata in a fresh SQLite) imports ``superset/assets`` connected as ``bi_reader``. Then
every dashboard is opened in headless Debian Chromium through Playwright, only localhost
reachable: every chart must render without an error, every chart's data query must answer 200
with rows, and a screenshot of each dashboard is saved under ``.warehouse/test/screenshots``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# two months (the monthly charts need more than one point); the last day lands with defects
START, DAYS = date(2026, 9, 21), 14
LAST = START + timedelta(days=DAYS - 1)
SLUGS = ("service-quality", "complaints", "repairs", "customers", "data-quality")


def _free_port() -> int:
    """``SVCWH_TEST_SUPERSET_PORT``, else a port the system reports free (sessions may run side by side)."""
    if os.environ.get("SVCWH_TEST_SUPERSET_PORT"):
        return int(os.environ["SVCWH_TEST_SUPERSET_PORT"])
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def superset_url(fresh_warehouse, run_night, tmp_path_factory):
    """Superset serving the repo's dashboards on a warehouse with published marts; yields its URL."""
    from service_warehouse import dashboards
    from service_warehouse.simulator import DefectConfig, simulate

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("superset")
    mp.setenv("SVCWH_LANDING_DIR", str(root / "landing"))
    mp.setenv("SVCWH_REPORTS_DIR", str(root / "reports"))
    mp.setenv("SVCWH_SUPERSET_ADMIN_PASSWORD", uuid.uuid4().hex)
    where = dashboards.home(root)
    with ThreadPoolExecutor(1) as pool:
        # Superset's set-up needs no data: it runs while the pipeline fills the warehouse
        def setup() -> str:
            dashboards.ensure_venv()
            return dashboards.bootstrap(where, fresh_warehouse)

        superset_ready = pool.submit(setup)
        simulate(days=DAYS, start=START, preset="tiny", seed=11,
                 defects=DefectConfig(rate=0.01, days=frozenset({LAST}), file_fault_every=0))
        # the history is published over two nights, so that the second night scores the first
        # night's forecast (forecast vs actual, published accuracy) and staffs its past day
        # (required vs logged-in agents); the last night's defects exceed the quarantine
        # threshold of a tiny day, so its raw suites fail and it stops before dbt: what auditors
        # must see
        assert run_night(LAST - timedelta(days=2)) == []
        assert run_night(LAST - timedelta(days=1)) == []
        assert run_night(LAST), "the defective last day passed every raw suite"
        superset_ready.result()
    port = _free_port()
    proc = dashboards.serve(where, port=port, workers=1)
    yield f"http://127.0.0.1:{port}", where
    dashboards.stop(proc)
    mp.undo()


@pytest.fixture(scope="module")
def browser_results(superset_url):
    from service_warehouse import dashboards
    from service_warehouse.config import get_settings

    url, where = superset_url
    out = get_settings().data_dir / "screenshots"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "SVCWH_SUPERSET_ADMIN": where.admin_user,
           "SVCWH_SUPERSET_ADMIN_PASSWORD": where.admin_password}
    done = subprocess.run(
        [str(dashboards.venv_dir() / "bin" / "python"), str(dashboards.SUPERSET_DIR / "check_dashboards.py"),
         "--url", url, "--out", str(out), *SLUGS],
        env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        server_log = (where.log_dir / "gunicorn.log").read_text(errors="replace").splitlines()
        pytest.fail(f"check_dashboards.py failed (exit {done.returncode}):\n{done.stderr[-3000:]}\n"
                    f"Superset's log, last lines:\n" + "\n".join(server_log[-40:]))
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_the_repo_holds_the_five_dashboards():
    from service_warehouse.dashboards import dashboard_slugs

    assert sorted(dashboard_slugs()) == sorted(SLUGS)


def test_bi_reader_reads_marts_and_dq_but_not_audit_or_raw(superset_url):
    import psycopg

    with _bi_reader() as conn:
        assert conn.execute("select count(*) from marts.call_kpis_daily").fetchone()[0] > 0
        assert conn.execute("select count(*) from dq.quarantine_summary").fetchone()[0] > 0
        for table in ("audit.quarantine", "raw.cdr"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select 1 from {table} limit 1")
            conn.rollback()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_chart_renders_without_error_and_shows_data(browser_results, slug):
    board = browser_results["dashboards"][slug]
    charts = board["charts"]
    assert charts, f"{slug}: no chart on the page (page errors: {board['page_errors']})"
    assert board["settled"], f"{slug}: charts still loading after {board['seconds']} s: {charts}"
    errors = {c["name"]: c["error"] for c in charts if c["error"]}
    assert not errors, f"{slug}: charts with an error: {errors}"
    blank = [c["name"] for c in charts if not c["rendered"]]
    assert not blank, f"{slug}: charts that drew nothing: {blank}"
    calls = board["data_calls"]
    bad = [c for c in calls if c["status"] != 200 or c.get("errors")]
    assert not bad, f"{slug}: chart data requests failed: {bad}"
    # every chart asked for its data once, and got rows
    assert len({c["slice_id"] for c in calls}) == len(charts), (slug, calls, [c["name"] for c in charts])
    empty = [c["slice_id"] for c in calls if not c["rows"]]
    assert not empty, f"{slug}: charts whose query returned no rows (slice ids): {empty}"
    shot = Path(board["screenshot"])
    assert shot.stat().st_size > 20_000, f"{slug}: screenshot {shot} is suspiciously small"


def _bi_reader():
    import psycopg

    from service_warehouse.dashboards import bi_reader_uri

    return psycopg.connect(bi_reader_uri(os.environ["WAREHOUSE_URL"]).replace("postgresql+psycopg2://", "postgresql://"))


@functools.cache
def _datasets() -> list[dict]:
    import yaml

    from service_warehouse.dashboards import ASSETS_DIR

    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS_DIR / "datasets").rglob("*.yaml"))]


def test_every_saved_metric_and_column_runs_as_bi_reader(superset_url):
    with _bi_reader() as conn:
        for dataset in _datasets():
            table = f"{dataset['schema']}.{dataset['table_name']}"
            names = [c["column_name"] for c in dataset["columns"] if not c.get("expression")]
            conn.execute(f"select {', '.join(names)} from {table} limit 1")
            for column in [c for c in dataset["columns"] if c.get("expression")]:
                conn.execute(f"select {column['expression']} from {table} limit 1")
            for metric in dataset["metrics"]:
                conn.execute(f"select {metric['expression']} from {table}")


def _metric(dataset_name: str, metric_name: str, where: str = "true"):
    dataset = next(d for d in _datasets() if d["table_name"] == dataset_name)
    expression = next(m["expression"] for m in dataset["metrics"] if m["metric_name"] == metric_name)
    with _bi_reader() as conn:
        return conn.execute(f"select {expression} from {dataset['schema']}.{dataset_name} where {where}").fetchone()[0]


def test_weighted_metrics_agree_with_the_row_level_facts(superset_url):
    """A dashboard's total over days and queues is the rate over the calls, not a mean of daily rates."""
    with _bi_reader() as conn:
        within, offered_net, abandoned = conn.execute(
            "select count(*) filter (where is_answered_within_threshold),"
            " count(*) filter (where outcome is distinct from 'short_abandon'),"
            " count(*) filter (where outcome = 'abandoned') from marts.fct_calls").fetchone()
        resolved, timely = conn.execute(
            "select count(*), count(*) filter (where is_resolution_sla_met) from marts.fct_complaints"
            " where resolved_at is not null").fetchone()
    assert offered_net > 0 and resolved > 0
    assert float(_metric("call_kpis_daily", "service_level")) == pytest.approx(within / offered_net)
    assert float(_metric("call_kpis_daily", "abandon_rate")) == pytest.approx(abandoned / offered_net)
    assert float(_metric("complaint_kpis_daily", "timely_resolution_rate")) == pytest.approx(timely / resolved)
    # the per-queue rows carry the same numbers the mart computed for each day
    with _bi_reader() as conn:
        day, queue, level = conn.execute(
            "select local_date, queue, service_level from marts.call_kpis_daily"
            " where service_level is not null order by local_date, queue limit 1").fetchone()
    assert _metric("call_kpis_daily", "service_level", f"local_date = '{day}' and queue = '{queue}'") == pytest.approx(level)
