"""Which models are marts: what the gate validates and what a publication exposes."""

from __future__ import annotations

import json
from pathlib import Path

from service_warehouse.config import get_settings


def manifest_marts(manifest: Path | None = None) -> list[str] | None:
    """The mart relations named by dbt's manifest (models under ``models/marts/``).

    None when there is no manifest or it names no marts (the project is not built yet).
    """
    path = manifest or get_settings().dbt_target_dir / "manifest.json"
    if not path.is_file():
        return None
    try:
        nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the dbt manifest: {exc}") from exc
    names = {
        node.get("alias") or node["name"]
        for node in nodes.values()
        if node.get("resource_type") in ("model", "snapshot")
        and str(node.get("original_file_path", "")).replace("\\", "/").startswith("models/marts/")
        and (node.get("config") or {}).get("enabled", True)
        and (node.get("config") or {}).get("materialized") != "ephemeral"
    }
    return sorted(names) or None


def mart_models(build_schema: str | None = None) -> list[str]:
    """The marts, sorted: from dbt's manifest if it names any, else the tables in ``build_schema``.

    Args:
        build_schema: the schema to list when there is no manifest (``marts_blue``/``marts_green``).
    """
    names = manifest_marts()
    if names is not None:
        return names
    if build_schema is None:
        return []
    from service_warehouse.warehouse import connect

    with connect() as conn:
        rows = conn.execute(
            "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm') order by c.relname",
            (build_schema,)).fetchall()
    return [r[0] for r in rows]
