"""Helpers of the end-to-end DAG tests: one DAG run, its task states, the warehouse's answers."""

from __future__ import annotations

from datetime import date

DAY1, DAY2, DAY3, DAY4, DAY5 = (date(2026, 8, d) for d in (3, 4, 5, 6, 7))


def load_nightly_dag():
    """The nightly DAG from its file, after a fresh ``dbt parse`` (the manifest Cosmos reads)."""
    from service_warehouse.orchestration._runner import load_dag
    from service_warehouse.transform import build_manifest

    build_manifest()
    return load_dag()


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
