"""End to end: the nightly DAG run through Airflow (``dag.test``) on the embedded warehouse.

Simulated days (the ``tiny`` preset) land in a folder of the test's own; each DAG run is a real
Airflow run: real loaders, raw suites (GX), dbt through Cosmos, mart suites, publication.
The runs build on each other, in order:

1. day 2 — the first run catches up days 1 and 2 (each its own batch) and publishes;
2. day 3 — the nightly increment: only day 3 is loaded; the marts add it correctly;
3. day 3 again — nothing to do: no batch, no publication;
4. day 4 with a repair file > 5 % unreadable — the raw suite fails: no dbt, no publication;
5. day 5 on a stale build (dbt tasks marked success, not run) — the mart suite fails: no publication.
"""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAY1, DAY2, DAY3, DAY4, DAY5 = (date(2026, 8, d) for d in (3, 4, 5, 6, 7))


@pytest.fixture(scope="module")
def nightly(fresh_warehouse, airflow_db, tmp_path_factory):
    """The simulated landing (5 days, tiny), a fresh manifest and the DAG, on a fresh warehouse."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("nightly")
    mp.setenv("SVCWH_LANDING_DIR", str(root / "landing"))
    mp.setenv("SVCWH_REPORTS_DIR", str(root / "reports"))
    from service_warehouse.orchestration._runner import load_dag
    from service_warehouse.simulator import simulate
    from service_warehouse.transform import build_manifest

    simulate(days=5, start=DAY1, preset="tiny", seed=7)
    build_manifest()
    yield load_dag()
    mp.undo()


def _run(dag, day: date, **kwargs):
    from service_warehouse.orchestration._runner import test_run

    return test_run(dag, day, **kwargs)


def _states(dag_run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def _one(sql: str, *args):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        return conn.execute(sql, args).fetchone()


def _all(sql: str, *args):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        return conn.execute(sql, args).fetchall()


def _offered_in_marts() -> dict[date, int]:
    return dict(_all("select local_date, sum(offered)::int from marts.call_kpis_daily group by 1 order by 1"))


def _enterqueue_in_raw() -> dict[date, int]:
    return dict(_all(
        "select (event_at at time zone 'Asia/Shanghai')::date, count(distinct (callid, queuename, event_epoch))::int"
        " from raw.queue_log q join audit.load_batches b on b.batch_id = q._batch_id and b.status = 'loaded'"
        " where event = 'ENTERQUEUE' group by 1 order by 1"))


@pytest.fixture(scope="module")
def first_run(nightly):
    return _run(nightly, DAY2)


def test_first_run_catches_up_every_landed_day_and_publishes(first_run):
    assert str(first_run.state) == "success", _states(first_run)
    batches = _all("select source, logical_date, run_id from audit.load_batches where status = 'loaded'"
                   " order by logical_date, source")
    assert [(s, d) for s, d, _ in batches] == [(s, d) for d in (DAY1, DAY2) for s in ("calls", "crm", "repairs")]
    assert {run_id for *_, run_id in batches} == {first_run.run_id}
    publication = _one("select logical_date, build_schema, run_id from audit.publications")
    assert publication == (DAY2, "marts_blue", first_run.run_id)
    assert set(_offered_in_marts()) == {DAY1, DAY2}
    # every source's raw suite and the mart suites passed, in the audit trail
    verdicts = _all("select family, coalesce(source, build_schema), status from audit.validation_runs"
                    " where run_id = %s order by 1, 2", first_run.run_id)
    assert [(f, w) for f, w, _ in verdicts] == [("mart", "marts_blue"), ("raw", "calls"), ("raw", "crm"),
                                                ("raw", "repairs")]
    assert all(status in ("passed", "warning") for *_, status in verdicts), verdicts
    assert _one("select count(*) from audit.pipeline_events where run_id = %s and event = 'run_succeeded'",
                first_run.run_id) == (1,)
    # the report: the auditors' index and the dbt docs of the published build
    from service_warehouse.config import get_settings

    reports = get_settings().reports_dir
    assert (reports / "index.html").is_file() and (reports / "dbt-docs" / "index.html").is_file()
    assert (reports / "dbt-docs" / "catalog.json").is_file()


@pytest.fixture(scope="module")
def second_run(nightly, first_run):
    marts_before = _offered_in_marts()
    return _run(nightly, DAY3), marts_before


def test_second_day_loads_only_its_own_day_and_adds_it_correctly(second_run):
    dag_run, marts_before = second_run
    assert str(dag_run.state) == "success", _states(dag_run)
    new = _all("select source, logical_date from audit.load_batches where run_id = %s order by source", dag_run.run_id)
    assert new == [("calls", DAY3), ("crm", DAY3), ("repairs", DAY3)]
    # blue/green: the second publication is the other build schema, as of day 3
    assert _all("select logical_date, build_schema from audit.publications order by publication_id") == [
        (DAY2, "marts_blue"), (DAY3, "marts_green")]
    offered = _offered_in_marts()
    assert {d: offered[d] for d in marts_before} == marts_before  # earlier days unchanged
    assert offered == _enterqueue_in_raw()  # and the marts agree with raw, day 3 included
    assert set(offered) == {DAY1, DAY2, DAY3}


def test_summary_reads_landed_rows_publication_kpis_and_verdict(second_run):
    from service_warehouse.orchestration._summary import collect

    summary = collect()
    by_source = {r["source"]: r for r in summary.sources}
    assert set(by_source) == {"crm", "calls", "repairs"}
    assert all(r["batches"] == 3 and r["last"] == DAY3 for r in by_source.values())
    loaded = _one("select sum(rows_loaded)::int from audit.load_batches where source = 'calls' and status = 'loaded'")
    assert by_source["calls"]["loaded"] == loaded[0] > 0
    assert summary.publication["logical_date"] == DAY3 and summary.publication["publications"] == 2
    assert "call_kpis_daily" in summary.marts
    kpis = dict(summary.kpis)
    offered = sum(v for d, v in _offered_in_marts().items() if d.month == 8)
    assert summary.kpi_month == date(2026, 8, 1) and kpis["calls offered"] == f"{offered:,}"
    assert summary.verdict in ("PASSED", "PASSED with warnings")
    plan = dict(summary.plan)
    assert summary.forecast_made_on == DAY3
    week = _one("select round(sum(forecast))::int from marts.demand_forecast_daily where is_latest_vintage"
                " and is_champion and series_kind = 'calls' and horizon_days between 1 and 7")[0]
    assert plan["calls forecast, next 7 days"] == f"{week:,}"


def test_rerunning_a_published_day_does_nothing(nightly, second_run):
    batches = _one("select count(*) from audit.load_batches")
    publications = _one("select count(*) from audit.publications")
    dag_run = _run(nightly, DAY3)
    states = _states(dag_run)
    assert str(dag_run.state) == "success"
    assert states["prepare"] == "success" and states["marts.publish"] == "skipped"
    assert _one("select count(*) from audit.load_batches") == batches
    assert _one("select count(*) from audit.publications") == publications


def test_failing_raw_suite_stops_the_run_before_dbt(nightly, second_run):
    from service_warehouse.config import get_settings

    # a quarter of day 4's work orders unreadable: the loader quarantines them, the raw suite
    # (quarantine share > 5 % is critical) must stop the run
    path = get_settings().landing_dir / "repairs" / DAY4.isoformat() / "work_orders.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 4
    path.write_text("\n".join("{not json" if i % 4 == 0 else line for i, line in enumerate(lines)) + "\n",
                    encoding="utf-8")
    publications = _one("select count(*) from audit.publications")
    dag_run = _run(nightly, DAY4)
    states = _states(dag_run)
    assert str(dag_run.state) == "failed"
    assert states["raw.land_repairs"] == "success" and states["raw.check_repairs"] == "failed"
    dbt_states = {s for t, s in states.items() if t.startswith("transform.")}
    assert dbt_states == {"upstream_failed"}, dbt_states
    assert states["marts.publish"] == "upstream_failed"
    assert _one("select count(*) from audit.publications") == publications
    event = _one("select message from audit.pipeline_events where run_id = %s and event = 'task_failed'",
                 dag_run.run_id)
    assert "raw.check_repairs failed for day 2026-08-06" in event[0]


def test_failing_mart_suite_stops_the_run_before_publish(nightly, second_run):
    # the dbt tasks are marked success without running: the build schema still holds the build
    # of day 2, which lacks days 3-5 of call_kpis_daily (a critical check of the mart suite)
    publications = _all("select publication_id, logical_date from audit.publications order by 1")
    dag_run = _run(nightly, DAY5, mark_success_pattern=r"transform\..*|cross_model_checks")
    states = _states(dag_run)
    assert str(dag_run.state) == "failed"
    assert states["raw.check_calls"] == "success"
    assert states["marts.gate"] == "failed" and states["marts.publish"] == "upstream_failed"
    assert _all("select publication_id, logical_date from audit.publications order by 1") == publications
    # the marts dashboards read still point at the day-3 build
    assert max(_offered_in_marts()) == DAY3
