"""The pipeline's own audit trail: what each DAG run did, and what failed, where to look.

Load batches, validations and publications have their own audit tables (loaders, quality,
publish); this table adds the orchestration events an auditor or an on-call engineer needs:
run started / finished / failed, task failures with the date and the log to open, deadline
misses. It is created here, idempotently, by the first event written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

log = logging.getLogger(__name__)

DDL = """
create schema if not exists audit;
create table if not exists audit.pipeline_events (
    event_id      bigserial primary key,
    dag_id        text not null,
    run_id        text,
    logical_date  date,                    -- the centre's local day the run processes
    task_id       text,
    event         text not null
                  check (event in ('run_started', 'run_succeeded', 'run_failed', 'run_skipped',
                                   'task_failed', 'task_retry', 'deadline_missed')),
    message       text not null,           -- one line: what, for which date, where to look
    log_location  text,                    -- the task log (file or UI URL)
    created_at    timestamptz not null default now()
);
create index if not exists pipeline_events_run on audit.pipeline_events (dag_id, run_id);
"""


@dataclass(frozen=True)
class PipelineEvent:
    """One row of ``audit.pipeline_events``."""

    dag_id: str
    run_id: str | None
    logical_date: date | None
    task_id: str | None
    event: str
    message: str
    log_location: str | None
    created_at: datetime | None = None


def ensure_table(conn) -> None:
    """Create ``audit.pipeline_events`` if it is missing (idempotent, serialised)."""
    conn.execute("select pg_advisory_xact_lock(hashtext('svcwh.pipeline_events'))")
    conn.execute(DDL)


def write_event(event: PipelineEvent, url: str | None = None) -> None:
    """Insert one event (creating the table on first use)."""
    from service_warehouse.warehouse import connect

    with connect(url) as conn:
        ensure_table(conn)
        conn.execute(
            "insert into audit.pipeline_events (dag_id, run_id, logical_date, task_id, event, message,"
            " log_location) values (%s, %s, %s, %s, %s, %s, %s)",
            (event.dag_id, event.run_id, event.logical_date, event.task_id, event.event, event.message,
             event.log_location),
        )


def recent_events(limit: int = 20, url: str | None = None) -> list[PipelineEvent]:
    """The latest events, newest first (empty when no run wrote any yet)."""
    from service_warehouse.warehouse import connect

    with connect(url) as conn:
        exists = conn.execute("select to_regclass('audit.pipeline_events')").fetchone()[0]
        if exists is None:
            return []
        rows = conn.execute(
            "select dag_id, run_id, logical_date, task_id, event, message, log_location, created_at"
            " from audit.pipeline_events order by event_id desc limit %s",
            (limit,),
        ).fetchall()
    return [PipelineEvent(*row) for row in rows]
