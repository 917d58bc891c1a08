"""The ``svcwh`` command line for data engineers.

Each verb group lives in a module of its own and is registered here; every error the product
raises on purpose (:class:`~service_warehouse.errors.ServiceWarehouseError`) is printed as one
clear line on stderr with exit code 2, not as a traceback.
"""

from __future__ import annotations

import sys

import typer

from service_warehouse.cli import _warehouse
from service_warehouse.errors import ServiceWarehouseError

app = typer.Typer(
    name="svcwh",
    help="The customer-service data warehouse: embedded server, simulator, pipeline runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_warehouse.app, name="warehouse")

# Verb groups added by later parts register themselves here (optional until they exist).
for _module, _name in (
    ("service_warehouse.cli._simulate", None),
    ("service_warehouse.cli._load", None),
    ("service_warehouse.cli._pipeline", None),
    ("service_warehouse.cli._dbt", None),
    ("service_warehouse.cli._superset", None),
    ("service_warehouse.cli._bench", None),
):
    try:
        _mod = __import__(_module, fromlist=["register"])
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:
            raise
        continue
    _mod.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``svcwh``: run the app, turning product errors into one-line messages."""
    try:
        app(args=argv, standalone_mode=False)
    except ServiceWarehouseError as exc:
        print(f"svcwh: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except ModuleNotFoundError as exc:
        print(f"svcwh: error: missing dependency '{exc.name}': run `make setup`", file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as exc:
        # usage errors (typer vendors click: match them by what they offer, not by class)
        if callable(getattr(exc, "show", None)) and hasattr(exc, "exit_code"):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        if type(exc).__name__ == "Abort":
            raise SystemExit(1) from None
        raise
