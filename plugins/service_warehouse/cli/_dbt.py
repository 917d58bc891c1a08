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
            str | None,
            typer.Option(help="build schema for the marts (default: the one that is not live)"),
        ] = None,
    ) -> None:
        """Run any dbt command against the warehouse, e.g. `svcwh dbt -- docs generate`.

        The marts go to the build schema that dashboards do not read: never the live one, whose
        tables the published `marts` views point at (dbt's table swap would drop those views).
        """
        from service_warehouse.errors import ServiceWarehouseError
        from service_warehouse.publish import choose_build_schema, live_schema
        from service_warehouse.transform import run_dbt

        build_schema = build_schema or choose_build_schema()
        if build_schema == live_schema():
            raise ServiceWarehouseError(
                f"{build_schema} is live (the published marts read it): build into the other schema"
            )
        run_dbt(list(ctx.args), build_schema=build_schema)
