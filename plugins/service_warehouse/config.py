"""Settings read from the environment, with defaults that point at the embedded warehouse.

One setting decides where each database is: ``WAREHOUSE_URL`` for the warehouse and
``CRM_URL`` for the simulated CRM source. When unset, the embedded PostgreSQL server
(see :mod:`service_warehouse.warehouse.embedded`) is started on demand and used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

#: The repository root (``plugins/service_warehouse/config.py`` → three levels up).
REPO_ROOT = Path(__file__).resolve().parents[2]


#: The two schemas dbt builds the marts into in turn (blue/green); `marts` holds only views on one.
BUILD_SCHEMAS = ("marts_blue", "marts_green")


def require_build_schema(build_schema: str) -> str:
    """``build_schema`` if it is one of :data:`BUILD_SCHEMAS`, else a ValueError naming both."""
    if build_schema not in BUILD_SCHEMAS:
        raise ValueError(f"build schema must be one of {BUILD_SCHEMAS}, not {build_schema!r}")
    return build_schema


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Every path and setting the product reads, resolved once from the environment."""

    data_dir: Path
    landing_dir: Path
    reports_dir: Path
    pg_port: int
    pg_version: int
    warehouse_url: str | None
    crm_url: str | None
    warehouse_db: str
    crm_db: str
    airflow_db: str
    centre_tz: ZoneInfo
    cdr_tz: ZoneInfo
    dbt_project_dir: Path
    dbt_target_dir: Path
    expectations_dir: Path

    @property
    def pgdata(self) -> Path:
        """Data directory of the embedded server."""
        return self.data_dir / "pgdata"

    @property
    def embedded(self) -> bool:
        """True when the warehouse is the embedded server (no ``WAREHOUSE_URL``)."""
        return self.warehouse_url is None


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where you need it)."""
    data_dir = _path("SVCWH_DATA_DIR", REPO_ROOT / ".warehouse")
    centre_tz = ZoneInfo(os.environ.get("SVCWH_CENTRE_TZ", "Asia/Shanghai"))
    dbt_project_dir = _path("SVCWH_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")
    return Settings(
        data_dir=data_dir,
        landing_dir=_path("SVCWH_LANDING_DIR", data_dir / "landing"),
        reports_dir=_path("SVCWH_REPORTS_DIR", data_dir / "reports"),
        pg_port=int(os.environ.get("SVCWH_PG_PORT", "55432")),
        pg_version=int(os.environ.get("SVCWH_PG_VERSION", "16")),
        warehouse_url=os.environ.get("WAREHOUSE_URL") or None,
        crm_url=os.environ.get("CRM_URL") or None,
        warehouse_db=os.environ.get("SVCWH_WAREHOUSE_DB", "warehouse"),
        crm_db=os.environ.get("SVCWH_CRM_DB", "crm"),
        airflow_db=os.environ.get("SVCWH_AIRFLOW_DB", "airflow"),
        centre_tz=centre_tz,
        cdr_tz=ZoneInfo(os.environ.get("SVCWH_CDR_TZ", str(centre_tz))),
        dbt_project_dir=dbt_project_dir,
        # dbt's target folder (manifest, run results, partial parse): processes that run dbt at
        # the same time on one checkout (parallel test workers) each need their own
        dbt_target_dir=_path("SVCWH_DBT_TARGET_DIR", dbt_project_dir / "target"),
        expectations_dir=_path("SVCWH_EXPECTATIONS_DIR", REPO_ROOT / "expectations"),
    )
