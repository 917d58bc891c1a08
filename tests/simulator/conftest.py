"""Simulated histories shared by the simulator tests: each in a CRM database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

FIRST_DAY = "2026-09-28"  # covers the National Day holiday (Oct 1-7) and its adjusted working days


@pytest.fixture(scope="module")
def new_crm(pg_server) -> Callable[[str], str]:
    """Create an empty CRM database; returns its URL."""
    import psycopg

    made: list[str] = []

    def make(tag: str) -> str:
        name = f"crm_sim_{tag}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        made.append(name)
        return pg_server.dsn(name)

    return make  # left in place like fresh_warehouse's (dropping costs seconds of checkpoint)


@pytest.fixture(scope="module")
def dump_crm() -> Callable[[str], dict[str, list[tuple]]]:
    """A function that dumps a CRM database (see :func:`_dump_crm`)."""
    return _dump_crm


@pytest.fixture(scope="module")
def landing_files() -> Callable[[Path], dict[str, bytes]]:
    """A function that reads every file of a landing folder (see :func:`_landing_files`)."""
    return _landing_files


def _dump_crm(url: str) -> dict[str, list[tuple]]:
    """Every CRM table's rows, sorted (to compare two simulated CRMs)."""
    import psycopg

    from service_warehouse.simulator._store import CRM_COLUMNS

    out = {}
    with psycopg.connect(url) as conn:
        for table, cols in CRM_COLUMNS.items():
            rows = conn.execute(f"select {', '.join(cols)} from crm.{table}").fetchall()
            out[table] = sorted(rows, key=repr)
    return out


def _landing_files(root: Path) -> dict[str, bytes]:
    """Every file under a landing folder, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny_history(new_crm, tmp_path_factory):
    """Eight tiny days from 2026-09-28 (seed 42): (summary, CRM URL, landing folder)."""
    from datetime import date

    from service_warehouse.simulator import simulate

    url, root = new_crm("tiny"), tmp_path_factory.mktemp("landing")
    summary = simulate(8, date.fromisoformat(FIRST_DAY), preset="tiny", seed=42, crm_url=url, landing_dir=root)
    return summary, url, root


@pytest.fixture
def fake_day():
    """A simulated day with two staff and no database (for planning functions)."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from service_warehouse.simulator import PRESETS
    from service_warehouse.simulator._clock import Formatter, day_window
    from service_warehouse.simulator._world import Day

    tz = ZoneInfo("Asia/Shanghai")
    t0, t1 = day_window(date(2026, 8, 3), tz)
    agents = [("A0001", "张伟", "hotline team", "agent", "SIP/8001", "Zhang Leo"),
              ("A0002", "李娜", "field service", "technician", "SIP/8002", None)]
    return Day(date(2026, 8, 3), 1, PRESETS["tiny"], t0, t1, Formatter(tz), {}, [], agents)
