"""``svcwh superset``: the dashboards (Apache Superset) on the embedded warehouse, provisioned from the repo."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``superset`` verb to ``svcwh``."""

    @app.command()
    def superset(
        port: Annotated[int, typer.Option(help="port of the Superset web server on 127.0.0.1")] = 8088,
        workers: Annotated[int, typer.Option(help="gunicorn worker processes (each ~340 MB)")] = 2,
        import_only: Annotated[bool, typer.Option("--import-only", help="set up and import, do not serve")] = False,
    ) -> None:
        """Set up Superset's venv, import superset/assets (as bi_reader), serve and print the URL and login."""
        import time

        from service_warehouse import dashboards
        from service_warehouse.warehouse import ensure_ready

        started = time.monotonic()
        endpoints = ensure_ready()
        from service_warehouse.publish import apply_role_passwords

        apply_role_passwords(endpoints.warehouse)
        console.print(f"Superset environment: {dashboards.ensure_venv().parent}")
        where = dashboards.home()
        console.print(dashboards.bootstrap(where, endpoints.warehouse))
        if import_only:
            return
        proc = dashboards.serve(where, port=port, workers=workers)
        console.print(f"Superset ready in {time.monotonic() - started:.0f} s: [bold]http://localhost:{port}[/bold]"
                      f"   login: {where.admin_user} / {where.admin_password}"
                      f"   (password kept in {where.path / 'admin_password'} unless SVCWH_SUPERSET_ADMIN_PASSWORD is set)")
        console.print("Dashboards: " + ", ".join(
            f"http://localhost:{port}/superset/dashboard/{slug}/" for slug in dashboards.dashboard_slugs()))
        console.print(f"Logs in {where.log_dir}. Stop with Ctrl-C.")
        import signal

        def _interrupt(signum, frame):  # a plain `kill` stops the web server too
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _interrupt)
        try:
            proc.wait()
        except KeyboardInterrupt:
            pass
        finally:
            dashboards.stop(proc)
