"""The call-centre dbt models on a small simulated history, built the way the nightly run does.

One module-wide build: five days landed and built at once, then seven more landed one at a time,
each followed by an incremental dbt run (one build schema here, so dbt's partial parse keeps the
runs quick: the blue/green catch-up is in test_calls_simulated.py), with a CRM change, QA forms that arrive a day late and a
day REPLACED by a corrected file on the way. Then the same schema is rebuilt with
``dbt build --full-refresh`` (every data test and unit test runs) and compared row for row;
the headline KPIs are checked against values computed here, independently, from the raw rows.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, time, timedelta

import psycopg
import pytest

from _calls_raw import (
    AGENTS,
    TZ,
    RawWriter,
    assert_same_rows,
    check_call_kpis,
    default_customers,
    simulate,
    snapshot_call_models,
)
from service_warehouse.transform import DbtRunError, run_dbt

pytestmark = pytest.mark.integration

DAYS = [date(2026, 10, 1) + timedelta(days=n) for n in range(12)]
FIRST_BUILD = 4  # days 0..4 are landed before the first build (a schema catching up)
MY_MODELS = "+fct_calls +call_kpis_daily +agent_kpis_monthly"
SHARER = ("C000012", "138-0000-0005")
CLOSED = ("C000005", "138-0000-0005", "closed")
@pytest.fixture(scope="module")
def history(fresh_warehouse, tmp_path_factory):
    """Land and build day by day, snapshot, then full-refresh build; yields what the tests need."""
    target = tmp_path_factory.mktemp("dbt_target")
    files = simulate(DAYS, seed=11, calls_per_day=24)
    # QA forms: a corrected form names another call (the first call loses it); a second form
    # for an evaluated call (the later one takes the call over)
    moved = files[DAYS[1]].qa[0]
    moved_to = files[DAYS[4]].qa[0]["call_uniqueid"]
    files[DAYS[9]].qa.append({**moved, "call_uniqueid": moved_to, "evaluated_at": datetime.combine(DAYS[9], time(10), TZ)})
    second = files[DAYS[3]].qa[0]
    files[DAYS[10]].qa.append({**second, "evaluation_id": "QA90001", "evaluated_at": datetime.combine(DAYS[10], time(9), TZ)})
    # a form without its time for an answered call of day 5, whose uniqueid a call of day 8
    # reuses (after a reboot): the later answered entry takes the form over
    reused = next(e.callid for e in files[DAYS[5]].events if e.event == "CONNECT")
    taker = next(e.callid for e in files[DAYS[8]].events if e.event == "CONNECT" and e.day == DAYS[8])
    files[DAYS[6]].qa.append({**files[DAYS[3]].qa[1], "evaluation_id": "QA90002", "call_uniqueid": reused,
                              "evaluated_at": None})
    for day in (DAYS[8], DAYS[9]):
        for event in files[day].events:
            if event.callid == taker:
                event.callid = reused
    for row in files[DAYS[8]].cdr:
        if row["uniqueid"] == taker:
            row["uniqueid"] = row["linkedid"] = reused
    corrected = copy.deepcopy(files[DAYS[2]])
    dropped = {e.callid for e in corrected.events if e.event == "ENTERQUEUE"}
    dropped = set(sorted(dropped)[:4])  # the corrected file lacks four calls
    corrected.events = [e for e in corrected.events if e.callid not in dropped]
    corrected.cdr = [r for r in corrected.cdr if r["uniqueid"] not in dropped]
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        writer = RawWriter(conn)
        writer.crm(DAYS[0])
        for n, day in enumerate(DAYS):
            # late in the history, so that calls of days already final are affected; every CRM
            # batch re-extracts every customer, most of them unchanged
            if n == 8:  # a second file with C000005's number (C000005 keeps it: the smaller id)
                writer.crm(day, customers=default_customers() + [SHARER])
            if n == 9:  # C000005 is closed: its number's calls, on every date, go to the other file
                writer.crm(day, customers=[CLOSED if c[0] == CLOSED[0] else c for c in default_customers()] + [SHARER])
            if n == 11:  # the CRM learns a member name and a customer's new number
                changed_customers = default_customers()
                changed_customers[3] = ("C000003", "13800000020")
                changed_customers[5] = CLOSED
                writer.crm(day, agents=AGENTS + [("A0106", "Temp 9", "SIP/8006")],
                           customers=changed_customers + [SHARER])
            if n == 6:  # a corrected file for day 2 replaces its batch
                writer.replace("calls", DAYS[2])
                writer.day(DAYS[2], corrected)
            writer.day(day, files[day])
            if n < FIRST_BUILD:
                continue
            first = ["--select", "resource_type:seed", *MY_MODELS.split(), "--exclude", "resource_type:test",
                     "resource_type:unit_test"] if n == FIRST_BUILD else ["--select", MY_MODELS]
            run_dbt(["build" if n == FIRST_BUILD else "run", *first], build_schema="marts_blue", as_of=day,
                    target_path=target)
        last = "marts_blue"
        snapshot_call_models(conn, last, "calls_incremental")
        run_dbt(
            ["build", "--full-refresh", "--indirect-selection", "cautious", "--select", MY_MODELS],
            build_schema=last, as_of=DAYS[-1], target_path=target,
        )
    yield {"url": fresh_warehouse, "schema": last, "dropped": dropped, "moved": (moved, moved_to), "second": second,
           "reused": reused}


def test_calls_incremental_equals_full_refresh(history):
    with psycopg.connect(history["url"]) as conn:
        assert_same_rows(conn, history["schema"], "calls_incremental")


def test_calls_replaced_day_and_crm_changes_reach_the_marts(history):
    with psycopg.connect(history["url"]) as conn:
        schema = history["schema"]
        gone = conn.execute(f"select count(*) from {schema}.fct_calls where callid = any(%s)", (list(history["dropped"]),)).fetchone()[0]
        temp9 = conn.execute(f"select count(*), count(*) filter (where agent_id = 'A0106') from {schema}.fct_calls where agent_member_name = 'Temp 9'").fetchone()
        moved = conn.execute(f"select count(*) from {schema}.fct_calls as f join intermediate.int_queue_calls_assembled as i using (call_id) where f.customer_id = 'C000003' and i.caller_digits <> '13800000020'").fetchone()[0]
        incremental_temp9 = conn.execute("select count(*) filter (where agent_id is distinct from 'A0106') from calls_incremental.fct_calls where agent_member_name = 'Temp 9'").fetchone()[0]
    assert gone == 0, "calls of the replaced file are still in fct_calls"
    assert temp9[0] > 0 and temp9[0] == temp9[1], "calls of a member name the CRM learned later are not resolved"
    assert incremental_temp9 == 0, "the incremental build kept stale agent ids"
    assert moved == 0, "a customer's old phone number still matches calls"


def test_qa_forms_corrected_or_repeated_move_to_their_call(history):
    """A corrected form leaves its first call; a later form of an evaluated call takes it over."""
    moved, moved_to = history["moved"]
    second = history["second"]
    with psycopg.connect(history["url"]) as conn:
        for schema in ("intermediate", "calls_incremental"):
            matched = dict(conn.execute(
                f"select q.evaluation_id, c.callid from {schema}.int_calls_qa_matched as q"
                " join intermediate.int_queue_calls_assembled as c using (call_id)").fetchall())
            assert matched[moved["evaluation_id"]] == moved_to, schema
            assert moved["call_uniqueid"] not in matched.values(), f"{schema}: the corrected form's first call kept it"
            assert matched["QA90001"] == second["call_uniqueid"], schema
            assert second["evaluation_id"] not in matched, f"{schema}: the earlier form of a call evaluated twice"
            taken = conn.execute(
                f"select c.local_date from {schema}.int_calls_qa_matched as q"
                " join intermediate.int_queue_calls_assembled as c using (call_id) where q.evaluation_id = 'QA90002'"
            ).fetchall()
            assert taken == [(DAYS[8],)], f"{schema}: a form without its time stays with an earlier entry: {taken}"


def test_calls_of_a_closed_customers_number_go_to_the_open_file(history):
    """Closing a file changes no number, yet moves the calls of its number, stored on older dates."""
    with psycopg.connect(history["url"]) as conn:
        holders = conn.execute(
            f"select f.local_date < %s, f.customer_id, count(*) from {history['schema']}.fct_calls as f"
            " join intermediate.int_queue_calls_assembled as i using (call_id) where i.caller_digits = '13800000005'"
            " group by 1, 2 order by 1, 2", (DAYS[9],)).fetchall()
        incremental = conn.execute(
            "select distinct f.customer_id from calls_incremental.fct_calls as f"
            " join intermediate.int_queue_calls_assembled as i using (call_id) where i.caller_digits = '13800000005'"
        ).fetchall()
    assert {(before, customer) for before, customer, _ in holders} >= {(True, "C000012")}, holders
    assert {customer for _, customer, _ in holders} == {"C000012"}
    assert incremental == [("C000012",)], "the incremental build left calls with the closed file"


def test_call_kpis_daily_agree_with_raw(history):
    with psycopg.connect(history["url"]) as conn:
        checked_fcr = check_call_kpis(conn, history["schema"], DAYS[-1])
    assert checked_fcr >= 6, "too few final days to check the FCR rate"


def test_fct_calls_one_row_per_enterqueue(history):
    with psycopg.connect(history["url"]) as conn:
        raw = conn.execute(
            "select count(distinct (callid, queuename, event_epoch)) from raw.queue_log q join audit.load_batches b "
            "on b.batch_id = q._batch_id and b.status = 'loaded' where event = 'ENTERQUEUE'").fetchone()[0]
        mart = conn.execute(f"select count(*) from {history['schema']}.fct_calls").fetchone()[0]
    assert raw == mart > 0


def test_fct_calls_night_leaves_final_dates_untouched(history, tmp_path):
    """A night with nothing new recomputes only dates still open; final ones keep their rows.

    Rows deleted and re-inserted get a new xmin: an incremental model that silently fell back to
    rebuilding every date (e.g. a column its date logic reads went missing) would change them all.
    """
    schema = history["schema"]
    final_dates = DAYS[:3]  # final well before as of (entered + 7 days ≤ as of), no new batches
    query = f"select call_id, xmin::text from {schema}.fct_calls where local_date = any(%s) order by call_id"
    with psycopg.connect(history["url"]) as conn:
        before = conn.execute(query, (final_dates,)).fetchall()
    run_dbt(["run", "--select", "fct_calls"], build_schema=schema, as_of=DAYS[-1], target_path=tmp_path)
    with psycopg.connect(history["url"]) as conn:
        after = conn.execute(query, (final_dates,)).fetchall()
        open_days = conn.execute(
            f"select count(*) from {schema}.fct_calls where local_date = %s", (DAYS[-1],)).fetchone()[0]
    assert before, "no calls on the early days to check"
    assert after == before, "an incremental night rewrote calls of dates that were already final"
    assert open_days > 0


def test_docs_generate_describes_every_call_mart_column(history, tmp_path):
    import json

    run_dbt(["docs", "generate", "--select", MY_MODELS], build_schema=history["schema"], as_of=DAYS[-1],
            target_path=tmp_path)
    catalog = json.loads((tmp_path / "catalog.json").read_text())["nodes"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())["nodes"]
    for name in ("fct_calls", "call_kpis_daily", "agent_kpis_monthly"):
        key = f"model.service_warehouse.{name}"
        built = {c.lower() for c in catalog[key]["columns"]}
        documented = {c for c, spec in manifest[key]["columns"].items() if spec["description"].strip()}
        assert built, f"{name} is not in the catalog"
        assert built <= documented, f"{name}: columns without a description: {sorted(built - documented)}"
        assert catalog[key]["metadata"]["schema"] == history["schema"]


def test_not_null_and_unique_tests_read_the_catalog(history, tmp_path, scans):
    """The incremental tables hold their not_null-tested columns with NOT NULL constraints and
    their unique keys with unique indexes, so those tests read no row of the history
    (macros/catalog_held_tests.sql); without the constraint or index the same test reads the
    rows and fails on a NULL or a duplicate."""
    import json

    schema = history["schema"]
    run_dbt(["test", "--select", "fct_calls int_queue_calls_assembled"], build_schema=schema, as_of=DAYS[-1],
            target_path=tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())["nodes"]
    tables = {"model.service_warehouse.fct_calls": (schema, "fct_calls"),
              "model.service_warehouse.int_queue_calls_assembled": ("intermediate", "int_queue_calls_assembled")}
    tests = [n for n in manifest.values() if n["resource_type"] == "test" and n.get("attached_node") in tables
             and n["test_metadata"]["name"] in ("not_null", "unique")]
    assert {(n["attached_node"], n["test_metadata"]["name"]) for n in tests} == {
        (m, kind) for m in tables for kind in ("not_null", "unique")}
    compiled = {path.name: path.read_text() for path in (tmp_path / "compiled").rglob("*.sql")}
    with psycopg.connect(history["url"], autocommit=True) as conn:
        for node in tests:
            table_schema, table = tables[node["attached_node"]]
            column = node["test_metadata"]["kwargs"]["column_name"]
            if node["test_metadata"]["name"] == "not_null":
                assert conn.execute(
                    "select attnotnull from pg_attribute where attrelid = %s::regclass and attname = %s",
                    (f"{table_schema}.{table}", column)).fetchone() == (True,), f"{table}.{column} has no NOT NULL"
            assert scans(conn, compiled[node["path"]], table) == 0, f"{node['name']} read {table}"

        # without the constraint, a NULL is found by reading the rows
        conn.execute(f"alter table {schema}.fct_calls alter column queue drop not null")
        kept = conn.execute(f"update {schema}.fct_calls set queue = null where call_id = (select min(call_id)"
                            f" from {schema}.fct_calls) returning call_id, split_part(call_id, '|', 2)").fetchone()
        try:
            assert scans(conn, compiled["not_null_fct_calls_queue.sql"], "fct_calls") > 0
            with pytest.raises(DbtRunError, match="not_null_fct_calls_queue"):
                run_dbt(["test", "--select", "fct_calls,test_name:not_null"], build_schema=schema, as_of=DAYS[-1],
                        target_path=tmp_path)
        finally:
            conn.execute(f"update {schema}.fct_calls set queue = %s where call_id = %s", (kept[1], kept[0]))
            conn.execute(f"alter table {schema}.fct_calls alter column queue set not null")

        # without the unique index, a duplicate is found by grouping the rows
        index = conn.execute("select indexrelid::regclass::text from pg_index where indisunique"
                             " and indrelid = 'intermediate.int_queue_calls_assembled'::regclass").fetchone()[0]
        definition = conn.execute("select pg_get_indexdef(%s::regclass)", (index,)).fetchone()[0]
        conn.execute(f"drop index {index}")
        conn.execute("insert into intermediate.int_queue_calls_assembled"
                     " select * from intermediate.int_queue_calls_assembled limit 1")
        try:
            with pytest.raises(DbtRunError, match="unique_int_queue_calls_assembled_call_id"):
                run_dbt(["test", "--select", "int_queue_calls_assembled,test_name:unique"], build_schema=schema,
                        as_of=DAYS[-1], target_path=tmp_path)
        finally:
            conn.execute("delete from intermediate.int_queue_calls_assembled where ctid in (select max(ctid)"
                         " from intermediate.int_queue_calls_assembled group by call_id having count(*) > 1)")
            conn.execute(definition)


def test_calls_policy_edit_reflows_without_full_refresh(history, tmp_path):
    """A seed edit (short-abandon threshold, repeat window) reaches every row incrementally."""
    with psycopg.connect(history["url"], autocommit=True) as conn:
        conn.execute("update seeds.policy_thresholds set policy_value = 10 where policy_key = 'short_abandon_seconds'")
        conn.execute("update seeds.policy_thresholds set policy_value = 3 where policy_key = 'repeat_contact_window_days'")
        run_dbt(["run", "--select", MY_MODELS], build_schema=history["schema"], as_of=DAYS[-1], target_path=tmp_path)
        snapshot_call_models(conn, history["schema"], "calls_after_policy_edit")
        windows = conn.execute(f"select distinct repeat_window_days from {history['schema']}.fct_calls").fetchall()
        run_dbt(["run", "--full-refresh", "--select", MY_MODELS], build_schema=history["schema"], as_of=DAYS[-1],
                target_path=tmp_path)
        assert windows == [(3,)]
        assert_same_rows(conn, history["schema"], "calls_after_policy_edit")
