"""The landing folder: which days have landed, which files a day holds, their checksums.

The root is ``SVCWH_LANDING_DIR``: a local folder, or an object-store URL (``s3://…``) read
through Airflow's ``ObjectStoragePath`` — both offer the same path operations, so the loaders
do not care which it is.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service_warehouse.config import get_settings

#: The files of each file source, in load order: (file name, raw table, parser key).
SOURCE_FILES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "calls": (
        ("Master.csv", "raw.cdr", "cdr"),
        ("queue_log", "raw.queue_log", "queue_log"),
        ("qa_evaluations.csv", "raw.qa_evaluations", "qa"),
    ),
    "repairs": (("work_orders.jsonl", "raw.work_orders", "work_orders"),),
}


def landing_root():
    """The landing root as a path object (``pathlib.Path`` or Airflow ``ObjectStoragePath``)."""
    value = os.environ.get("SVCWH_LANDING_DIR", "")
    if "://" in value:
        from airflow.sdk import ObjectStoragePath  # only when the landing is an object store

        return ObjectStoragePath(value)
    return get_settings().landing_dir


def landed_days(root=None) -> list[date]:
    """Days with a ``_done/<date>`` marker (the day has fully landed), in date order."""
    root = root if root is not None else landing_root()
    done = root / "_done"
    if not done.exists():
        return []
    days = []
    for entry in done.iterdir():
        try:
            days.append(date.fromisoformat(entry.name))
        except ValueError:
            continue  # not a marker (e.g. an editor's backup file)
    return sorted(days)


@dataclass(frozen=True)
class LandedFile:
    """One file of a day: where it is, its name relative to the landing root, size and sha256."""

    path: object
    relative: str
    size: int
    sha256: str


def checksum(path) -> tuple[int, str]:
    """(size in bytes, sha256 hex) read in 1 MiB chunks: memory stays flat."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def relative_name(root, path) -> str:
    """``calls/2026-08-03/Master.csv``: the name recorded in raw and audit."""
    if isinstance(root, Path) and isinstance(path, Path):
        return path.relative_to(root).as_posix()
    return str(path)[len(str(root)) :].lstrip("/")
