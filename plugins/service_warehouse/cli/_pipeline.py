"""``svcwh demo | run | runs | airflow-ui | airflow``: the pipeline, always through the real Airflow.

``demo`` is the run command: simulated history → one DAG run that catches up → summary.
``run`` runs the nightly DAG for a day or a range of days, in order; ``runs`` lists the latest
runs; ``airflow-ui`` starts Airflow (API server, scheduler, DAG processor, triggerer) on the
embedded warehouse; ``airflow -- …`` runs any Airflow command with the right environment.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import date, timedelta
from typing import Annotated

import typer
from rich.console import Console

from service_warehouse.errors import ServiceWarehouseError

# wide enough for the summary table when the output is a file or a CI log
console = Console() if sys.stdout.isatty() else Console(width=120)


class RunFailed(ServiceWarehouseError):
    """A DAG run ended in failure (what failed is printed above, from the audit trail)."""

#: The simulated history of the demo (docs/ARCHITECTURE.md, "Calendar").
DEMO_START = date(2026, 8, 3)
DEMO_DAYS = 90

#: Parts of the product the run command drives, and what each one is.
PARTS = (
    ("service_warehouse.simulator", "simulate", "source simulator"),
    ("service_warehouse.loaders", "load_pending", "loaders"),
    ("service_warehouse.transform", "build_manifest", "dbt transform"),
    ("service_warehouse.quality", "run_mart_suites", "data-quality gate"),
    ("service_warehouse.publish", "publish", "publication"),
)


def missing_parts() -> dict[str, str]:
    """The parts the pipeline needs that are not in this checkout yet: label → what is missing."""
    missing = {}
    for module, attr, label in PARTS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                missing[label] = module
                continue
            raise
        if not hasattr(mod, attr):
            missing[label] = f"{module}.{attr}"
    return missing


def _progress(line: str) -> None:
    """Show the run's progress: one line per task finished (the full log goes to a file)."""
    if "[DAG TEST] end task" in line:
        task = line.split("task_id=", 1)[1].split()[0] if "task_id=" in line else "?"
        console.print(f"  [dim]done[/dim] {task}")
    elif line.startswith("svcwh-run "):
        _, day, state, *_ = line.split()
        colour = "green" if state == "success" else "red"
        console.print(f"  run for {day}: [{colour}]{state}[/{colour}]")


def _run_days(first: date, last: date, conf: dict, kind: str) -> bool:
    from service_warehouse.orchestration import _airflow_cli
    from service_warehouse.orchestration._audit import recent_events

    log_file = _airflow_cli.default_log_file(kind)
    console.print(f"Airflow: running DAG service_warehouse_nightly for {first}"
                  f"{'' if first == last else f' … {last}'} (full log: {log_file})")
    results = _airflow_cli.run_dag_days(first, last, conf, log_file=log_file, on_line=_progress)
    ok = bool(results) and all(state == "success" for _, state in results) and len(results) == (last - first).days + 1
    if not ok:
        console.print("[red]the run failed[/red]; what the audit trail says:")
        for event in recent_events(limit=6):
            if event.event in ("task_failed", "run_failed"):
                console.print(f"  {event.message}\n    see {event.log_location}")
        console.print(f"  full Airflow log: {log_file}")
    return ok


def _ensure_manifest() -> None:
    """Build the dbt manifest Cosmos reads, ahead of parsing the DAG (``dbt parse``)."""
    from service_warehouse.orchestration._tasks import _part

    build_manifest = _part("service_warehouse.transform", "build_manifest")
    with console.status("dbt parse (the manifest the DAG's dbt tasks are built from)"):
        build_manifest()


def _simulate_history(days: int, start: date) -> None:
    """Simulate the demo history unless it has landed already (the demo is re-runnable)."""
    from service_warehouse.config import get_settings

    last = start + timedelta(days=days - 1)
    if (get_settings().landing_dir / "_done" / last.isoformat()).exists():
        console.print(f"Simulated history {start} … {last}: already landed")
        return
    simulate = importlib.import_module("service_warehouse.simulator").simulate
    with console.status(f"simulating {days} days of CRM, call-centre and repair data from {start}"):
        simulate(days=days, start=start, preset="demo")
    console.print(f"Simulated history {start} … {last}: landed")


def _checked(fn, *args):
    """Call a parser; its ValueError becomes a usage error naming the bad value."""
    try:
        return fn(*args)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add the pipeline verbs to ``svcwh``."""

    @app.command()
    def demo(
        days: Annotated[int, typer.Option(help="days of simulated history")] = DEMO_DAYS,
        start: Annotated[str, typer.Option(help="first simulated day")] = DEMO_START.isoformat(),
    ) -> None:
        """The run command: simulate the history, run the nightly DAG once (it catches up), summarise."""
        from service_warehouse.orchestration import _airflow_cli, parse_day
        from service_warehouse.orchestration._summary import collect, render
        from service_warehouse.warehouse import ensure_ready

        first = _checked(parse_day, start, "--start")
        last = first + timedelta(days=days - 1)
        ensure_ready()
        missing = missing_parts()
        if missing:
            console.print("[yellow]Not built yet:[/yellow] "
                          + "; ".join(f"{label} ({what})" for label, what in missing.items()))
        if "source simulator" not in missing:
            _simulate_history(days, first)
        if "dbt transform" not in missing:
            _ensure_manifest()
        with console.status("airflow db migrate"):
            _airflow_cli.migrate()
        ok = _run_days(last, last, {}, "demo")
        console.rule("Summary")
        render(collect(), console)
        if not ok:
            raise RunFailed(f"the nightly run for {last} failed: the marts were not published for it (see above)")

    @app.command()
    def run(
        date_: Annotated[str | None, typer.Option("--date", help="the local day to process (YYYY-MM-DD)")] = None,
        from_: Annotated[str | None, typer.Option("--from", help="first day of a range")] = None,
        to: Annotated[str | None, typer.Option("--to", help="last day of a range")] = None,
        full_refresh: Annotated[bool, typer.Option("--full-refresh", help="rebuild incremental models")] = False,
        sources: Annotated[str | None, typer.Option(help="comma-separated: crm,calls,repairs")] = None,
    ) -> None:
        """Run the nightly DAG through Airflow for one day, or each day of a range in order."""
        from service_warehouse.orchestration import _airflow_cli, parse_day
        from service_warehouse.orchestration._tasks import selected_sources
        from service_warehouse.warehouse import ensure_ready

        if date_ and (from_ or to):
            raise typer.BadParameter("give either --date or --from/--to, not both")
        if date_:
            first = last = _checked(parse_day, date_, "--date")
        elif from_ and to:
            first, last = _checked(parse_day, from_, "--from"), _checked(parse_day, to, "--to")
            if last < first:
                raise typer.BadParameter(f"--to {last} is before --from {first}")
        else:
            raise typer.BadParameter("give --date D, or --from D1 --to D2")
        conf: dict = {"full_refresh": full_refresh}
        if sources:
            conf["sources"] = _checked(selected_sources, {"sources": sources})
        ensure_ready()
        if "dbt transform" not in missing_parts():
            _ensure_manifest()
        _airflow_cli.migrate()
        if not _run_days(first, last, conf, "run"):
            raise RunFailed(f"a nightly run between {first} and {last} failed (see above); later days were not run")

    @app.command()
    def runs(limit: Annotated[int, typer.Option(help="how many runs")] = 10) -> None:
        """The latest runs of the nightly DAG (Airflow) and the latest audit events."""
        from rich.table import Table

        from service_warehouse.orchestration import DAG_ID
        from service_warehouse.orchestration._audit import recent_events
        from service_warehouse.warehouse import connect, ensure_ready

        endpoints = ensure_ready()
        table = Table(title=f"Latest runs of {DAG_ID}", title_justify="left")
        for col in ("run id", "day", "state", "ended (UTC)"):
            table.add_column(col)
        try:
            with connect(endpoints.airflow) as conn:
                rows = conn.execute(
                    "select run_id, logical_date, state, start_date, end_date, conf from dag_run"
                    " where dag_id = %s order by id desc limit %s", (DAG_ID, limit)).fetchall()
        except Exception as exc:
            raise ServiceWarehouseError(f"cannot read Airflow's runs (run `svcwh airflow -- db migrate`?): {exc}") from None
        from service_warehouse.orchestration._tasks import run_day

        for run_id, logical, state, started, ended, conf in rows:
            try:
                day = run_day(logical, dict(conf or {})).isoformat()
            except Exception:
                day = "?"
            table.add_row(run_id, day, str(state),
                          f"{ended:%Y-%m-%d %H:%M:%S}" if ended else "-")
        console.print(table)
        events = recent_events(limit=limit)
        if events:
            console.print("[bold]Audit trail (audit.pipeline_events), newest first:[/bold]")
            for e in events:
                console.print(f"  {e.created_at:%Y-%m-%d %H:%M:%S} {e.event:<15} {e.message}")

    @app.command("airflow-ui")
    def airflow_ui(port: Annotated[int, typer.Option(help="port of the Airflow UI / API server")] = 8080) -> None:
        """Start Airflow (standalone: API server + scheduler + DAG processor + triggerer) on the warehouse."""
        import os

        from service_warehouse.orchestration import _airflow_cli
        from service_warehouse.orchestration._env import child_env
        from service_warehouse.warehouse import ensure_ready

        ensure_ready()
        if "dbt transform" not in missing_parts():
            _ensure_manifest()
        _airflow_cli.migrate()
        password, path = _airflow_cli.ensure_ui_password()
        env = child_env()
        env["AIRFLOW__API__PORT"] = str(port)
        env["AIRFLOW__API__BASE_URL"] = f"http://localhost:{port}"
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://localhost:{port}/execution/"
        env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(path)
        console.print(f"Airflow UI: [bold]http://localhost:{port}[/bold]   login: admin / {password}"
                      f"   (password kept in {path})")
        console.print("Stop with Ctrl-C. Metadata: database `airflow` of the warehouse server.")
        try:
            subprocess.run(_airflow_cli.airflow_command("standalone"), env=env, check=False, cwd=os.getcwd())
        except KeyboardInterrupt:
            console.print("Airflow stopped")

    @app.command(
        "airflow",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def airflow_passthrough(ctx: typer.Context) -> None:
        """Any Airflow command with the warehouse's environment: `svcwh airflow -- dags list`."""
        from service_warehouse.orchestration import _airflow_cli
        from service_warehouse.orchestration._env import child_env
        from service_warehouse.warehouse import ensure_ready

        ensure_ready()
        proc = subprocess.run(_airflow_cli.airflow_command(*ctx.args), env=child_env(), check=False)
        if proc.returncode:
            raise typer.Exit(proc.returncode)
