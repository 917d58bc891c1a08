"""Helpers of the end-to-end DAG tests: one DAG run, its task states, the warehouse's answers."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

DAY1, DAY2, DAY3, DAY4, DAY5 = (date(2026, 8, d) for d in (3, 4, 5, 6, 7))


@contextmanager
def published_history(tmp_path_factory, run_night, *, days: int):
    """``days`` simulated ``tiny`` days landed in folders of the caller's own, days 1–2 loaded,
    built and published without Airflow; yields the nightly DAG, loaded from its file after a
    fresh ``dbt parse`` (the manifest Cosmos reads)."""
    import pytest

    from service_warehouse.orchestration._runner import load_dag
    from service_warehouse.simulator import simulate
    from service_warehouse.transform import build_manifest

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("nightly")
    mp.setenv("SVCWH_LANDING_DIR", str(root / "landing"))
    mp.setenv("SVCWH_REPORTS_DIR", str(root / "reports"))
    try:
        simulate(days=days, start=DAY1, preset="tiny", seed=7)
        assert run_night(DAY2) == []
        build_manifest()
        yield load_dag()
    finally:
        mp.undo()


def run(dag, day: date, **kwargs):
    from service_warehouse.orchestration._runner import test_run

    return test_run(dag, day, **kwargs)


def states(dag_run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def one(sql: str, *args):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        return conn.execute(sql, args).fetchone()


def all_rows(sql: str, *args):
    from service_warehouse.warehouse import connect

    with connect() as conn:
        return conn.execute(sql, args).fetchall()


def offered_in_marts() -> dict[date, int]:
    return dict(all_rows("select local_date, sum(offered)::int from marts.call_kpis_daily group by 1 order by 1"))


def enterqueue_in_raw() -> dict[date, int]:
    return dict(all_rows(
        "select (event_at at time zone 'Asia/Shanghai')::date, count(distinct (callid, queuename, event_epoch))::int"
        " from raw.queue_log q join audit.load_batches b on b.batch_id = q._batch_id and b.status = 'loaded'"
        " where event = 'ENTERQUEUE' group by 1 order by 1"))
