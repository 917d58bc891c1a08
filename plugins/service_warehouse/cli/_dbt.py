"""``svcwh dbt-manifest`` and ``svcwh dbt -- <args>``: dbt with the warehouse's connection."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    """Add the dbt verbs to the ``svcwh`` app."""

    @app.command("dbt-manifest")
    def dbt_manifest() -> None:
        """Parse the dbt project and write target/manifest.json (what Cosmos loads: no dbt at DAG parse)."""
        from service_warehouse.transform import build_manifest

        path = build_manifest()
        console.print(f"dbt manifest written: {path}")

    @app.command(
        "dbt",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def dbt(
        ctx: typer.Context,
        build_schema: Annotated[
            str, typer.Option(help="build schema the marts go to (never `marts`, which only holds views)")
        ] = "marts_blue",
    ) -> None:
        """Run any dbt command against the warehouse, e.g. `svcwh dbt -- docs generate`."""
        from service_warehouse.transform import run_dbt

        run_dbt(list(ctx.args), build_schema=build_schema)
