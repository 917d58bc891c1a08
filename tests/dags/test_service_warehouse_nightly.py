"""The nightly DAG: integrity of the DAG folder, parse cost, and its wiring."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"

# Parses the DAG folder in a clean interpreter and reports what it cost and what it touched:
# any database connection (psycopg / psycopg2), any dbt invocation or child process.
PARSE_PROBE = r"""
import json, sys, time
touched = []
def hook(event, args):
    # a child process that runs dbt (platform.architecture() runs `file`: harmless)
    if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn") and "dbt" in repr(args[:2]):
        touched.append(f"{event} {args!r}"[:200])
sys.addaudithook(hook)
import psycopg, psycopg2
_pc, _p2 = psycopg.Connection.connect, psycopg2.connect
def spy_pc(*a, **k):
    touched.append("psycopg.connect"); return _pc(*a, **k)
def spy_p2(*a, **k):
    touched.append("psycopg2.connect"); return _p2(*a, **k)
psycopg.Connection.connect = psycopg.connect = spy_pc
psycopg2.connect = spy_p2
import dbt.cli.main as dbt_main
_inv = dbt_main.dbtRunner.invoke
def spy_invoke(self, *a, **k):
    touched.append("dbtRunner.invoke"); return _inv(self, *a, **k)
dbt_main.dbtRunner.invoke = spy_invoke
from airflow.dag_processing.dagbag import DagBag
# CPU time of this process: what parsing costs, whatever else the shared machine is doing
start = time.process_time()
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.process_time() - start
print("PROBE" + json.dumps({"elapsed": elapsed, "touched": touched, "errors": {k: str(v) for k, v in bag.import_errors.items()},
      "dags": sorted(bag.dags)}))
"""


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    from service_warehouse.transform import build_manifest

    # the DAG reads dbt_project/target/manifest.json, built ahead (svcwh demo, compose init):
    # build it here too, so these tests do not depend on a run before them (a fresh clone has none)
    build_manifest()
    return DagBag(dag_folder=str(DAGS))


def test_dag_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "service_warehouse_nightly" in dagbag.dags


def test_every_dag_has_docs_tags_owner_and_retries(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id}: doc_md missing"
        assert dag.tags, f"{dag_id}: no tags"
        assert dag.default_args.get("retries", 0) >= 1, f"{dag_id}: no retries"
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id}: no owner"


def test_every_dag_file_is_named_after_its_dag_id(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert Path(dag.fileloc).stem == dag_id


def test_nightly_dag_layers_and_order(dagbag):
    dag = dagbag.dags["service_warehouse_nightly"]
    ids = set(dag.task_dict)
    for source in ("crm", "calls", "repairs"):
        land, check = dag.task_dict[f"raw.land_{source}"], dag.task_dict[f"raw.check_{source}"]
        assert check.task_id in land.downstream_task_ids
        assert "raw.landed" in check.downstream_task_ids
        assert land.upstream_task_ids == {"prepare", "wait_for_landing"}
    transform = [t for t in ids if t.startswith("transform.")]
    assert transform, "no dbt tasks: is the manifest built?"
    # every dbt task runs after the raw layer and before the gate
    for task_id in transform:
        upstream = dag.task_dict[task_id].get_flat_relative_ids(upstream=True)
        assert "raw.landed" in upstream, task_id
        assert task_id in dag.task_dict["marts.gate"].get_flat_relative_ids(upstream=True)
    assert dag.task_dict["marts.publish"].upstream_task_ids == {"marts.gate", "prepare"}
    # the demand marts are built on tonight's forecast, after every other model, before the checks
    assert not [t for t in transform if "demand_forecast" in t or "staffing" in t or "forecast_accuracy" in t]
    assert set(transform) <= dag.task_dict["forecast"].get_flat_relative_ids(upstream=True)
    assert dag.task_dict["demand_marts"].upstream_task_ids == {"forecast", "prepare"}
    assert dag.task_dict["cross_model_checks"].upstream_task_ids == {"demand_marts", "prepare"}
    assert "report" in dag.task_dict["marts.publish"].downstream_task_ids


def test_nightly_dag_schedule_is_02_00_local_for_the_previous_day(dagbag):
    from datetime import datetime

    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.dags["service_warehouse_nightly"]
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.max_active_runs == 1
    from service_warehouse.orchestration import local_day, logical_datetime

    logical = logical_datetime(datetime(2026, 10, 1).date())
    assert logical.hour == 2 and local_day(logical).isoformat() == "2026-10-01"


def test_nightly_dag_assets_for_raw_sources_and_published_marts(dagbag):
    from service_warehouse.orchestration import MARTS_PUBLISHED, RAW_ASSETS

    dag = dagbag.dags["service_warehouse_nightly"]
    assert MARTS_PUBLISHED in dag.task_dict["marts.publish"].outlets
    for source, asset in RAW_ASSETS.items():
        assert asset in dag.task_dict[f"raw.check_{source}"].outlets


def test_nightly_dag_dbt_tasks_get_build_schema_and_as_of_per_run(dagbag):
    dag = dagbag.dags["service_warehouse_nightly"]
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("transform.")]
    for task in dbt_tasks:
        assert "prepare" in task.env["SVCWH_BUILD_SCHEMA"] and "build_schema" in task.env["SVCWH_BUILD_SCHEMA"]
        assert "as_of_date" in task.vars["as_of_date"]
        assert "full_refresh" in str(task.full_refresh)


def test_dag_folder_parses_fast_without_dbt_or_database():
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    # every database the product or Airflow could reach points at a closed port: a query would fail
    env["WAREHOUSE_URL"] = "postgresql://nobody@127.0.0.1:9/none"
    env["CRM_URL"] = "postgresql://nobody@127.0.0.1:9/none"
    proc = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(DAGS)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE")), None)
    assert line, proc.stderr[-3000:]
    probe = json.loads(line[5:])
    assert probe["errors"] == {}
    assert probe["dags"] == ["service_warehouse_nightly"]
    assert probe["touched"] == []
    assert probe["elapsed"] < 2.0, f"parsing the DAG folder took {probe['elapsed']:.2f} s"
    # a parse that warns on every run buries real warnings in the processor's log
    assert "Unavailable conversion function" not in proc.stdout + proc.stderr
