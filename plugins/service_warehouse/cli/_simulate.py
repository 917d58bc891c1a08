"""``svcwh simulate``: generate simulated source data, one day at a time."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD", param_hint="--start") from None


def simulate_command(
    days: int = typer.Option(..., "--days", min=1, help="How many days to simulate."),
    start: str | None = typer.Option(None, "--start", help="First day (YYYY-MM-DD); default: after the last simulated day, or 2026-08-03."),
    preset: str | None = typer.Option(None, "--preset", help="tiny | demo | large (default: as before, or demo)."),
    seed: int | None = typer.Option(None, "--seed", help="Randomness seed (default: as before, or 42)."),
    defects: bool = typer.Option(False, "--defects", help="Inject bad input, recorded in <landing>/_manifest/defects.jsonl."),
    customers: int | None = typer.Option(None, "--customers", help="Customers on the first day instead of the preset's."),
    calls_per_day: int | None = typer.Option(None, "--calls-per-day", help="Queue calls on a weekday instead of the preset's."),
) -> None:
    """Play the CRM, the call centre and field service into the CRM database and the landing folder."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from service_warehouse.simulator import PRESETS, simulate

    first = _parse_date(start)
    if preset is not None and preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}: choose one of {', '.join(PRESETS)}", param_hint="--preset")
    console = Console()
    with Progress(TextColumn("[bold]simulating[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("", total=days)

        def advance(day_summary) -> None:
            bar.update(task, advance=1, description=str(day_summary.day))

        summary = simulate(days, start=first, preset=preset, seed=seed, defects=defects, customers=customers,
                           calls_per_day=calls_per_day, progress=advance)
    console.print(summary.line(), soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``svcwh simulate`` to the command line."""
    app.command("simulate")(simulate_command)
