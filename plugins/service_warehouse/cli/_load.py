"""``svcwh load --date D | --up-to D [--source crm|calls|repairs] [--force]``: land source data in raw."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from service_warehouse.errors import ServiceWarehouseError

console = Console()
err_console = Console(stderr=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ServiceWarehouseError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


def load_command(
    day: str | None = typer.Option(None, "--date", help="Load this one logical day (YYYY-MM-DD) again or for the first time."),
    up_to: str | None = typer.Option(None, "--up-to", help="Load every landed day up to this date not loaded yet."),
    source: list[str] = typer.Option([], "--source", help="crm, calls or repairs (repeatable; default: all three)."),
    force: bool = typer.Option(False, "--force", help="With --date: reload even when the files are identical."),
    run_id: str | None = typer.Option(None, "--run-id", help="Recorded on the batches (default: cli)."),
) -> None:
    """Load landed days into raw: one audited batch per source and day; exit 1 if any failed."""
    from service_warehouse.loaders import SOURCES, load_day, load_pending
    from service_warehouse.warehouse import ensure_ready

    one, until = _day(day, "--date"), _day(up_to, "--up-to")
    if (one is None) == (until is None):
        raise ServiceWarehouseError("give exactly one of --date D or --up-to D")
    if force and one is None:
        raise ServiceWarehouseError("--force goes with --date (a day to reload)")
    sources = tuple(source) or SOURCES
    for name in sources:
        if name not in SOURCES:
            raise ServiceWarehouseError(f"unknown --source {name!r}: choose from {', '.join(SOURCES)}")
    run_id = run_id or "cli"
    if one is not None:
        ensure_ready()
        results = [load_day(name, one, run_id=run_id, force=force) for name in sources]
    else:
        results = load_pending(until, sources, run_id=run_id)
    table = Table("source", "date", "batch", "status", "read", "loaded", "quarantined", "seconds")
    for r in results:
        style = {"failed": "red", "skipped": "yellow"}.get(r.status, "")
        table.add_row(
            r.source, str(r.logical_date), str(r.batch_id or ""), f"[{style}]{r.status}[/]" if style else r.status,
            str(r.rows_read), str(r.rows_loaded), str(r.rows_quarantined), f"{r.seconds:.2f}",
        )  # fmt: skip
    if results:
        console.print(table)
    else:
        console.print("nothing to load: every landed day is loaded")
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        err_console.print(f"[red]failed[/] {r.source} {r.logical_date} (batch {r.batch_id}): {r.error}")
    if failed:
        # SystemExit, not typer.Exit: the app runs with standalone_mode=False, which would swallow it
        raise SystemExit(1)


def register(app: typer.Typer) -> None:
    """Add ``svcwh load`` to the command line."""
    app.command("load")(load_command)
