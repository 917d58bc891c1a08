"""dbt invocations with the warehouse's environment, and clear errors when they fail."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

from service_warehouse.config import BUILD_SCHEMAS, get_settings
from service_warehouse.errors import ServiceWarehouseError

#: The two schemas the marts are built into in turn (write-audit-publish).

#: Result statuses that mean a node failed (models: error; tests: fail / error).
_FAILED = {"error", "fail", "runtime error"}

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# dbt reads its connection from os.environ: one invocation at a time per process.
_ENV_LOCK = threading.Lock()


class DbtRunError(ServiceWarehouseError):
    """A dbt command failed; the message names the command and every failed node."""

    def __init__(self, command: str, failures: Sequence[tuple[str, str]], detail: str | None = None) -> None:
        lines = [f"dbt {command} failed"]
        if failures:
            lines[0] += f": {len(failures)} node(s) failed"
            lines += [f"  {node}: {message}" for node, message in failures]
        if detail:
            lines.append(f"  {detail}")
        super().__init__("\n".join(lines))
        self.command = command
        self.failures = list(failures)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of one dbt invocation, then restore them."""
    with _ENV_LOCK:
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old


def _summary(message: str | None, limit: int = 400) -> str:
    """The gist of a node's failure message: its first two lines, without colour codes."""
    text = _ANSI.sub("", message or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    summary = " — ".join(lines[:2])
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"


def _failures(result: object) -> list[tuple[str, str]]:
    """(unique_id, message) of every failed node in a dbtRunnerResult's result."""
    failures: list[tuple[str, str]] = []
    for node_result in getattr(result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status in _FAILED:
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", None) or str(node)
            failures.append((name, _summary(getattr(node_result, "message", None)) or status))
    return failures


def _release_dbt_logs() -> None:
    """Close the log file dbt opened for the invocation (dbt leaves it open in-process)."""
    from dbt_common.events import event_manager_client

    manager = event_manager_client.get_event_manager()
    for logger in list(getattr(manager, "loggers", [])):
        python_logger = getattr(logger, "_python_logger", None)
        for handler in list(getattr(python_logger, "handlers", [])):
            handler.close()
            python_logger.removeHandler(handler)
    event_manager_client.cleanup_event_logger()


def _invoke(
    args: Sequence[str],
    *,
    build_schema: str,
    as_of: date | None,
    url: str | None,
    target_path: Path | None,
    project_dir: Path | None,
) -> object:
    from service_warehouse.warehouse import libpq_env

    if build_schema not in BUILD_SCHEMAS:
        raise DbtRunError(
            " ".join(args[:1]) or "(none)", [], f"build_schema must be one of {BUILD_SCHEMAS}, not {build_schema!r}"
        )
    args = list(args)
    if not args:
        raise DbtRunError("(none)", [], "no dbt command given")
    project = project_dir or get_settings().dbt_project_dir
    extra = ["--project-dir", str(project), "--profiles-dir", str(project),
             "--target-path", str(target_path or default_target_path(project))]
    if as_of is not None:
        if "--vars" in args:
            raise DbtRunError(args[0], [], "pass the as-of date either as as_of= or in --vars, not both")
        extra += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
    env = dict(libpq_env(url))
    env["SVCWH_BUILD_SCHEMA"] = build_schema
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")

    from dbt.cli.main import dbtRunner

    with _environment(env):
        try:
            outcome = dbtRunner().invoke(args + extra)
        finally:
            _release_dbt_logs()
    if not outcome.success:
        failures = _failures(outcome.result)
        detail = str(outcome.exception).strip() if outcome.exception else None
        if not failures and not detail:
            detail = "dbt reported failure without naming a node (see dbt's log)"
        raise DbtRunError(args[0], failures, detail)
    return outcome.result


def run_dbt(
    args: Sequence[str],
    *,
    build_schema: str,
    as_of: date | None = None,
    url: str | None = None,
    target_path: Path | None = None,
    project_dir: Path | None = None,
) -> None:
    """Run one dbt command (e.g. ``["build"]``) against the warehouse; raise on any failure.

    Args:
        args: the dbt command and its flags, without project / profile / target paths.
        build_schema: ``marts_blue`` or ``marts_green``: where the marts are built.
        as_of: the run's logical date (var ``as_of_date``); ``None``: the latest loaded day.
        url: warehouse libpq URL (default: ``WAREHOUSE_URL`` / the embedded server).
        target_path: dbt's target folder (default: :func:`default_target_path`).
        project_dir: the dbt project (default: settings' ``dbt_project_dir``).

    Raises:
        DbtRunError: naming every node that failed (model errors, failing tests).
    """
    _invoke(args, build_schema=build_schema, as_of=as_of, url=url, target_path=target_path, project_dir=project_dir)


def build_manifest(
    *,
    build_schema: str = BUILD_SCHEMAS[0],
    target_path: Path | None = None,
    project_dir: Path | None = None,
) -> Path:
    """Run ``dbt parse`` and return the path of the ``manifest.json`` it wrote (what Cosmos loads).

    Parsing needs no database connection beyond reading the profile's environment.
    """
    project = project_dir or get_settings().dbt_project_dir
    _invoke(
        ["parse", "--write-json"], build_schema=build_schema, as_of=None, url=_parse_url(), target_path=target_path,
        project_dir=project,
    )
    manifest = (target_path or default_target_path(project)) / "manifest.json"
    if not manifest.is_file():
        raise DbtRunError("parse", [], f"dbt parse succeeded but wrote no manifest at {manifest}")
    return manifest


def default_target_path(project: Path) -> Path:
    """dbt's target folder for ``project``: the configured one (``SVCWH_DBT_TARGET_DIR``, default
    the project's ``target/``) for the configured project, ``target/`` inside any other."""
    settings = get_settings()
    return settings.dbt_target_dir if project == settings.dbt_project_dir else project / "target"


def _parse_url() -> str:
    """A URL for the profile at parse time: the configured warehouse, else a placeholder.

    ``dbt parse`` renders the profile but never connects, so it must not start the embedded
    server (the manifest is built on machines without one, e.g. for Cosmos in CI).
    """
    settings = get_settings()
    return settings.warehouse_url or f"postgresql://postgres@127.0.0.1:{settings.pg_port}/{settings.warehouse_db}"
