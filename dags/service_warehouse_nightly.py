"""
### Customer-service warehouse: the nightly load, build, gate and publish

Runs at **02:00 in the centre's time zone** (`SVCWH_CENTRE_TZ`, default Asia/Shanghai) for the
previous local day **D** (the run with logical date D 02:00 runs at D+1 02:00).

1. **prepare** — picks the build schema that is not live (blue/green) and the as-of date; when
   nothing landed is waiting and the marts are already published for D, the run stops here
   (re-running a day is a no-op).
2. **wait_for_landing** — waits (reschedule mode) for `<landing>/_done/D`.
3. **raw** — lands CRM, call-centre and repair data in parallel, every landed day ≤ D not yet
   loaded (each day its own audited batch), each followed by its raw suite.
4. **transform** — dbt, one task per model with its tests (Cosmos, from the prebuilt manifest).
5. **forecast** — demand forecasts (calls by queue, complaints, repairs; every method, the
   backtest's champion) and Erlang C staffing from the marts just built, written as tonight's
   vintage to schema `forecast` (earlier vintages never change); then **demand_marts** builds
   the four demand marts on it (dbt).
6. **marts** — the mart suites gate the build; publish points the `marts` views at it.
7. **report** — the auditors' index page (every run's Data Docs) and the dbt docs.

Manual runs take params: `date` (YYYY-MM-DD, instead of the logical date), `full_refresh`,
`sources`. Transient faults (database connection) retry with backoff; data faults (a bad file,
a failed suite) fail at once. Failures and a missed 07:00 deadline are written to the log and
to `audit.pipeline_events`. Downstream DAGs can be scheduled on the asset
`service_warehouse.marts.published`.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from airflow.sdk import (
    AsyncCallback,
    CronDataIntervalTimetable,
    DeadlineAlert,
    DeadlineReference,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    TriggerRule,
    dag,
    get_current_context,
    task,
    task_group,
)

from service_warehouse.orchestration import DAG_ID, MARTS_PUBLISHED, RAW_ASSETS
from service_warehouse.orchestration import _callbacks as callbacks
from service_warehouse.orchestration import _tasks as steps
from service_warehouse.orchestration._cosmos import cross_model_tests, dbt_task_group, manifest_path
from service_warehouse.orchestration._sensors import LandingSensor

CENTRE_TZ = os.environ.get("SVCWH_CENTRE_TZ", "Asia/Shanghai")
LANDING_TIMEOUT = timedelta(hours=float(os.environ.get("SVCWH_LANDING_TIMEOUT_HOURS", "4")))

#: Transient faults retry with backoff; the product's data faults fail at once.
RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=["service_warehouse.errors.WarehouseError", "psycopg.OperationalError",
                       "builtins.ConnectionError", "builtins.TimeoutError"],
            action=RetryAction.RETRY,
            reason="transient: the database or the network",
        ),
        RetryRule(
            exception="service_warehouse.errors.ServiceWarehouseError",
            action=RetryAction.FAIL,
            reason="data fault: retrying cannot fix the data",
        ),
    ],
    default=RetryAction.FAIL,
)

DEFAULT_ARGS = {
    "owner": "data-engineering",
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=20),
    "retry_policy": RETRY_POLICY,
    "on_failure_callback": callbacks.on_task_failure,
    "on_retry_callback": callbacks.on_task_retry,
}


def _context_day() -> date:
    ctx = get_current_context()
    return steps.run_day(ctx.get("logical_date"), dict(ctx["params"]), getattr(ctx["dag_run"], "run_after", None))


@dag(
    dag_id=DAG_ID,
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone=CENTRE_TZ),
    start_date=datetime(2026, 8, 1, 2),
    catchup=False,  # one run catches up every landed day; `airflow backfill create` for ranges
    max_active_runs=1,  # days publish in order
    default_args=DEFAULT_ARGS,
    tags=["service_warehouse", "nightly", "dbt", "great_expectations"],
    params={
        "date": Param(None, type=["null", "string"], format="date",
                      description="the local day to process (YYYY-MM-DD); empty: the run's logical date"),
        "full_refresh": Param(False, type="boolean", description="rebuild incremental dbt models from scratch"),
        "sources": Param(list(steps.SOURCES), type="array",
                         items={"type": "string", "enum": list(steps.SOURCES)},
                         description="the sources to land (the others are skipped)"),
    },
    user_defined_macros={"svcwh_dbt_env": steps.dbt_env},
    on_failure_callback=callbacks.on_run_failure,
    on_success_callback=callbacks.on_run_success,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=5),  # queued at 02:00 → published by 07:00 local
        callback=AsyncCallback(callbacks.on_publish_deadline_missed, kwargs={"deadline_hour": 7}),
    ),
    doc_md=__doc__,
)
def service_warehouse_nightly():
    @task.short_circuit
    def prepare() -> dict:
        """Plan the run (build schema, as-of date, pending days); stop early if nothing to do."""
        ctx = get_current_context()
        plan = steps.prepare(_context_day(), dict(ctx["params"]))
        return plan.to_xcom() if plan else {}

    @task_group(group_id="raw")
    def raw(plan: dict) -> None:
        """Land the three sources in parallel, each followed by its raw suite."""
        checks = []
        for source in steps.SOURCES:

            @task(task_id=f"land_{source}")
            def land(plan: dict, source: str = source) -> list[int]:
                from airflow.sdk.exceptions import AirflowSkipException

                if source not in plan["sources"]:
                    raise AirflowSkipException(f"{source} not among params.sources")
                return steps.land(source, date.fromisoformat(plan["day"]), get_current_context()["run_id"])

            @task(task_id=f"check_{source}", outlets=[RAW_ASSETS[source]])
            def check(batch_ids: list[int], plan: dict, source: str = source) -> object:
                return steps.raw_suite(source, batch_ids, date.fromisoformat(plan["day"]),
                                       get_current_context()["run_id"])

            checks.append(check(land(plan), plan))

        @task(trigger_rule=TriggerRule.NONE_FAILED)
        def landed() -> None:
            """Every selected source landed and passed its raw suite."""

        checks >> landed()

    @task
    def transform_unavailable() -> None:
        """Stands where the dbt tasks go when no manifest was built: fails with what to do."""
        raise steps.NotBuiltYet(f"no dbt manifest at {manifest_path()}: `svcwh demo` and `svcwh run` build it "
                                "(dbt parse); or call service_warehouse.transform.build_manifest()")

    @task
    def forecast(plan: dict) -> object:
        """Forecast demand and staffing from the marts just built: tonight's vintage in schema `forecast`."""
        return steps.forecast(plan["build_schema"], plan["as_of_date"], get_current_context()["run_id"])

    @task
    def demand_marts(plan: dict) -> None:
        """Build the demand marts (dbt, with their tests) on tonight's forecast vintage."""
        steps.demand_marts(plan["build_schema"], plan["as_of_date"], plan["full_refresh"])

    @task
    def cross_model_checks(plan: dict) -> int:
        """dbt tests that read several models (relationships, reconciliations), once all are built."""
        return steps.cross_model_tests(plan["build_schema"], plan["as_of_date"], cross_model_tests())

    @task_group(group_id="marts")
    def marts(plan: dict) -> None:
        """Gate the build with the mart suites, then publish it."""

        # the build is as of `as_of_date` (= the run's day, or the last published day when a
        # backfill of an older day runs later): that is the date the gate and publication record
        @task
        def gate(plan: dict) -> object:
            return steps.gate(plan["build_schema"], date.fromisoformat(plan["as_of_date"]),
                              get_current_context()["run_id"])

        @task(outlets=[MARTS_PUBLISHED])
        def publish(plan: dict, validation_run_id: object) -> object:
            return steps.publish(plan["build_schema"], date.fromisoformat(plan["as_of_date"]),
                                 get_current_context()["run_id"], validation_run_id)

        publish(plan, gate(plan))

    @task
    def report(plan: dict) -> dict:
        """The auditors' index page (linking every run's Data Docs) and the dbt docs."""
        return steps.report(plan["build_schema"], plan["as_of_date"])

    # main flow
    plan = prepare()
    raw_group = raw(plan)
    wait = LandingSensor(
        task_id="wait_for_landing",
        day="{{ ti.xcom_pull(task_ids='prepare')['day'] }}",
        poke_interval=300,
        timeout=LANDING_TIMEOUT.total_seconds(),
        mode="reschedule",
    )
    plan >> wait >> raw_group
    transform = dbt_task_group("transform")
    if transform is None:
        transform = transform_unavailable()
    marts_group = marts(plan)
    raw_group >> transform >> forecast(plan) >> demand_marts(plan) >> cross_model_checks(plan) >> marts_group
    marts_group >> report(plan)


service_warehouse_nightly()
