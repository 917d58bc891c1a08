"""Connection URLs and the idempotent set-up of databases and base schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from service_warehouse.config import Settings, get_settings
from service_warehouse.errors import WarehouseError
from service_warehouse.warehouse import embedded

SQL_DIR = Path(__file__).with_name("sql")


@dataclass(frozen=True)
class Endpoints:
    """libpq URLs of the three databases the product uses."""

    warehouse: str
    crm: str
    airflow: str


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _endpoints(settings: Settings, start: bool) -> Endpoints:
    if settings.warehouse_url:
        base = settings.warehouse_url
        crm = settings.crm_url or _with_database(base, settings.crm_db)
        return Endpoints(warehouse=base, crm=crm, airflow=_with_database(base, settings.airflow_db))
    info = embedded.start(settings) if start else embedded.status(settings)
    if info is None:
        raise WarehouseError("the embedded warehouse is not running: start it with `svcwh warehouse start`")
    return Endpoints(
        warehouse=info.dsn(settings.warehouse_db),
        crm=settings.crm_url or info.dsn(settings.crm_db),
        airflow=info.dsn(settings.airflow_db),
    )


def warehouse_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """libpq URL of the warehouse database (starts the embedded server when needed)."""
    return _endpoints(settings or get_settings(), start).warehouse


def crm_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """libpq URL of the (simulated) CRM source database."""
    return _endpoints(settings or get_settings(), start).crm


def sqlalchemy_url(url: str, driver: str = "psycopg") -> str:
    """The same URL with a SQLAlchemy driver name (``postgresql+psycopg://…``)."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+{driver}://{rest}" if scheme in ("postgresql", "postgres") else url


def airflow_sqlalchemy_url(settings: Settings | None = None) -> str:
    """SQLAlchemy URL of Airflow's own metadata database (a database of its own)."""
    return sqlalchemy_url(_endpoints(settings or get_settings(), True).airflow)


def connect(url: str | None = None, **kwargs):
    """A psycopg 3 connection to the warehouse (or to ``url``)."""
    import psycopg

    url = url or warehouse_url()
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        host = urlsplit(url).hostname
        raise WarehouseError(f"cannot connect to PostgreSQL at {host}: {str(exc).strip()}") from exc


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def ensure_ready(settings: Settings | None = None) -> Endpoints:
    """Start (embedded) or reach the server, create the databases and the base schemas.

    Idempotent and cheap when everything exists: safe at the start of every command and task.
    """
    import psycopg

    settings = settings or get_settings()
    endpoints = _endpoints(settings, start=True)
    admin = _with_database(endpoints.warehouse, "postgres")
    try:
        for url in (endpoints.warehouse, endpoints.crm, endpoints.airflow):
            # create each database on the server that holds it
            _ensure_database(_with_database(url, "postgres"), urlsplit(url).path.lstrip("/"))
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"cannot reach PostgreSQL at {urlsplit(admin).hostname}: {str(exc).strip()}") from exc
    with psycopg.connect(endpoints.warehouse, autocommit=True) as conn:
        # one session at a time applies the DDL (concurrent tasks start together)
        conn.execute("select pg_advisory_lock(hashtext('svcwh.schema'))")
        try:
            for path in sorted(SQL_DIR.glob("*.sql")):
                conn.execute(path.read_text())
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('svcwh.schema'))")
    return endpoints


def libpq_env(url: str | None = None) -> dict[str, str]:
    """``WAREHOUSE_HOST``/``PORT``/``USER``/``PASSWORD``/``DB`` for dbt's ``profiles.yml`` and GX.

    dbt and Great Expectations read the connection from the environment, never from a file in
    the repo; this turns the one URL setting into the variables they read.
    """
    url = url or warehouse_url()
    parts = urlsplit(url)
    return {
        "WAREHOUSE_HOST": parts.hostname or "127.0.0.1",
        "WAREHOUSE_PORT": str(parts.port or 5432),
        "WAREHOUSE_USER": parts.username or "postgres",
        "WAREHOUSE_PASSWORD": parts.password or "",
        "WAREHOUSE_DB": parts.path.lstrip("/") or "warehouse",
        "WAREHOUSE_GX_URL": sqlalchemy_url(url, "psycopg2"),
    }
