"""What each task of the nightly DAG does: plain functions, called by thin ``@task`` wrappers.

The DAG file only wires these together; everything here can be called (and tested) without
Airflow. Parts of the product that are not built yet are reported by name
(:class:`NotBuiltYet`), never replaced by a stand-in.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from service_warehouse.config import get_settings
from service_warehouse.errors import DataQualityError, ServiceWarehouseError
from service_warehouse.orchestration._calendar import local_day, parse_day

log = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("crm", "calls", "repairs")


class NotBuiltYet(ServiceWarehouseError):
    """A part of the product the pipeline needs is not in this checkout yet."""


class BatchFailed(ServiceWarehouseError):
    """A load batch failed on a file-level fault: a data fault, not retried."""


def _part(module: str, name: str) -> Any:
    """``module.name`` of another part of the product, or a clear :class:`NotBuiltYet`."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise NotBuiltYet(f"{module} is not built yet (needed for {name})") from None
        raise
    try:
        return getattr(mod, name)
    except AttributeError:
        raise NotBuiltYet(f"{module}.{name} is not built yet") from None


@dataclass(frozen=True)
class RunPlan:
    """What one DAG run will do, decided once by ``prepare`` and shared through XCom."""

    day: str  # the local day D the run is for (YYYY-MM-DD)
    as_of_date: str  # dbt var as_of_date: D, or the last published day when that is later
    build_schema: str  # marts_blue | marts_green: the schema that is not live
    full_refresh: bool
    sources: list[str]
    pending: dict[str, list[str]]  # source -> landed days ≤ D not loaded yet

    def to_xcom(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "as_of_date": self.as_of_date,
            "build_schema": self.build_schema,
            "full_refresh": self.full_refresh,
            "sources": list(self.sources),
            "pending": {k: list(v) for k, v in self.pending.items()},
        }


# -- the day ----------------------------------------------------------------------------------


def run_day(logical_date: datetime | None, params: dict[str, Any], run_after: datetime | None = None) -> date:
    """The local day a run processes: ``params.date`` if given, else its logical date's day.

    A manual run without a logical date (Airflow 3 allows it) and without ``params.date``
    processes yesterday, as the nightly run would.
    """
    if params.get("date"):
        return parse_day(params["date"], "params.date")
    if logical_date is not None:
        return local_day(logical_date)
    now = run_after or datetime.now(get_settings().centre_tz)
    return local_day(now) - timedelta(days=1)


def selected_sources(params: dict[str, Any]) -> list[str]:
    """The sources a run lands (``params.sources``; all three by default), checked."""
    chosen = params.get("sources") or list(SOURCES)
    if isinstance(chosen, str):
        chosen = [s.strip() for s in chosen.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SOURCES))
    if unknown:
        raise ValueError(f"params.sources: unknown source(s) {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    return [s for s in SOURCES if s in chosen]


# -- what is landed, loaded and published -----------------------------------------------------


def landed_days(up_to: date) -> list[date]:
    """Days ≤ ``up_to`` whose ``_done/<date>`` marker says they have fully landed."""
    done = get_settings().landing_dir / "_done"
    if not done.is_dir():
        return []
    days = []
    for marker in done.iterdir():
        try:
            day = date.fromisoformat(marker.name)
        except ValueError:
            continue
        if day <= up_to:
            days.append(day)
    return sorted(days)


def is_landed(day: date) -> bool:
    """True when the ``_done/<day>`` marker exists (the day has fully landed)."""
    return (get_settings().landing_dir / "_done" / day.isoformat()).exists()


def _loaded_days(conn, sources: list[str]) -> dict[str, set[date]]:
    rows = conn.execute(
        "select source, logical_date from audit.load_batches"
        " where status in ('loaded', 'skipped') and source = any(%s)",
        (sources,),
    ).fetchall()
    loaded: dict[str, set[date]] = {s: set() for s in sources}
    for source, day in rows:
        loaded[source].add(day)
    return loaded


def last_published_day(conn) -> date | None:
    """The latest logical date published (``audit.publications``), or None before the first."""
    cols = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'audit' and table_name = 'publications'"
        ).fetchall()
    }
    if "logical_date" not in cols:
        return None
    where = " where status = 'published'" if "status" in cols else ""
    row = conn.execute(f"select max(logical_date) from audit.publications{where}").fetchone()
    return row[0] if row else None


def pending_days(day: date, sources: list[str]) -> dict[str, list[str]]:
    """Per source, the landed days ≤ ``day`` that have no loaded batch yet."""
    from service_warehouse.warehouse import connect

    landed = landed_days(day)
    with connect() as conn:
        loaded = _loaded_days(conn, sources)
    return {s: [d.isoformat() for d in landed if d not in loaded[s]] for s in sources}


# -- the tasks --------------------------------------------------------------------------------


def prepare(day: date, params: dict[str, Any]) -> RunPlan | None:
    """Decide the run: the build schema, as-of date and what is pending; None if nothing to do.

    Nothing to do: no landed day ≤ D is waiting to be loaded, the marts are already published
    for D or later, and no full refresh was asked for. Re-running a day is then a no-op, and a
    backfill of an old day never publishes marts older than the live ones.
    """
    from service_warehouse.warehouse import connect, ensure_ready

    ensure_ready()
    sources = selected_sources(params)
    full_refresh = bool(params.get("full_refresh", False))
    pending = pending_days(day, sources)
    with connect() as conn:
        published = last_published_day(conn)
    if not full_refresh and published is not None and published >= day and not any(pending.values()):
        log.info("nothing to do for %s: marts published as of %s and nothing pending", day, published)
        return None
    choose_build_schema = _part("service_warehouse.publish", "choose_build_schema")
    as_of_date = max(day, published) if published else day
    return RunPlan(
        day=day.isoformat(),
        as_of_date=as_of_date.isoformat(),
        build_schema=choose_build_schema(),
        full_refresh=full_refresh,
        sources=sources,
        pending=pending,
    )


def land(source: str, day: date, run_id: str) -> list[int]:
    """Load every landed day ≤ ``day`` of ``source`` not loaded yet; the new batch ids.

    A failed batch (a file-level fault: missing day, unreadable or truncated file) is a data
    fault: it fails the task at once with the loader's message, without retries.
    """
    load_pending = _part("service_warehouse.loaders", "load_pending")
    results = load_pending(up_to=day, sources=(source,), run_id=run_id)
    failed = [r for r in results if getattr(r, "status", None) == "failed"]
    for r in results:
        log.info(
            "%s %s: batch %s %s, %s read, %s loaded, %s quarantined",
            source, getattr(r, "logical_date", "?"), getattr(r, "batch_id", "?"), getattr(r, "status", "?"),
            getattr(r, "rows_read", "?"), getattr(r, "rows_loaded", "?"), getattr(r, "rows_quarantined", "?"),
        )
    if failed:
        detail = "; ".join(
            f"{getattr(r, 'logical_date', '?')}: {getattr(r, 'error', None) or 'failed'}" for r in failed
        )
        raise BatchFailed(f"{source}: {len(failed)} batch(es) failed up to {day}: {detail}")
    # skipped batches (the same files were loaded before) add no rows: nothing new to validate
    return [int(r.batch_id) for r in results
            if getattr(r, "batch_id", None) is not None and getattr(r, "status", "loaded") == "loaded"]


def _failed(result: Any) -> bool:
    if result is None or isinstance(result, (str, int)):
        return False
    if isinstance(result, dict):
        return result.get("success") is False or result.get("passed") is False
    return getattr(result, "success", True) is False or getattr(result, "passed", True) is False


def raw_suite(source: str, batch_ids: list[int], day: date, run_id: str) -> Any:
    """Validate the new raw batches of ``source``; a critical failure stops the run before dbt."""
    if not batch_ids:
        log.info("%s: no new batch, raw suite not needed", source)
        return None
    run_raw_suite = _part("service_warehouse.quality", "run_raw_suite")
    result = run_raw_suite(source, batch_ids, run_id, day)
    if _failed(result):
        raise DataQualityError(f"raw suite of {source} failed for batches {batch_ids} (day {day}): see the Data Docs")
    return _plain(result)


def gate(build_schema: str, day: date, run_id: str) -> Any:
    """Run the mart suites on the build schema; a critical failure stops the run before publish.

    Returns the validation run id that publication records.
    """
    run_mart_suites = _part("service_warehouse.quality", "run_mart_suites")
    result = run_mart_suites(build_schema, run_id, day)
    if _failed(result):
        raise DataQualityError(f"mart suites failed on {build_schema} for {day}: publication blocked")
    if isinstance(result, dict):
        return result.get("validation_run_id", result.get("run_id"))
    return getattr(result, "validation_run_id", result if isinstance(result, (str, int)) else run_id)


def publish(build_schema: str, day: date, run_id: str, validation_run_id: Any) -> Any:
    """Point the ``marts`` views at the build schema that passed the gate."""
    do_publish = _part("service_warehouse.publish", "publish")
    return _plain(do_publish(build_schema, run_id, day, validation_run_id))


def forecast(build_schema: str, as_of_date: str, run_id: str) -> Any:
    """Forecast demand from the marts just built and write the vintage of ``as_of_date``."""
    run_forecast = _part("service_warehouse.forecast", "run_forecast")
    return _plain(run_forecast(build_schema, date.fromisoformat(as_of_date), run_id))


def demand_marts(build_schema: str, as_of_date: str, full_refresh: bool = False) -> None:
    """Build the demand marts (and their tests) on tonight's forecast vintage."""
    from service_warehouse.orchestration._cosmos import DEMAND_MARTS

    run_dbt = _part("service_warehouse.transform", "run_dbt")
    args = ["build", "--select", DEMAND_MARTS, *(["--full-refresh"] if full_refresh else [])]
    run_dbt(args, build_schema=build_schema, as_of=date.fromisoformat(as_of_date))


def cross_model_tests(build_schema: str, as_of_date: str, names: list[str]) -> int:
    """Run the dbt tests that read several models, once all models are built; how many ran."""
    if not names:
        return 0
    run_dbt = _part("service_warehouse.transform", "run_dbt")
    run_dbt(["test", "--select", *names], build_schema=build_schema, as_of=date.fromisoformat(as_of_date))
    return len(names)


def report(build_schema: str, as_of_date: str) -> dict[str, str]:
    """The auditors' index page (it links the Data Docs of every run) and the dbt docs.

    The dbt docs (``dbt docs generate``: models, columns, tests, lineage and the catalog of the
    build just published) go to ``<reports>/dbt-docs/index.html``.
    """
    build_audit_index = _part("service_warehouse.quality", "build_audit_index")
    run_dbt = _part("service_warehouse.transform", "run_dbt")
    out: dict[str, str] = {}
    index = build_audit_index()
    if index is not None:
        out["audit_index"] = str(index)
    docs = dbt_docs_dir()
    run_dbt(["docs", "generate"], build_schema=build_schema, as_of=date.fromisoformat(as_of_date), target_path=docs)
    out["dbt_docs"] = str(docs / "index.html")
    return out


def dbt_docs_dir() -> Path:
    """Where the dbt docs of the last publication are written."""
    return get_settings().reports_dir / "dbt-docs"


def _plain(value: Any) -> Any:
    """A JSON-able form of a result for XCom (dataclasses become dicts, paths text)."""
    import dataclasses

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (date, datetime, Path)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return str(value)


def dbt_env(key: str) -> str:
    """One of the variables dbt's ``profiles.yml`` reads (``WAREHOUSE_HOST`` …), at run time."""
    from service_warehouse.warehouse import libpq_env

    return libpq_env()[key]
