"""End to end: the nightly increment through Airflow (``dag.test``) on a warehouse with history.

Days 1 and 2 (the ``tiny`` preset) are loaded, built and published by the nightly steps run
without Airflow (the product's task functions, in the DAG's order: ``run_night``); then each DAG
run is a real Airflow run: real loaders, raw suites (GX), dbt through Cosmos, mart suites,
publication. In order:

1. day 3 — the nightly increment, every model built by its Cosmos task: only day 3 is loaded;
   the marts add it correctly; blue/green alternates; every suite's verdict, the run's success,
   the auditors' report and the dbt docs are recorded; the run's summary reads it back;
2. day 5 on a stale build (dbt tasks marked success, not run) — the run catches up days 4 and 5
   (each its own batch), the mart suite fails: no publication, the dashboards keep day 3.

The runs that must not build (nothing to do, a failed raw suite) are in
``test_service_warehouse_nightly_run.py``.
"""

from __future__ import annotations

from datetime import date

import pytest

import _dagrun as dr
from _dagrun import DAY1, DAY2, DAY3, DAY4, DAY5

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def nightly(fresh_warehouse, airflow_db, run_night, tmp_path_factory):
    """5 simulated days landed, days 1–2 published without Airflow; the DAG on a fresh manifest."""
    with dr.published_history(tmp_path_factory, run_night, days=5) as dag:
        yield dag


@pytest.fixture(scope="module")
def second_run(nightly):
    marts_before = dr.offered_in_marts()
    assert set(marts_before) == {DAY1, DAY2}
    return dr.run(nightly, DAY3), marts_before


def test_second_day_loads_only_its_own_day_and_adds_it_correctly(second_run):
    dag_run, marts_before = second_run
    assert str(dag_run.state) == "success", dr.states(dag_run)
    new = dr.all_rows("select source, logical_date from audit.load_batches where run_id = %s order by source",
                      dag_run.run_id)
    assert new == [("calls", DAY3), ("crm", DAY3), ("repairs", DAY3)]
    # blue/green: the second publication is the other build schema, as of day 3
    assert dr.all_rows("select logical_date, build_schema from audit.publications order by publication_id") == [
        (DAY2, "marts_blue"), (DAY3, "marts_green")]
    offered = dr.offered_in_marts()
    assert {d: offered[d] for d in marts_before} == marts_before  # earlier days unchanged
    assert offered == dr.enterqueue_in_raw()  # and the marts agree with raw, day 3 included
    assert set(offered) == {DAY1, DAY2, DAY3}
    # every source's raw suite and the mart suites passed, in the audit trail
    verdicts = dr.all_rows("select family, coalesce(source, build_schema), status from audit.validation_runs"
                           " where run_id = %s order by 1, 2", dag_run.run_id)
    assert [(f, w) for f, w, _ in verdicts] == [("mart", "marts_green"), ("raw", "calls"), ("raw", "crm"),
                                                ("raw", "repairs")]
    assert all(status in ("passed", "warning") for *_, status in verdicts), verdicts
    assert dr.one("select count(*) from audit.pipeline_events where run_id = %s and event = 'run_succeeded'",
                  dag_run.run_id) == (1,)
    # the report: the auditors' index and the dbt docs of the published build
    from service_warehouse.config import get_settings

    reports = get_settings().reports_dir
    assert (reports / "index.html").is_file() and (reports / "dbt-docs" / "index.html").is_file()
    assert (reports / "dbt-docs" / "catalog.json").is_file()


def test_summary_reads_landed_rows_publication_kpis_and_verdict(second_run):
    from service_warehouse.orchestration._summary import collect

    summary = collect()
    by_source = {r["source"]: r for r in summary.sources}
    assert set(by_source) == {"crm", "calls", "repairs"}
    assert all(r["batches"] == 3 and r["last"] == DAY3 for r in by_source.values())
    loaded = dr.one("select sum(rows_loaded)::int from audit.load_batches where source = 'calls' and status = 'loaded'")
    assert by_source["calls"]["loaded"] == loaded[0] > 0
    assert summary.publication["logical_date"] == DAY3 and summary.publication["publications"] == 2
    assert "call_kpis_daily" in summary.marts
    kpis = dict(summary.kpis)
    offered = sum(v for d, v in dr.offered_in_marts().items() if d.month == 8)
    assert summary.kpi_month == date(2026, 8, 1) and kpis["calls offered"] == f"{offered:,}"
    assert summary.verdict in ("PASSED", "PASSED with warnings")
    plan = dict(summary.plan)
    assert summary.forecast_made_on == DAY3
    week = dr.one("select round(sum(forecast))::int from marts.demand_forecast_daily where is_latest_vintage"
                  " and is_champion and series_kind = 'calls' and horizon_days between 1 and 7")[0]
    assert plan["calls forecast, next 7 days"] == f"{week:,}"


def test_failing_mart_suite_stops_the_run_before_publish(nightly, second_run):
    # the dbt tasks are marked success without running: the build schema still holds the build
    # of day 2, which lacks days 3-5 of call_kpis_daily (a critical check of the mart suite)
    publications = dr.all_rows("select publication_id, logical_date from audit.publications order by 1")
    dag_run = dr.run(nightly, DAY5, mark_success_pattern=r"transform\..*|cross_model_checks")
    states = dr.states(dag_run)
    assert str(dag_run.state) == "failed"
    # one run caught up the two landed days, each day its own batch
    landed = dr.all_rows("select source, logical_date from audit.load_batches where run_id = %s"
                         " and status = 'loaded' order by 2, 1", dag_run.run_id)
    assert landed == [(s, d) for d in (DAY4, DAY5) for s in ("calls", "crm", "repairs")]
    assert states["raw.check_calls"] == "success"
    assert states["marts.gate"] == "failed" and states["marts.publish"] == "upstream_failed"
    assert dr.all_rows("select publication_id, logical_date from audit.publications order by 1") == publications
    # the marts dashboards read still point at the day-3 build
    assert max(dr.offered_in_marts()) == DAY3
