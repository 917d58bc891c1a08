"""service_warehouse.transform: dbt runs with the warehouse's environment and clear failures."""

from __future__ import annotations

import json
import os

import psycopg
import pytest

from service_warehouse.transform import DbtRunError, build_manifest, run_dbt

CALL_MARTS = ("fct_calls", "call_kpis_daily", "agent_kpis_monthly")


def test_run_dbt_rejects_an_unknown_build_schema():
    with pytest.raises(DbtRunError, match="build_schema must be one of .*'marts'"):
        run_dbt(["run"], build_schema="marts")


def test_build_manifest_writes_contracted_documented_call_marts(tmp_path):
    manifest_path = build_manifest(target_path=tmp_path)
    assert manifest_path == tmp_path / "manifest.json"
    nodes = json.loads(manifest_path.read_text())["nodes"]
    for name in CALL_MARTS:
        node = nodes[f"model.service_warehouse.{name}"]
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        assert node["schema"] == "marts_blue"
        assert node["description"].strip(), f"{name} has no description"
        undescribed = [c for c, spec in node["columns"].items() if not spec["description"].strip()]
        assert not undescribed, f"{name}: columns without a description: {undescribed}"
    assert nodes["model.service_warehouse.fct_calls"]["config"]["materialized"] == "incremental"
    assert nodes["model.service_warehouse.int_queue_calls_assembled"]["config"]["materialized"] == "incremental"


@pytest.mark.integration
def test_run_dbt_names_the_failed_nodes_and_restores_the_environment(pg_server, tmp_path):
    # a database without the raw schema: the staging views cannot be created
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute("drop database if exists transform_no_raw with (force)")
        conn.execute("create database transform_no_raw")
    before = os.environ.get("WAREHOUSE_DB")
    with pytest.raises(DbtRunError) as caught:
        run_dbt(
            ["run", "--select", "stg_call_centre__queue_log"],
            build_schema="marts_green", url=pg_server.dsn("transform_no_raw"), target_path=tmp_path,
        )
    assert caught.value.command == "run"
    assert [node for node, _ in caught.value.failures] == ["model.service_warehouse.stg_call_centre__queue_log"]
    assert "model.service_warehouse.stg_call_centre__queue_log" in str(caught.value)
    assert 'relation "raw.queue_log" does not exist' in str(caught.value)
    assert os.environ.get("WAREHOUSE_DB") == before
