"""Where the warehouse is, and connections to it.

``WAREHOUSE_URL`` (and ``CRM_URL`` for the simulated CRM) point at an existing PostgreSQL
server; when unset, the embedded server is started on demand. :func:`ensure_ready` creates the
databases and base schemas (idempotent) and returns the connection URLs.
"""

from __future__ import annotations

from service_warehouse.warehouse.db import (
    Endpoints,
    airflow_sqlalchemy_url,
    connect,
    crm_url,
    ensure_ready,
    libpq_env,
    sqlalchemy_url,
    warehouse_url,
)

__all__ = [
    "Endpoints",
    "airflow_sqlalchemy_url",
    "connect",
    "crm_url",
    "ensure_ready",
    "libpq_env",
    "sqlalchemy_url",
    "warehouse_url",
]
