"""The gate's thresholds (expectations/thresholds.yml) and access to the suite modules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from service_warehouse.config import get_settings

_REQUIRED = {
    "raw": ["day_overrun_hours", "quarantine_share", "volume"],
    "marts": ["rate_exclusions", "kpi_swings", "pii"],
}


def load_thresholds(path: Path | None = None) -> dict[str, Any]:
    """Read and check ``thresholds.yml`` (default: the one in the expectations folder)."""
    import yaml

    path = path or get_settings().expectations_dir / "thresholds.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"{path}: the data-quality thresholds file is missing") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    for section, keys in _REQUIRED.items():
        if not isinstance(data.get(section), dict):
            raise ValueError(f"{path}: section {section!r} is missing")
        missing = [k for k in keys if k not in data[section]]
        if missing:
            raise ValueError(f"{path}: {section}: missing {', '.join(missing)}")
    data.setdefault("severity_overrides", {})
    return data


def suites_module():
    """The ``dq_suites`` package from the expectations folder (put on the path on first use)."""
    folder = str(get_settings().expectations_dir)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import dq_suites

    return dq_suites
