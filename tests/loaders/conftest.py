"""Loader tests: a fresh warehouse and CRM database per module, and a landing folder of its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def landing(fresh_warehouse, tmp_path_factory) -> Path:
    """An empty landing folder that ``SVCWH_LANDING_DIR`` points at (for this module)."""
    root = tmp_path_factory.mktemp("landing")
    mp = pytest.MonkeyPatch()
    mp.setenv("SVCWH_LANDING_DIR", str(root))
    yield root
    mp.undo()


def land(root: Path, source: str, day: date, files: dict[str, bytes], done: bool = True) -> Path:
    """Write a day's files (and its ``_done`` marker) the way the simulator lands them."""
    folder = root / source / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if done:
        (root / "_done").mkdir(exist_ok=True)
        (root / "_done" / day.isoformat()).write_bytes(b"")
    return folder


@pytest.fixture(scope="session")
def land_day():
    """:func:`land`, as a fixture."""
    return land


@pytest.fixture(scope="session")
def asterisk_samples() -> Path:
    """The real Asterisk files (session scope; the same folder as the ``samples_dir`` fixture)."""
    path = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "asterisk"
    if not path.is_dir():
        pytest.fail(f"the shared samples are missing: {path}")
    return path


def query(sql: str, params=()):
    """Rows of ``sql`` on the test warehouse."""
    from service_warehouse.warehouse import connect

    with connect() as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def sql():
    """:func:`query`, as a fixture."""
    return query
