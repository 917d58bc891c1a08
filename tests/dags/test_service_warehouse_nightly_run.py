"""End to end: DAG runs through Airflow (``dag.test``) that must not build: nothing to do, a failed raw suite.

Simulated days (the ``tiny`` preset) land in a folder of the test's own; days 1 and 2 are loaded,
built and published by the nightly steps without Airflow (``run_night``). Then, in order, real
Airflow runs:

1. day 2 again — nothing to do: no batch, no publication;
2. day 4 with a repair file > 5 % unreadable — the run catches up days 3 and 4, the raw suite
   fails: no dbt, no publication, the dashboards keep day 2.

The runs that build through Cosmos (the nightly increment, a catch-up over a stale build) are in
``test_service_warehouse_nightly_increment.py``: each dbt task costs seconds, so one module builds.
"""

from __future__ import annotations

import pytest

import _dagrun as dr
from _dagrun import DAY1, DAY2, DAY3, DAY4

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def nightly(fresh_warehouse, airflow_db, run_night, tmp_path_factory):
    """4 simulated days landed, days 1–2 published without Airflow; the DAG on a fresh manifest."""
    with dr.published_history(tmp_path_factory, run_night, days=4) as dag:
        yield dag


def test_rerunning_a_published_day_does_nothing(nightly):
    batches = dr.one("select count(*) from audit.load_batches")
    publications = dr.one("select count(*) from audit.publications")
    dag_run = dr.run(nightly, DAY2)
    states = dr.states(dag_run)
    assert str(dag_run.state) == "success"
    assert states["prepare"] == "success" and states["marts.publish"] == "skipped"
    assert dr.one("select count(*) from audit.load_batches") == batches
    assert dr.one("select count(*) from audit.publications") == publications


def test_failing_raw_suite_stops_the_run_before_dbt(nightly):
    from service_warehouse.config import get_settings

    # a quarter of day 4's work orders unreadable: the loader quarantines them, the raw suite
    # (quarantine share > 5 % is critical) must stop the run
    path = get_settings().landing_dir / "repairs" / DAY4.isoformat() / "work_orders.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 4
    path.write_text("\n".join("{not json" if i % 4 == 0 else line for i, line in enumerate(lines)) + "\n",
                    encoding="utf-8")
    publications = dr.one("select count(*) from audit.publications")
    dag_run = dr.run(nightly, DAY4)
    states = dr.states(dag_run)
    assert str(dag_run.state) == "failed"
    assert states["raw.land_repairs"] == "success" and states["raw.check_repairs"] == "failed"
    dbt_states = {s for t, s in states.items() if t.startswith("transform.")}
    assert dbt_states == {"upstream_failed"}, dbt_states
    assert states["marts.publish"] == "upstream_failed"
    assert dr.one("select count(*) from audit.publications") == publications
    # days 3 and 4 were caught up, each its own batch; the marts still show days 1 and 2
    landed = dr.all_rows("select distinct logical_date from audit.load_batches where run_id = %s order by 1",
                         dag_run.run_id)
    assert landed == [(DAY3,), (DAY4,)]
    assert set(dr.offered_in_marts()) == {DAY1, DAY2}
    event = dr.one("select message from audit.pipeline_events where run_id = %s and event = 'task_failed'",
                   dag_run.run_id)
    assert "raw.check_repairs failed for day 2026-08-06" in event[0]
