"""Fixtures for the DAG tests: Airflow's metadata database of this test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest


@pytest.fixture(scope="session")
def airflow_db(pg_server):
    """This session's Airflow metadata database (named in tests/conftest.py), migrated; dropped after."""
    import psycopg

    name = urlsplit(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).path.lstrip("/")
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    from airflow.utils.db import upgradedb

    upgradedb()
    yield pg_server.dsn(name)
    from airflow import settings

    settings.dispose_orm()  # close Airflow's sessions before their database goes
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
    home = Path(os.environ["AIRFLOW_HOME"])
    if home.name.startswith("airflow_test_"):
        shutil.rmtree(home, ignore_errors=True)
