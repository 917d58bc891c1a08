"""Prepare Superset's metadata and import the dashboards, in one process of Superset's own venv.

Run by ``svcwh superset`` (and the docker-compose ``superset`` service)::

    .superset-venv/bin/python superset/bootstrap.py --assets superset/assets --warehouse-uri URI

Steps (each idempotent): migrate the metadata database, sync roles and permissions, create the
admin user, import every asset in ``--assets`` (databases, datasets, charts, dashboards; existing
objects with the same uuid are overwritten, so the repository's YAML always wins).
The warehouse connection in ``databases/*.yaml`` is replaced by ``--warehouse-uri`` (the
``bi_reader`` login, no password); its password comes from ``SVCWH_BI_READER_PASSWORD`` at import
time and is never written to the repository. The admin password comes from
``SVCWH_SUPERSET_ADMIN_PASSWORD``. Exits 1 with the validation messages if an asset is invalid.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import yaml


def _read_assets(root: Path) -> dict[str, str]:
    if not (root / "metadata.yaml").is_file():
        raise SystemExit(f"bootstrap: error: {root} is not an asset folder (no metadata.yaml)")
    contents = {}
    for path in sorted(root.rglob("*.yaml")):
        contents[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return contents


def _point_databases(contents: dict[str, str], uri: str) -> None:
    """Every database in the bundle connects to ``uri`` (the warehouse as ``bi_reader``)."""
    for name in [n for n in contents if n.startswith("databases/")]:
        config = yaml.safe_load(contents[name])
        config["sqlalchemy_uri"] = uri
        contents[name] = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def _drop_charts_not_in_layout(contents: dict[str, str]) -> None:
    """Detach charts that a dashboard's YAML no longer lays out (Superset would append them below)."""
    from superset import db
    from superset.models.dashboard import Dashboard

    for name in [n for n in contents if n.startswith("dashboards/")]:
        config = yaml.safe_load(contents[name])
        wanted = {str(node["meta"]["uuid"]) for node in config["position"].values()
                  if isinstance(node, dict) and node.get("type") == "CHART"}
        dashboard = db.session.query(Dashboard).filter_by(uuid=config["uuid"]).one()
        dashboard.slices = [chart for chart in dashboard.slices if str(chart.uuid) in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=Path, required=True)
    parser.add_argument("--warehouse-uri", required=True, help="SQLAlchemy URI of the warehouse, no password")
    parser.add_argument("--admin", default=os.environ.get("SVCWH_SUPERSET_ADMIN", "admin"))
    args = parser.parse_args(argv)
    admin_password = os.environ.get("SVCWH_SUPERSET_ADMIN_PASSWORD")
    if not admin_password:
        raise SystemExit("bootstrap: error: SVCWH_SUPERSET_ADMIN_PASSWORD is not set")
    contents = _read_assets(args.assets)
    _point_databases(contents, args.warehouse_uri)
    password = os.environ.get("SVCWH_BI_READER_PASSWORD") or ""

    started = time.monotonic()
    from flask_migrate import upgrade

    import superset
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(Path(superset.__file__).parent / "migrations"))
        migrated = time.monotonic()
        from superset import db, security_manager
        from superset.extensions import appbuilder

        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        db.session.commit()
        user = security_manager.find_user(username=args.admin)
        if user is None:
            user = security_manager.add_user(
                args.admin, "Service", "Warehouse", f"{args.admin}@localhost",
                security_manager.find_role("Admin"), password=admin_password)
            if not user:
                raise SystemExit(f"bootstrap: error: could not create the user {args.admin!r}")
        else:
            security_manager.reset_password(user.id, admin_password)
        db.session.commit()
        initialised = time.monotonic()

        from superset.commands.exceptions import CommandInvalidError
        from superset.commands.importers.v1.examples import ImportExamplesCommand
        from superset.utils.core import override_user

        metadata = yaml.safe_load(contents["metadata.yaml"])
        metadata.pop("type", None)  # a bundle of every kind of asset, not of one
        contents["metadata.yaml"] = yaml.safe_dump(metadata)
        passwords = {n: password for n in contents if n.startswith("databases/")} if password else {}
        try:
            with override_user(user):
                ImportExamplesCommand(contents, overwrite=True, passwords=passwords).run()
        except CommandInvalidError as exc:
            for name, messages in sorted(exc.normalized_messages().items()):
                print(f"bootstrap: error: {args.assets / name}: {messages}", file=sys.stderr)
            return 1
        _drop_charts_not_in_layout(contents)
        db.session.commit()
        imported = time.monotonic()
    counts = {kind: sum(n.startswith(f"{kind}/") for n in contents) for kind in ("databases", "datasets", "charts", "dashboards")}
    print(f"bootstrap: metadata migrated in {migrated - started:.1f} s, roles and admin in "
          f"{initialised - migrated:.1f} s, imported {counts} in {imported - initialised:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
