"""Orchestration: the Airflow environment, the nightly DAG's task callables and callbacks.

The DAG files in ``dags/`` only wire these together. Importing this package is cheap and does
not import Airflow; :mod:`._assets` and :mod:`._cosmos` (which do) are loaded on first use.
"""

from __future__ import annotations

from typing import Any

from service_warehouse.orchestration._calendar import as_of, local_day, logical_datetime, parse_day
from service_warehouse.orchestration._env import (
    CRM_CONN_ID,
    DAGS_FOLDER,
    WAREHOUSE_CONN_ID,
    airflow_env,
    airflow_home,
    apply_airflow_env,
    child_env,
)

DAG_ID = "service_warehouse_nightly"

__all__ = [
    "CRM_CONN_ID",
    "DAGS_FOLDER",
    "DAG_ID",
    "MARTS_PUBLISHED",
    "RAW_ASSETS",
    "WAREHOUSE_CONN_ID",
    "airflow_env",
    "airflow_home",
    "apply_airflow_env",
    "as_of",
    "child_env",
    "local_day",
    "logical_datetime",
    "parse_day",
]


def __getattr__(name: str) -> Any:
    """Lazy exports that import Airflow: the assets."""
    if name in ("RAW_ASSETS", "MARTS_PUBLISHED"):
        from service_warehouse.orchestration import _assets

        return getattr(_assets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
