"""Apache Superset on the published marts: its own virtual environment, bootstrap, web server.

Superset's pins clash with Airflow's, so it lives in ``.superset-venv`` built from
``superset/uv.lock`` with the repository's uv. Everything here runs Superset as a subprocess:
nothing of Superset is imported into the product's environment.

- :func:`ensure_venv` — create or update ``.superset-venv`` from the lock (a no-op when in sync).
- :func:`bootstrap` — migrate Superset's metadata (SQLite under ``$SVCWH_DATA_DIR/superset``),
  sync roles, create the admin, import ``superset/assets`` pointed at the warehouse as
  ``bi_reader``; one Python process (``superset/bootstrap.py``).
- :func:`serve` — start gunicorn on 127.0.0.1 and wait for ``/health``; returns the process.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from service_warehouse.config import REPO_ROOT, get_settings
from service_warehouse.errors import ServiceWarehouseError

SUPERSET_DIR = REPO_ROOT / "superset"
ASSETS_DIR = SUPERSET_DIR / "assets"
DEFAULT_PORT = 8088
ADMIN_USER = "admin"


class SupersetError(ServiceWarehouseError):
    """Superset could not be set up, bootstrapped or started (the message says which step)."""


@dataclass(frozen=True)
class SupersetHome:
    """Where one Superset instance keeps its state, and how to log in to it."""

    path: Path
    admin_user: str
    admin_password: str

    @property
    def log_dir(self) -> Path:
        return self.path / "logs"


def venv_dir() -> Path:
    """Superset's own virtual environment (``SVCWH_SUPERSET_VENV``, default ``<repo>/.superset-venv``)."""
    value = os.environ.get("SVCWH_SUPERSET_VENV")
    return Path(value).resolve() if value else REPO_ROOT / ".superset-venv"


def _uv() -> Path:
    uv = REPO_ROOT / ".tools" / "bin" / "uv"
    if not uv.exists():
        raise SupersetError(f"uv is missing at {uv}: run `make setup` first")
    return uv


def ensure_venv() -> Path:
    """Create or update Superset's virtual environment from ``superset/uv.lock``; return its bin dir."""
    venv = venv_dir()
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_COMPILE_BYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [str(_uv()), "sync", "--frozen", "--quiet", "--project", str(SUPERSET_DIR), "--python", "3.11"],
        env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SupersetError(f"could not build Superset's environment {venv} from {SUPERSET_DIR / 'uv.lock'}:\n"
                            f"{done.stderr.strip()}")
    return venv / "bin"


def home(data_dir: Path | None = None) -> SupersetHome:
    """Superset's state folder under the data dir; the admin password from the environment or generated there."""
    path = (data_dir or get_settings().data_dir) / "superset"
    path.mkdir(parents=True, exist_ok=True)
    password = os.environ.get("SVCWH_SUPERSET_ADMIN_PASSWORD")
    if not password:
        stored = path / "admin_password"
        if not stored.exists():
            fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(12))
        password = stored.read_text().strip()
    return SupersetHome(path, os.environ.get("SVCWH_SUPERSET_ADMIN", ADMIN_USER), password)


def bi_reader_uri(warehouse_url: str) -> str:
    """The SQLAlchemy URI Superset uses: the warehouse's host, port and database, as ``bi_reader``, no password."""
    parts = urlsplit(warehouse_url)
    if not parts.hostname or not parts.path.strip("/"):
        raise SupersetError(f"the warehouse URL {warehouse_url!r} has no host or database: Superset needs host:port/db")
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"postgresql+psycopg2://bi_reader@{parts.hostname}{port}/{quote(parts.path.strip('/'))}{query}"


def dashboard_slugs(assets: Path = ASSETS_DIR) -> list[str]:
    """The slugs of the dashboards in ``assets`` (their URLs are ``/superset/dashboard/<slug>/``)."""
    import yaml

    slugs = []
    for path in sorted((assets / "dashboards").glob("*.yaml")):
        slug = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("slug")
        if not slug:
            raise SupersetError(f"{path}: the dashboard has no slug")
        slugs.append(slug)
    return slugs


def _env(where: SupersetHome) -> dict[str, str]:
    env = {**os.environ,
           "SUPERSET_CONFIG_PATH": str(SUPERSET_DIR / "superset_config.py"),
           "SVCWH_SUPERSET_HOME": str(where.path),
           "SVCWH_SUPERSET_ADMIN": where.admin_user,
           "SVCWH_SUPERSET_ADMIN_PASSWORD": where.admin_password,
           "FLASK_APP": "superset.app:create_app()",
           "PYTHONWARNINGS": "ignore"}
    env.pop("VIRTUAL_ENV", None)
    return env


def bootstrap(where: SupersetHome, warehouse_url: str, assets: Path = ASSETS_DIR) -> str:
    """Migrate, init, create the admin and import ``assets``; return bootstrap's summary line."""
    python = venv_dir() / "bin" / "python"
    if not python.exists():
        raise SupersetError(f"Superset's environment is missing ({python}): call ensure_venv() first")
    where.log_dir.mkdir(parents=True, exist_ok=True)
    log = where.log_dir / "bootstrap.log"
    with log.open("w") as out:
        done = subprocess.run(
            [str(python), str(SUPERSET_DIR / "bootstrap.py"), "--assets", str(assets),
             "--warehouse-uri", bi_reader_uri(warehouse_url)],
            env=_env(where), stdout=subprocess.PIPE, stderr=out, text=True, cwd=where.path)
    if done.returncode != 0:
        errors = [line for line in log.read_text().splitlines() if "error" in line.lower()][-10:]
        raise SupersetError(f"Superset bootstrap failed (exit {done.returncode}); log {log}:\n" + "\n".join(errors))
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "bootstrap done"


def _require_free_port(port: int) -> None:
    """Fail with the port's name when something already listens on 127.0.0.1:``port``."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise SupersetError(f"port 127.0.0.1:{port} is in use ({exc.strerror}): another Superset or service is "
                                "running there; stop it or choose another port (--port)") from None


def serve(where: SupersetHome, port: int = DEFAULT_PORT, workers: int = 2, timeout: float = 180.0) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:``port`` and wait until ``/health`` answers; return the process."""
    _require_free_port(port)  # else /health would be answered by whatever holds the port
    gunicorn = venv_dir() / "bin" / "gunicorn"
    where.log_dir.mkdir(parents=True, exist_ok=True)
    log = where.log_dir / "gunicorn.log"
    with log.open("a") as out:  # the server keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [str(gunicorn), "-w", str(workers), "--threads", "4", "-k", "gthread", "--timeout", "120",
             "-b", f"127.0.0.1:{port}", "--access-logfile", "-", "superset.app:create_app()"],
            env=_env(where), stdout=out, stderr=subprocess.STDOUT, cwd=where.path, start_new_session=True)
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SupersetError(f"Superset's web server exited with {proc.returncode} at start; log {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    stop(proc)
    raise SupersetError(f"Superset did not answer {url} within {timeout:.0f} s; log {log}")


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop the gunicorn started by :func:`serve` (its master and workers)."""
    if proc.poll() is not None:
        return
    import signal

    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)

