"""``svcwh warehouse start|stop|status``: the embedded PostgreSQL server."""

from __future__ import annotations

import typer
from rich.console import Console

from service_warehouse.config import get_settings

app = typer.Typer(help="Start, stop and inspect the embedded PostgreSQL warehouse.", no_args_is_help=True)
console = Console()


@app.command()
def start() -> None:
    """Start the embedded server (reused if running) and create the databases and schemas."""
    from service_warehouse.warehouse import ensure_ready

    settings = get_settings()
    endpoints = ensure_ready(settings)
    where = "embedded" if settings.embedded else "external (WAREHOUSE_URL)"
    console.print(f"warehouse ready ({where}): [bold]{endpoints.warehouse}[/bold]")
    console.print(f"CRM source database:     {endpoints.crm}")
    console.print(f"Airflow metadata:        {endpoints.airflow}")
    from service_warehouse.publish import apply_role_passwords

    # roles come from warehouse/sql/040_roles.sql; their passwords only from the environment
    changed = apply_role_passwords(endpoints.warehouse)
    if changed:
        console.print(f"role passwords set from the environment: {', '.join(changed)}")


@app.command()
def stop() -> None:
    """Stop the embedded server."""
    from service_warehouse.warehouse import embedded

    if embedded.stop(get_settings()):
        console.print("embedded warehouse stopped")
    else:
        console.print("embedded warehouse was not running")


@app.command()
def status() -> None:
    """Say whether the embedded server runs and where it listens."""
    from service_warehouse.warehouse import embedded

    settings = get_settings()
    if not settings.embedded:
        console.print(f"WAREHOUSE_URL is set: the warehouse is external ({settings.warehouse_url})")
        return
    info = embedded.status(settings)
    if info is None:
        console.print(f"embedded warehouse: not running (data in {settings.pgdata})")
        raise typer.Exit(1)
    console.print(
        f"embedded warehouse: running, PostgreSQL {info.version}, pid {info.pid}, "
        f"127.0.0.1:{info.port} and socket {info.socket_dir}"
    )
