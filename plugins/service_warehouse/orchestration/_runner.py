"""Run the nightly DAG through Airflow for one day or a range of days, in order.

``python -m service_warehouse.orchestration._runner --from D1 --to D2 [--conf JSON]`` runs in a
process whose environment is :func:`~service_warehouse.orchestration.airflow_env` (Airflow reads
its configuration at import). Each day is one real DAG run (``dag.test``: the same code path as
``airflow dags test``, recorded in the metadata database and visible in the UI), one after the
other so that days publish in order; it stops at the first failed run.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta


def load_dag(dag_id: str | None = None):
    """The DAG object from its file in the DAG folder (as the scheduler would parse it)."""
    from airflow.dag_processing.dagbag import DagBag

    from service_warehouse.orchestration import DAG_ID, DAGS_FOLDER

    dag_id = dag_id or DAG_ID
    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{dag_id}.py"))
    if bag.import_errors:
        raise RuntimeError(f"the DAG file does not import: {bag.import_errors}")
    return bag.get_dag(dag_id)


def test_run(dag, day: date, conf: dict | None = None, **kwargs):
    """One DAG run for ``day`` through ``dag.test()``; returns the DagRun.

    Airflow 3.3.2's ``dag.test()`` crashes after a successful run of a DAG that declares a
    deadline (apache/airflow#73428: the in-memory scheduler DAG holds serialized alerts where
    ids are expected). Deadlines are for scheduled runs anyway, so the in-process run drops
    them; the DAG file, the scheduler and the UI keep the 07:00 deadline.
    """
    import gc
    import os

    from service_warehouse.orchestration import logical_datetime

    dag.deadline = None
    # Cosmos' local operator copies each task's env (build schema, connection, DBT_* flags) into
    # os.environ for its OpenLineage step and never restores it. Harmless in a worker process of
    # its own; here every task shares this process, so keep the environment as it was.
    saved = dict(os.environ)
    # Cosmos ends every dbt task with a full gc.collect(). In this process that walks everything
    # Airflow, dbt and GX hold (≈ 1.5 s a task, a fifth of a DAG run of `tiny` days, measured with
    # py-spy: DECISIONS "The in-process DAG run freezes the heap"): what exists before the run
    # is moved out of the collector's sight, and back after
    gc.collect()
    gc.freeze()
    try:
        return dag.test(logical_date=logical_datetime(day), run_conf=conf or {}, **kwargs)
    finally:
        gc.unfreeze()
        os.environ.clear()
        os.environ.update(saved)


def run_days(first: date, last: date, conf: dict | None = None) -> list[tuple[date, str]]:
    """Run the DAG for each day from ``first`` to ``last``; (day, final state) per run."""
    dag = load_dag()
    results = []
    day = first
    while day <= last:
        dag_run = test_run(dag, day, conf)
        state = str(getattr(dag_run, "state", "unknown"))
        results.append((day, state))
        print(f"svcwh-run {day.isoformat()} {state} {getattr(dag_run, 'run_id', '')}", flush=True)
        if state != "success":
            break
        day += timedelta(days=1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    parser.add_argument("--to", dest="last", required=True, type=date.fromisoformat)
    parser.add_argument("--conf", default="{}", help="run conf (the DAG's params) as JSON")
    args = parser.parse_args(argv)
    results = run_days(args.first, args.last, json.loads(args.conf))
    return 0 if results and all(state == "success" for _, state in results) else 1


if __name__ == "__main__":
    sys.exit(main())
