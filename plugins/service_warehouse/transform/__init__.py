"""Running dbt from Python: the transform step of the nightly pipeline.

:func:`run_dbt` runs a dbt command in-process (``dbtRunner``) against the warehouse, with the
connection taken from :func:`service_warehouse.warehouse.libpq_env` and the marts built into
the given build schema; :func:`build_manifest` writes ``target/manifest.json`` for Cosmos.
Importing this package is cheap: dbt is imported only when a command runs.
"""

from __future__ import annotations

from service_warehouse.transform._dbt import (
    BUILD_SCHEMAS,
    DbtRunError,
    build_manifest,
    run_dbt,
)

__all__ = ["BUILD_SCHEMAS", "DbtRunError", "build_manifest", "run_dbt"]
