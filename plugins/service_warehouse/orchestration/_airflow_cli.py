"""Drive the real Airflow from the command line: migrations, DAG runs, the UI, a passthrough.

Every Airflow process is a child with :func:`~service_warehouse.orchestration.airflow_env` (its
configuration is read at import), metadata in database ``airflow`` of the warehouse server.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from service_warehouse.config import get_settings
from service_warehouse.errors import ServiceWarehouseError
from service_warehouse.orchestration._env import airflow_home, child_env


class AirflowCommandError(ServiceWarehouseError):
    """An Airflow child process failed."""


def airflow_command(*args: str) -> list[str]:
    """``python -m airflow …`` with this interpreter (the venv's Airflow)."""
    return [sys.executable, "-m", "airflow", *args]


def run_airflow(args: list[str], *, capture: bool = False) -> subprocess.CompletedProcess:
    """Run ``airflow <args>`` with the warehouse's Airflow environment; raise on failure."""
    proc = subprocess.run(airflow_command(*args), env=child_env(), text=True,
                          capture_output=capture, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or "")[-1500:] if capture else ""
        raise AirflowCommandError(f"`airflow {' '.join(args)}` failed with exit code {proc.returncode}\n{tail}".rstrip())
    return proc


def migrate() -> None:
    """``airflow db migrate`` on the metadata database (idempotent, a few seconds)."""
    run_airflow(["db", "migrate"], capture=True)


def run_dag_days(first: date, last: date, conf: dict, *, log_file: Path,
                 on_line: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """Run the nightly DAG for each day ``first``..``last`` in order, through Airflow.

    The Airflow output goes to ``log_file``; ``on_line`` sees every line (for progress).
    Returns (day, state) per run; stops at the first run that fails.
    """
    cmd = [sys.executable, "-m", "service_warehouse.orchestration._runner",
           "--from", first.isoformat(), "--to", last.isoformat(), "--conf", json.dumps(conf)]
    log_file.parent.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, str]] = []
    with log_file.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if line.startswith("svcwh-run "):
                parts = line.split()
                results.append((parts[1], parts[2]))
            if on_line:
                on_line(line.rstrip("\n"))
        proc.wait()
    if proc.returncode != 0 and not results:
        tail = log_file.read_text(errors="replace")[-3000:]
        raise AirflowCommandError(f"the DAG run could not start (exit {proc.returncode}); log {log_file}:\n{tail}")
    return results


def ensure_ui_password(user: str = "admin") -> tuple[str, Path]:
    """The simple auth manager's password for ``user`` (generated once, kept in AIRFLOW_HOME)."""
    path = Path(os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
                               airflow_home() / "simple_auth_manager_passwords.json"))
    passwords: dict[str, str] = {}
    if path.is_file():
        try:
            passwords = json.loads(path.read_text() or "{}")
        except json.JSONDecodeError:
            passwords = {}
    if user not in passwords:
        passwords[user] = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords))
        path.chmod(0o600)
    return passwords[user], path


def default_log_file(kind: str) -> Path:
    """Where a command keeps the full Airflow output of its runs."""
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return get_settings().data_dir / "airflow" / "logs" / "svcwh" / f"{kind}-{stamp}.log"
