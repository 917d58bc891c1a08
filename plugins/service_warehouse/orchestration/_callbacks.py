"""Failure, retry, success and deadline callbacks: one useful line to the log and the audit trail.

Each message says what failed, for which local day, and where to look (the task's log file and
the command that shows it). Writing the audit row must never hide the original failure: if
the warehouse cannot be reached, the line still goes to the log.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from service_warehouse.orchestration._audit import PipelineEvent, write_event

log = logging.getLogger("service_warehouse.orchestration")


def _day(context: Any) -> date | None:
    from service_warehouse.orchestration._tasks import run_day

    params = dict(context.get("params") or {})
    dag_run = context.get("dag_run")
    try:
        return run_day(context.get("logical_date"), params, getattr(dag_run, "run_after", None))
    except Exception:  # a bad params.date is reported by prepare; never fail the callback on it
        return None


def _log_location(dag_id: str, run_id: str | None, task_id: str | None, try_number: int | None) -> str:
    from service_warehouse.orchestration._env import airflow_home

    if task_id is None:
        return f"svcwh runs  (and the Airflow UI: svcwh airflow-ui → DAG {dag_id}, run {run_id})"
    folder = airflow_home() / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    return f"{folder}/attempt={try_number or 1}.log"


def _record(event: PipelineEvent) -> None:
    level = logging.INFO if event.event in ("run_succeeded", "run_skipped", "run_started") else logging.ERROR
    log.log(level, "%s | see %s", event.message, event.log_location)
    try:
        write_event(event)
    except Exception as exc:  # the audit write must not mask the failure being reported
        log.error("could not write %s to audit.pipeline_events: %s", event.event, exc)


def _event_from_context(context: Any, event: str) -> PipelineEvent:
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    dag_id = getattr(ti, "dag_id", None) or getattr(dag, "dag_id", "?")
    run_id = getattr(ti, "run_id", None) or context.get("run_id")
    task_id = getattr(ti, "task_id", None) if event.startswith("task") else None
    try_number = getattr(ti, "try_number", None)
    day = _day(context)
    exc = context.get("exception")
    what = f"task {task_id}" if task_id else f"DAG run {run_id}"
    when = f"day {day.isoformat()}" if day else "unknown day"
    if event == "task_failed":
        reason = f": {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}" if exc else ""
        message = f"{dag_id}: {what} failed for {when}{reason}"
    elif event == "task_retry":
        message = f"{dag_id}: {what} will retry (attempt {try_number}) for {when}: {exc}"
    elif event == "run_failed":
        reason = context.get("reason") or "a task failed"
        message = f"{dag_id}: run {run_id} failed for {when} ({reason}); marts not published for it"
    else:
        message = f"{dag_id}: run {run_id} succeeded for {when}"
    return PipelineEvent(
        dag_id=dag_id,
        run_id=run_id,
        logical_date=day,
        task_id=task_id,
        event=event,
        message=message[:2000],
        log_location=_log_location(dag_id, run_id, task_id, try_number),
    )


def on_task_failure(context: Any) -> None:
    """Task failed for good: what, for which day, where its log is."""
    _record(_event_from_context(context, "task_failed"))


def on_task_retry(context: Any) -> None:
    """A transient fault: the task will retry with backoff."""
    _record(_event_from_context(context, "task_retry"))


def on_run_failure(context: Any) -> None:
    """The DAG run failed: the marts of the day are not published."""
    _record(_event_from_context(context, "run_failed"))


def on_run_success(context: Any) -> None:
    """The DAG run succeeded (published, or had nothing to do)."""
    _record(_event_from_context(context, "run_succeeded"))


async def on_publish_deadline_missed(**kwargs: Any) -> None:
    """Deadline alert (runs in the triggerer): the marts were not published in time.

    Airflow passes ``context={"dag_run": <the run as JSON>, "deadline": {...}}``.
    """
    import asyncio
    from datetime import datetime

    from service_warehouse.orchestration._tasks import run_day

    context = kwargs.get("context") or {}
    dag_run = context.get("dag_run") or {}
    dag_id = dag_run.get("dag_id") or "service_warehouse_nightly"
    run_id = dag_run.get("dag_run_id") or dag_run.get("run_id")
    day = None
    try:
        logical = dag_run.get("logical_date")
        logical_dt = datetime.fromisoformat(logical) if isinstance(logical, str) else logical
        day = run_day(logical_dt, dict(dag_run.get("conf") or {}))
    except Exception:  # never let a malformed payload hide the alert itself
        day = None
    hour = kwargs.get("deadline_hour", 7)
    event = PipelineEvent(
        dag_id=dag_id,
        run_id=run_id,
        logical_date=day,
        task_id=None,
        event="deadline_missed",
        message=(f"{dag_id}: marts for {day.isoformat() if day else 'the night'} not published by "
                 f"{hour:02d}:00 local (run {run_id}); dashboards still show the previous publication"),
        log_location=_log_location(dag_id, run_id, None, None),
    )
    await asyncio.to_thread(_record, event)
