"""The nightly DAG's task callables: which day, which sources, what is pending, when to stop early."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from service_warehouse.orchestration import _tasks as steps


def test_run_day_is_the_local_day_of_the_logical_date():
    # 2026-10-01 02:00 in Shanghai is 2026-09-30 18:00 UTC: the run is for 1 October
    assert steps.run_day(datetime(2026, 9, 30, 18, 0, tzinfo=timezone.utc), {}) == date(2026, 10, 1)


def test_run_day_params_date_wins_over_the_logical_date():
    logical = datetime(2026, 9, 30, 18, 0, tzinfo=timezone.utc)
    assert steps.run_day(logical, {"date": "2026-08-15"}) == date(2026, 8, 15)


def test_run_day_without_logical_date_is_yesterday_of_run_after():
    run_after = datetime(2026, 10, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 on 2 October in Shanghai
    assert steps.run_day(None, {}, run_after) == date(2026, 10, 1)


def test_run_day_bad_params_date_names_the_value():
    with pytest.raises(ValueError, match=r"params.date '2026-13-01' is not a date"):
        steps.run_day(None, {"date": "2026-13-01"})


def test_selected_sources_defaults_to_all_in_order():
    assert steps.selected_sources({}) == ["crm", "calls", "repairs"]
    assert steps.selected_sources({"sources": "repairs,crm"}) == ["crm", "repairs"]


def test_selected_sources_rejects_unknown_source():
    with pytest.raises(ValueError, match=r"unknown source\(s\) billing"):
        steps.selected_sources({"sources": ["crm", "billing"]})


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("SVCWH_LANDING_DIR", str(tmp_path))
    done = tmp_path / "_done"
    done.mkdir()
    for day in ("2026-08-03", "2026-08-04", "2026-08-05", "2026-08-07"):
        (done / day).touch()
    (done / "README").touch()  # not a date: ignored
    return tmp_path


def _batch(conn, source: str, day: str, status: str = "loaded") -> int:
    return conn.execute(
        "insert into audit.load_batches (source, logical_date, run_id, status, finished_at)"
        " values (%s, %s, 'test', %s, now()) returning batch_id", (source, day, status)).fetchone()[0]


def _publish_row(conn, day: str) -> None:
    vr = conn.execute(
        "insert into audit.validation_runs (run_id, logical_date, family, build_schema, status)"
        " values ('test', %s, 'mart', 'marts_blue', 'passed') returning validation_run_id", (day,)).fetchone()[0]
    conn.execute(
        "insert into audit.publications (run_id, logical_date, build_schema, models, validation_run_id)"
        " values ('test', %s, 'marts_blue', array['call_kpis_daily'], %s)", (day, vr))


@pytest.mark.integration
def test_landed_days_are_the_done_markers_up_to_the_day(fresh_warehouse, landing):
    assert steps.landed_days(date(2026, 8, 5)) == [date(2026, 8, 3), date(2026, 8, 4), date(2026, 8, 5)]
    assert steps.is_landed(date(2026, 8, 7)) and not steps.is_landed(date(2026, 8, 6))


@pytest.mark.integration
def test_pending_days_are_landed_days_without_a_loaded_batch(fresh_warehouse, landing):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        conn.execute("delete from audit.load_batches")
        _batch(conn, "crm", "2026-08-03")
        _batch(conn, "crm", "2026-08-04", "failed")  # a failed batch leaves the day pending
        _batch(conn, "calls", "2026-08-03", "skipped")  # same files as before: nothing to load
    pending = steps.pending_days(date(2026, 8, 5), ["crm", "calls"])
    assert pending == {"crm": ["2026-08-04", "2026-08-05"], "calls": ["2026-08-04", "2026-08-05"]}


@pytest.mark.integration
def test_prepare_stops_early_when_published_and_nothing_pending(fresh_warehouse, landing):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        conn.execute("delete from audit.load_batches")
        for source in steps.SOURCES:
            for day in ("2026-08-03", "2026-08-04", "2026-08-05", "2026-08-07"):
                _batch(conn, source, day)
        _publish_row(conn, "2026-08-07")
    # re-running a published day, or backfilling an older one with nothing new: nothing to do
    assert steps.prepare(date(2026, 8, 7), {}) is None
    assert steps.prepare(date(2026, 8, 4), {}) is None
    # a full refresh is asked for: the run goes ahead, as of the latest published day
    plan = steps.prepare(date(2026, 8, 4), {"full_refresh": True})
    assert plan is not None and plan.full_refresh and plan.as_of_date == "2026-08-07"
    assert plan.build_schema in ("marts_blue", "marts_green")


@pytest.mark.integration
def test_prepare_backfill_of_an_old_day_never_publishes_older_marts(fresh_warehouse, landing):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        conn.execute("delete from audit.load_batches")
        conn.execute("delete from audit.publications")
        _publish_row(conn, "2026-08-07")
    plan = steps.prepare(date(2026, 8, 4), {"sources": ["repairs"]})
    assert plan is not None
    assert plan.day == "2026-08-04" and plan.as_of_date == "2026-08-07"
    assert plan.sources == ["repairs"]
    assert plan.pending == {"repairs": ["2026-08-03", "2026-08-04"]}
    assert plan.to_xcom()["pending"] == {"repairs": ["2026-08-03", "2026-08-04"]}


def test_part_names_what_is_not_built(monkeypatch):
    with pytest.raises(steps.NotBuiltYet, match=r"service_warehouse.nothing_here is not built yet"):
        steps._part("service_warehouse.nothing_here", "run")
    with pytest.raises(steps.NotBuiltYet, match=r"service_warehouse.config.no_such_function is not built yet"):
        steps._part("service_warehouse.config", "no_such_function")
