"""The embedded server: starts on TCP and socket, is reused, and recovers from a crash."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest

from service_warehouse.config import get_settings
from service_warehouse.warehouse import embedded

pytestmark = pytest.mark.integration


def test_embedded_listens_on_tcp_and_socket(pg_server):
    with psycopg.connect(pg_server.dsn("postgres")) as conn:
        assert conn.execute("show server_version_num").fetchone()[0].startswith("16")
    with psycopg.connect(host=str(pg_server.socket_dir), port=pg_server.port, user="postgres", dbname="postgres") as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_embedded_start_is_reused(pg_server):
    again = embedded.start()
    assert again.pid == pg_server.pid


def test_embedded_recovers_after_kill(pg_server, tmp_path, monkeypatch):
    # a server of its own, so the shared test server is not disturbed
    monkeypatch.setenv("SVCWH_DATA_DIR", str(tmp_path / "wh"))
    monkeypatch.setenv("SVCWH_PG_PORT", str(pg_server.port + 100))
    settings = get_settings()
    first = embedded.start(settings)
    with psycopg.connect(first.dsn("postgres"), autocommit=True) as conn:
        conn.execute("create table survivor (x int)")
        conn.execute("insert into survivor values (42)")
        conn.execute("checkpoint")
    os.kill(first.pid, signal.SIGKILL)
    time.sleep(0.5)
    second = embedded.start(settings)  # stale postmaster.pid: crash recovery, same data
    assert second.pid != first.pid
    with psycopg.connect(second.dsn("postgres")) as conn:
        assert conn.execute("select x from survivor").fetchone() == (42,)
    assert embedded.stop(settings) is True
    assert embedded.status(settings) is None


def test_embedded_port_in_use_is_a_clear_error(pg_server, tmp_path, monkeypatch):
    from service_warehouse.errors import WarehouseError

    monkeypatch.setenv("SVCWH_DATA_DIR", str(tmp_path / "wh2"))
    monkeypatch.setenv("SVCWH_PG_PORT", str(pg_server.port))  # taken by the test server
    with pytest.raises(WarehouseError, match="in use"):
        embedded.start(get_settings())


def test_fresh_warehouse_has_base_schemas(fresh_warehouse):
    with psycopg.connect(fresh_warehouse) as conn:
        names = {r[0] for r in conn.execute("select nspname from pg_namespace")}
    assert {"raw", "audit", "staging", "intermediate", "marts", "marts_blue", "marts_green"} <= names
