"""The Airflow environment of the embedded warehouse: every setting as an environment variable.

Airflow reads its configuration when it is first imported, so the settings are computed here
and handed to child processes (``svcwh demo``, ``svcwh airflow -- …``) or set in ``os.environ``
before the first ``import airflow`` (:func:`apply_airflow_env`). Nothing secret is written to the
repo: the warehouse URL comes from ``WAREHOUSE_URL`` (or the embedded server), and Airflow
connections come from ``AIRFLOW_CONN_…`` variables built from it.
"""

from __future__ import annotations

import os
from pathlib import Path

from service_warehouse.config import REPO_ROOT, Settings, get_settings

#: The DAG folder of the product (one DAG per file, named after the dag_id).
DAGS_FOLDER = REPO_ROOT / "dags"

#: Connection ids the DAGs and downstream users can rely on (``AIRFLOW_CONN_<ID>``).
WAREHOUSE_CONN_ID = "svcwh_warehouse"
CRM_CONN_ID = "svcwh_crm"


def airflow_home(settings: Settings | None = None) -> Path:
    """``$SVCWH_DATA_DIR/airflow``: logs, the auth manager's password file, the Cosmos cache."""
    return (settings or get_settings()).data_dir / "airflow"


def airflow_env(settings: Settings | None = None, *, start: bool = True) -> dict[str, str]:
    """The ``AIRFLOW_*`` variables (and connections) that run Airflow on this warehouse.

    ``start`` starts the embedded server when it is needed to know its port (the URL of the
    metadata database ``airflow`` lives on the same server as the warehouse).
    Variables already set in the environment win, so a deployment can override any of them.
    """
    from service_warehouse.warehouse.db import _endpoints, sqlalchemy_url

    settings = settings or get_settings()
    home = airflow_home(settings)
    endpoints = _endpoints(settings, start=start)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(endpoints.airflow, "psycopg"),
        # Airflow would derive an asyncpg URL (not installed): psycopg 3 does async too
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": sqlalchemy_url(endpoints.airflow, "psycopg_async"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        # Not the repo's plugins/ folder: Airflow would exec every .py file of the package in it
        # as a top-level module. The package is installed in the venv instead.
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": str(settings.centre_tz),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "60",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "DO_NOT_TRACK": "1",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "service_warehouse",
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": endpoints.warehouse,
        f"AIRFLOW_CONN_{CRM_CONN_ID.upper()}": endpoints.crm,
        # the product's own settings, resolved, so every task process sees the same ones
        "SVCWH_DATA_DIR": str(settings.data_dir),
        "SVCWH_LANDING_DIR": str(settings.landing_dir),
        "SVCWH_REPORTS_DIR": str(settings.reports_dir),
        "SVCWH_PG_PORT": str(settings.pg_port),
        "SVCWH_CENTRE_TZ": str(settings.centre_tz),
        "SVCWH_CDR_TZ": str(settings.cdr_tz),
        "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "ignore::DeprecationWarning"),
    }
    for key in list(env):
        if key in os.environ and key.startswith("AIRFLOW"):
            env[key] = os.environ[key]
    (home / "plugins").mkdir(parents=True, exist_ok=True)
    (home / "cosmos").mkdir(parents=True, exist_ok=True)
    return env


def child_env(settings: Settings | None = None) -> dict[str, str]:
    """``os.environ`` plus :func:`airflow_env`: the environment of an ``airflow`` child process.

    The interpreter's ``bin`` folder goes first on ``PATH``: ``airflow standalone`` starts its
    components as ``airflow …`` commands, which must be this venv's.
    """
    import sys

    env = {**os.environ, **airflow_env(settings)}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, *[p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin]])
    return env


def apply_airflow_env(settings: Settings | None = None) -> dict[str, str]:
    """Set :func:`airflow_env` in ``os.environ`` (before the first ``import airflow``)."""
    env = airflow_env(settings)
    os.environ.update(env)
    return env
