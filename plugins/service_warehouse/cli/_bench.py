"""``svcwh bench -- <suite args>``: the benchmark suite (``bench/suite.py`` of the repository)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from service_warehouse.errors import ServiceWarehouseError

#: The suite lives beside the package in the repository (plugins/service_warehouse → bench/).
SUITE = Path(__file__).resolve().parents[3] / "bench" / "suite.py"


def register(app: typer.Typer) -> None:
    """Add the bench verb to the ``svcwh`` app."""

    @app.command("bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def bench(ctx: typer.Context) -> None:
        """The benchmark suite: ingest, nightly at 90 / 365 days, full rebuild, DAG, dashboard queries.

        Arguments after `--` go to bench/suite.py, e.g. `svcwh bench -- --days 365 --short 90`;
        `svcwh bench -- --help` lists them. Prints a table of figures beside their references.
        """
        if not SUITE.is_file():
            raise ServiceWarehouseError(f"the benchmark suite is not in this installation: {SUITE} is missing")
        code = subprocess.call([sys.executable, str(SUITE), *ctx.args])
        if code:
            raise SystemExit(code)  # the suite's own exit code (2: a bad argument, named on stderr)
