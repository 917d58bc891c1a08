"""The Airflow environment of the embedded warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from service_warehouse.orchestration import airflow_env


@pytest.mark.integration
def test_airflow_env_puts_metadata_in_database_airflow_of_the_warehouse_server(pg_server, monkeypatch, tmp_path):
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", raising=False)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.delenv("SVCWH_AIRFLOW_DB", raising=False)
    env = airflow_env()
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"postgresql+psycopg://postgres@127.0.0.1:{pg_server.port}/airflow"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"].startswith("postgresql+psycopg_async://")
    home = Path(env["AIRFLOW_HOME"])
    assert home.name == "airflow" and home.parent == Path(env["SVCWH_DATA_DIR"])
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert Path(env["AIRFLOW__COSMOS__CACHE_DIR"]).is_relative_to(home)
    assert env["AIRFLOW__OPENLINEAGE__NAMESPACE"] == "service_warehouse"
    assert Path(env["AIRFLOW__CORE__DAGS_FOLDER"]).name == "dags"
    # never the repo's plugins/ folder: Airflow would exec every module of the package in it
    assert Path(env["AIRFLOW__CORE__PLUGINS_FOLDER"]).is_relative_to(home)
    assert env["AIRFLOW_CONN_SVCWH_WAREHOUSE"].startswith("postgresql://")


@pytest.mark.integration
def test_airflow_env_keeps_what_the_deployment_set(pg_server, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("AIRFLOW_CONN_SVCWH_WAREHOUSE", "postgresql://bi@db.example:5432/warehouse")
    env = airflow_env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW_CONN_SVCWH_WAREHOUSE"] == "postgresql://bi@db.example:5432/warehouse"
