"""Failure callbacks: one useful line (what, which day, where to look) in the log and the audit trail."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from service_warehouse.orchestration import _callbacks as callbacks
from service_warehouse.orchestration._audit import recent_events


def _context(**extra):
    ti = SimpleNamespace(dag_id="service_warehouse_nightly", run_id="scheduled__2026-10-01", task_id="raw.land_calls",
                         try_number=2)
    return {"ti": ti, "params": {}, "logical_date": datetime(2026, 9, 30, 18, 0, tzinfo=timezone.utc),
            "dag_run": SimpleNamespace(run_after=None), **extra}


@pytest.mark.integration
def test_on_task_failure_writes_what_when_and_where(fresh_warehouse, caplog):
    error = RuntimeError("calls/2026-10-01/Master.csv:17: truncated_file")
    with caplog.at_level(logging.ERROR, logger="service_warehouse.orchestration"):
        callbacks.on_task_failure(_context(exception=error))
    event = recent_events(limit=1)[0]
    assert event.event == "task_failed" and event.task_id == "raw.land_calls"
    assert event.logical_date.isoformat() == "2026-10-01"
    assert "raw.land_calls failed for day 2026-10-01" in event.message
    assert "Master.csv:17: truncated_file" in event.message
    assert event.log_location.endswith("task_id=raw.land_calls/attempt=2.log")
    assert "run_id=scheduled__2026-10-01" in event.log_location
    assert any("raw.land_calls failed for day 2026-10-01" in r.getMessage() for r in caplog.records)


@pytest.mark.integration
def test_on_run_failure_says_marts_not_published(fresh_warehouse):
    ctx = _context(reason="task_failure")
    ctx["ti"] = None
    ctx["dag"] = SimpleNamespace(dag_id="service_warehouse_nightly")
    ctx["run_id"] = "manual__x"
    callbacks.on_run_failure(ctx)
    event = recent_events(limit=1)[0]
    assert event.event == "run_failed" and event.run_id == "manual__x" and event.task_id is None
    assert "failed for day 2026-10-01 (task_failure); marts not published" in event.message


@pytest.mark.integration
def test_deadline_callback_reads_the_run_from_airflow_payload(fresh_warehouse):
    payload = {"dag_run": {"dag_id": "service_warehouse_nightly", "dag_run_id": "scheduled__2026-10-01",
                           "logical_date": "2026-09-30T18:00:00+00:00", "conf": {}},
               "deadline": {"id": "x", "deadline_time": "2026-10-01T23:00:00+00:00"}}
    asyncio.run(callbacks.on_publish_deadline_missed(context=payload, deadline_hour=7))
    event = recent_events(limit=1)[0]
    assert event.event == "deadline_missed" and event.logical_date.isoformat() == "2026-10-01"
    assert "not published by 07:00 local" in event.message


def test_failure_callback_survives_an_unreachable_warehouse(monkeypatch, caplog):
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://nobody@127.0.0.1:9/none")
    with caplog.at_level(logging.ERROR, logger="service_warehouse.orchestration"):
        callbacks.on_task_failure(_context(exception=ValueError("boom")))
    messages = [r.getMessage() for r in caplog.records]
    assert any("raw.land_calls failed for day 2026-10-01: ValueError: boom" in m for m in messages)
    assert any("could not write task_failed to audit.pipeline_events" in m for m in messages)
