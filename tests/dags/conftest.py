"""Fixtures for the DAG tests: Airflow's metadata database on the test server."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def airflow_db(pg_server):
    """Database ``airflow`` on the test server, migrated (Airflow's env is set in tests/conftest.py)."""
    import psycopg

    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = 'airflow'").fetchone():
            conn.execute("create database airflow")
    from airflow.utils.db import upgradedb

    upgradedb()
    return pg_server.dsn("airflow")
