"""Write-audit-publish on a real warehouse: dbt's stand-in builds hand-made marts, the real gate
validates them, publish re-points the ``marts`` views.

One story, in order (the module shares one warehouse): first build → blue, passes, published;
second build → green with a defect, fails, yesterday's marts unchanged byte for byte and the
failure visible in audit and reports; third build → green again, passes, published. Then:
publication is atomic for readers, grants survive, lineage answers, re-publication is idempotent.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg
import pytest
from _handmade import build_marts, load_call_batch, marts_snapshot

from service_warehouse.errors import DataQualityError
from service_warehouse.publish import choose_build_schema, live_schema, publish
from service_warehouse.quality import run_mart_suites, run_raw_suite

pytestmark = pytest.mark.integration

DAY1 = dt.date(2026, 10, 20)
DAY2 = DAY1 + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def state(gate_env):
    """What the story's steps hand on to each other."""
    return {"url": gate_env["url"], "reports": gate_env["reports"]}


def _conn(state, **kwargs):
    return psycopg.connect(state["url"], **kwargs)


def test_choose_build_schema_first_ever_is_blue(state):
    assert live_schema() is None
    assert choose_build_schema() == "marts_blue"


def test_publish_clean_build_publishes_views_onto_it(state):
    with _conn(state, autocommit=True) as conn:
        state["batch1"] = load_call_batch(conn, DAY1)
        build_marts(conn, "marts_blue", DAY1)
    raw = run_raw_suite("calls", [state["batch1"]], "run_day1", DAY1)
    verdict = run_mart_suites("marts_blue", "run_day1", DAY1)

    publication = publish("marts_blue", "run_day1", DAY1, verdict.validation_run_id)

    assert publication.models == ("call_kpis_daily", "dim_customer", "fct_calls")
    assert live_schema() == "marts_blue" and choose_build_schema() == "marts_green"
    with _conn(state) as conn:
        kinds = conn.execute("select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid ="
                             " c.relnamespace where n.nspname = 'marts' order by 1").fetchall()
        assert kinds == [("call_kpis_daily", "v"), ("dim_customer", "v"), ("fct_calls", "v")]
        assert conn.execute("select max(local_date) from marts.call_kpis_daily").fetchone()[0] == DAY1
        row = conn.execute("select validation_run_id, raw_validation_run_ids, batch_ids, models"
                           " from audit.publications").fetchone()
    assert row == (verdict.validation_run_id, [raw.validation_run_id], [state["batch1"]], list(publication.models))


def test_publish_failed_gate_keeps_previous_marts_byte_for_byte(state):
    with _conn(state, autocommit=True) as conn:
        before = marts_snapshot(conn)
        build_marts(conn, "marts_green", DAY2, tag="-g")
        conn.execute("update marts_green.call_kpis_daily set service_level = 1.7 where local_date = %s", (DAY2,))
    build = choose_build_schema()
    assert build == "marts_green"

    with pytest.raises(DataQualityError, match=r"call_kpis_daily\.service_level\.in_0_1") as caught:
        run_mart_suites(build, "run_day2_bad", DAY2)
    failed = caught.value.verdict
    with pytest.raises(DataQualityError, match="is failed: mart.call_kpis_daily: call_kpis_daily.service_level"):
        publish(build, "run_day2_bad", DAY2, failed.validation_run_id)

    with _conn(state) as conn:
        assert marts_snapshot(conn) == before
        assert conn.execute("select count(*) from audit.publications").fetchone()[0] == 1
        status, failing = conn.execute("select status, failing_critical from audit.validation_runs"
                                       " where validation_run_id = %s", (failed.validation_run_id,)).fetchone()
    assert status == "failed" and failing == ["mart.call_kpis_daily: call_kpis_daily.service_level.in_0_1"]
    assert live_schema() == "marts_blue" and choose_build_schema() == "marts_green"
    report = (state["reports"] / "run_day2_bad" / "report.html").read_text(encoding="utf-8")
    assert "call_kpis_daily.service_level.in_0_1" in report and "Not published by this run" in report
    index = (state["reports"] / "index.html").read_text(encoding="utf-8")
    assert "run_day2_bad" in index and "run_day1" in index
    assert (state["reports"] / "run_day2_bad" / "gx" / "data_docs" / "index.html").is_file()


def test_publish_next_good_run_publishes(state):
    with _conn(state, autocommit=True) as conn:
        build_marts(conn, "marts_green", DAY2, tag="-g")  # dbt rebuilds the same non-live schema
    verdict = run_mart_suites("marts_green", "run_day2", DAY2)

    publish("marts_green", "run_day2", DAY2, verdict.validation_run_id)

    assert live_schema() == "marts_green" and choose_build_schema() == "marts_blue"
    with _conn(state) as conn:
        assert conn.execute("select max(local_date) from marts.call_kpis_daily").fetchone()[0] == DAY2
        # blue (yesterday's build) is untouched: the next build starts from it
        assert conn.execute("select max(local_date) from marts_blue.call_kpis_daily").fetchone()[0] == DAY1
    state["green_vrid"] = verdict.validation_run_id


def test_publish_is_idempotent_for_the_same_validation_run(state):
    with _conn(state) as conn:
        before = conn.execute("select count(*) from audit.publications").fetchone()[0]
    again = publish("marts_green", "run_day2", DAY2, state["green_vrid"])
    with _conn(state) as conn:
        assert conn.execute("select count(*) from audit.publications").fetchone()[0] == before
    assert again.build_schema == "marts_green"


def test_publish_rejects_a_validation_of_another_schema_or_a_bad_schema(state):
    with pytest.raises(DataQualityError, match="not the marts in marts_blue"):
        publish("marts_blue", "run_x", DAY2, state["green_vrid"])
    with pytest.raises(DataQualityError, match="does not exist"):
        publish("marts_blue", "run_x", DAY2, 987654)
    with pytest.raises(ValueError, match="build schema must be one of"):
        publish("raw", "run_x", DAY2, state["green_vrid"])


def test_lineage_names_batches_and_validations_behind_a_mart(state):
    with _conn(state) as conn:
        rows = conn.execute(
            "select evidence, batch_id, suite, expectation, success from audit.lineage"
            " where mart = 'call_kpis_daily' and is_live and (data_date = %s or evidence = 'mart_validation')",
            (DAY1,)).fetchall()
    evidence = {r[0] for r in rows}
    assert evidence == {"load_batch", "raw_validation", "mart_validation"}
    assert {r[1] for r in rows if r[0] != "mart_validation"} == {state["batch1"]}
    assert ("raw_validation", state["batch1"], "raw.calls.cdr", "cdr.answer_at_not_before_start_at", True) in rows
    assert all(r[2] == "mart.call_kpis_daily" for r in rows if r[0] == "mart_validation")


def test_publish_is_atomic_for_readers(state):
    """Readers in a loop during publications see one build or the other, never a mix, and never wait long.

    blue and green differ (green has one more day); in each build the calls counted in
    call_kpis_daily equal the rows of fct_calls, so a statement that read one view from each
    build would see the two numbers disagree.
    """
    with _conn(state, autocommit=True) as conn:
        build_marts(conn, "marts_blue", DAY1)  # a passed build of blue to alternate with
    blue = run_mart_suites("marts_blue", "run_alt_blue", DAY1).validation_run_id
    green = state["green_vrid"]
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    waits: list[float] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            url = state["url"].replace("postgres@", "bi_reader@", 1)
            with psycopg.connect(url, autocommit=True) as conn:
                while not stop.is_set():
                    start = time.monotonic()
                    seen.append(conn.execute(
                        "select (select sum(offered) from marts.call_kpis_daily),"
                        " (select count(*) from marts.fct_calls)").fetchone())
                    waits.append(time.monotonic() - start)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            if i % 2 == 0:
                publish("marts_blue", "run_alt_blue", DAY1, blue)
            else:
                publish("marts_green", "run_day2", DAY2, green)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not errors, errors
    assert len(seen) > 50
    assert {offered == calls for offered, calls in seen} == {True}
    assert len({calls for _, calls in seen}) == 2  # both builds were seen
    assert max(waits) < 2.5


def test_publish_behind_a_long_reader_gives_up_cleanly(state, monkeypatch):
    """A reader holding a mart for long makes publish give up after its attempts, not hang:
    the previous marts stay published and readable at once (no lock is left behind)."""
    from service_warehouse.errors import WarehouseError

    monkeypatch.setenv("SVCWH_PUBLISH_LOCK_TIMEOUT", "300ms")
    live = live_schema()
    other = "marts_green" if live == "marts_blue" else "marts_blue"
    vrid = state["green_vrid"] if other == "marts_green" else None
    if vrid is None:
        vrid = run_mart_suites(other, "run_long_reader", DAY1).validation_run_id
    with _conn(state) as conn:
        before = marts_snapshot(conn)
    holder = _conn(state)
    holder.execute("select count(*) from marts.fct_calls")  # transaction left open: holds the view
    try:
        start = time.monotonic()
        with pytest.raises(WarehouseError, match="stayed locked by readers through 2 attempts"):
            publish(other, "run_long_reader", DAY1, vrid, attempts=2)
        assert time.monotonic() - start < 10
        with _conn(state) as conn:
            start = time.monotonic()
            conn.execute("select count(*) from marts.call_kpis_daily").fetchone()
            assert time.monotonic() - start < 1
    finally:
        holder.rollback()
        holder.close()
    assert live_schema() == live
    with _conn(state) as conn:
        assert marts_snapshot(conn) == before
