"""The customer-grain models built night by night, incrementally by customer, equal a full rebuild.

`int_customer_activity_days` and `customer_monthly` recompute only the customers something
happened to (macros/customers_incremental.sql). The simulator plays ten days across a month's
end (2026-09-26 … 10-05); the real loaders land them and each night runs the models the way
the nightly run does (blue/green build schemas in turn, each catching up from its own marks).
On the way, written into raw as the CRM would deliver them:
  - night 5: an invoice moves to another customer (the first one must lose it), and an invoice
    dated two days ahead arrives (it becomes visible without a new batch two nights later);
  - night 6: a customer file takes over another customer's phone number (a newer file wins the
    number, so the first customer's calls are re-attributed: that customer itself never changed);
  - night 7: the same night is built twice (nothing new: no row is rewritten);
At the end the incremental tables are kept aside and the models are rebuilt with
``--full-refresh``: the two must agree row for row. Then an earlier CRM day is re-landed (a
replaced batch leaves no row to follow): the next run recomputes every customer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Shanghai")
START, DAYS = date(2026, 9, 26), 10
LAST = START + timedelta(days=DAYS - 1)
FIRST_BUILD = 3
MODELS = "+int_customer_activity_days +customer_monthly"
MOVE_ON, TAKEOVER_ON, TWICE_ON = 5, 6, 7


def _new_version(conn, table: str, key: str, value: str, batch: int, day: date, **changes) -> None:
    """A newer version of a stored row (raw columns from its staging base table), with changes."""
    base = {"crm_customers": "base_crm__customers", "crm_invoices": "base_crm__invoices"}[table]
    conn.execute(f"create temporary table new_version as select * from staging.{base} where {key} = %s", (value,))
    sets = ", ".join(f"{column} = %s" for column in changes)
    line = conn.execute(f"select coalesce(max(_line_number), 0) + 1 from raw.{table} where _batch_id = %s",
                        (batch,)).fetchone()[0]
    conn.execute(f"update new_version set {sets}, _batch_id = %s, _logical_date = %s, _line_number = %s",
                 [*changes.values(), batch, day, line])
    conn.execute(f"insert into raw.{table} select * from new_version")
    conn.execute("drop table new_version")


def _batch(conn, day: date) -> int:
    """A further CRM batch of the day, with the day's extraction watermarks (the next extraction
    starts from the latest batch's: without them it would extract the whole CRM again)."""
    return conn.execute(
        "insert into audit.load_batches (source, logical_date, status, finished_at, details) "
        "select 'crm', %s, 'loaded', now(), details from audit.load_batches "
        "where source = 'crm' and logical_date = %s and status = 'loaded' order by batch_id desc limit 1 "
        "returning batch_id", (day, day)).fetchone()[0]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TZ)


#: customers ordered by their last activity, the quietest first: a change to one of them is only
#: seen through the rule under test (a customer active tonight is recomputed anyway)
QUIET = ("select customer_id from intermediate.int_customer_activity_days "
         "group by customer_id order by max(activity_date), customer_id")


def _move_an_invoice(conn, day: date) -> dict:
    """Night 5: an invoice of a quiet customer moves to another; an invoice dated two days ahead arrives."""
    invoice, owner = conn.execute(
        f"with quiet as ({QUIET}) select invoices.invoice_id, invoices.customer_id "
        "from staging.base_crm__invoices as invoices join quiet using (customer_id) "
        "where invoices.invoiced_at < %s limit 1", (_at(day, 0),)).fetchone()
    other, ahead = conn.execute(
        "select min(customer_id) filter (where customer_id <> %s), max(customer_id) filter (where customer_id <> %s) "
        "from staging.base_crm__customers", (owner, owner)).fetchone()
    batch = _batch(conn, day)
    _new_version(conn, "crm_invoices", "invoice_id", invoice, batch, day,
                 customer_id=other, updated_at=_at(day, 12))
    _new_version(conn, "crm_invoices", "invoice_id", invoice, batch, day,
                 invoice_id="INV-AHEAD-1", customer_id=ahead, invoiced_at=_at(day + timedelta(days=2), 10),
                 updated_at=_at(day, 13))
    return {"invoice": invoice, "from": owner, "to": other, "ahead": ahead}


def _take_a_number_over(conn, day: date, schema: str, spare: str) -> dict:
    """Night 6: a newer customer file takes the number of a quiet customer who has calls."""
    loser, phone = conn.execute(
        f"with quiet as ({QUIET}) select quiet.customer_id, customers.phone from quiet "
        "join staging.base_crm__customers as customers using (customer_id) "
        f"where customers.status <> 'closed' and quiet.customer_id <> %s "
        f"and quiet.customer_id in (select customer_id from {schema}.fct_calls) limit 1", (spare,)).fetchone()
    winner = conn.execute(
        "select min(customer_id) from staging.base_crm__customers where customer_id <> %s and status <> 'closed' "
        f"and customer_id not in (select customer_id from {schema}.fct_calls where customer_id is not null)",
        (loser,)).fetchone()[0]
    _new_version(conn, "crm_customers", "customer_id", winner, _batch(conn, day), day,
                 phone=phone, created_at=_at(day, 9), updated_at=_at(day, 9))
    return {"loser": loser, "winner": winner}


def _invoices_of(conn, schema: str, customer: str, day: date) -> tuple:
    """A customer's invoices as stored in both models, and as the CRM has them, as of the day."""
    return conn.execute(
        f"select (select coalesce(sum(invoices), 0) from {schema}.customer_monthly where customer_id = %(c)s), "
        "(select count(*) from intermediate.int_customer_activity_days "
        " where customer_id = %(c)s and activity_kinds like '%%invoice%%'), "
        "(select count(*) from staging.stg_crm__invoices where customer_id = %(c)s and invoiced_at < %(at)s), "
        "(select count(distinct invoiced_date) from staging.stg_crm__invoices where customer_id = %(c)s and invoiced_at < %(at)s)",
        {"c": customer, "at": _at(day + timedelta(days=1), 0)}).fetchone()


def _rows(conn, table: str) -> list[tuple]:
    return conn.execute(f"select * from {table}").fetchall()


@pytest.fixture(scope="module")
def nights(fresh_warehouse, tmp_path_factory):
    from service_warehouse.loaders import load_day, load_pending
    from service_warehouse.simulator import simulate

    landing = tmp_path_factory.mktemp("landing")
    target = tmp_path_factory.mktemp("dbt_target")
    mp = pytest.MonkeyPatch()
    mp.setenv("SVCWH_LANDING_DIR", str(landing))
    seen: dict = {"url": fresh_warehouse}
    schemas = ["marts_blue", "marts_green"]

    def versions(conn, schema: str) -> dict[str, list[tuple]]:
        return {t: _rows(conn, f"(select xmin::text, * from {t}) as s")
                for t in ("intermediate.int_customer_activity_days", f"{schema}.customer_monthly")}

    try:
        simulate(DAYS, start=START, preset="tiny", seed=20260926, landing_dir=landing)
        for n in range(FIRST_BUILD, DAYS):
            day, schema = START + timedelta(days=n), schemas[n % 2]
            results = load_pending(day)
            assert all(r.status == "loaded" for r in results), [(r.source, r.day, r.status) for r in results]
            with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
                if n == MOVE_ON:
                    seen["moved"] = _move_an_invoice(conn, day)
                if n == TAKEOVER_ON:
                    seen["takeover"] = _take_a_number_over(conn, day, schemas[(n - 1) % 2], seen["moved"]["from"])
                before = versions(conn, schema) if n == TWICE_ON else None
            if n == FIRST_BUILD:
                args = ["build", "--select", "resource_type:seed", *MODELS.split(),
                        "--exclude", "resource_type:test", "resource_type:unit_test"]
            else:
                args = ["run", "--select", MODELS]
            run_dbt(args, build_schema=schema, as_of=day, target_path=target)
            with psycopg.connect(fresh_warehouse) as conn:
                if n == MOVE_ON:  # the customer that lost an invoice, that night: stored vs the CRM
                    seen["owner_that_night"] = _invoices_of(conn, schema, seen["moved"]["from"], day)
                if n == TAKEOVER_ON:
                    seen["reattributed"] = conn.execute(
                        f"select count(*) filter (where customer_id = %s), count(*) filter (where customer_id = %s) "
                        f"from {schema}.fct_calls", (seen["takeover"]["loser"], seen["takeover"]["winner"])).fetchone()
                if n == TWICE_ON:  # an ordinary night: how many rows kept their version
                    after = versions(conn, schema)
                    seen["kept"] = {t: (len(set(before[t]) & set(after[t])), len(after[t])) for t in after}
                    run_dbt(args, build_schema=schema, as_of=day, target_path=target)  # nothing new
                    seen["untouched"] = {t: rows == versions(conn, schema)[t] for t, rows in after.items()}
        last = schemas[(DAYS - 1) % 2]
        with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
            conn.execute("create schema customers_incremental")
            conn.execute("create table customers_incremental.int_customer_activity_days as "
                         "select * from intermediate.int_customer_activity_days")
            conn.execute(f"create table customers_incremental.customer_monthly as select * from {last}.customer_monthly")
        run_dbt(["run", "--full-refresh", "--select", "int_customer_activity_days", "customer_monthly"],
                build_schema=last, as_of=LAST, target_path=target)
        seen["last"] = last
        # an earlier CRM day re-landed: its replaced batch's rows left raw, so everything is recomputed
        with psycopg.connect(fresh_warehouse) as conn:
            before = versions(conn, last)
        load_day("crm", START + timedelta(days=FIRST_BUILD + 1), force=True).raise_for_status()
        run_dbt(["run", "--select", MODELS], build_schema=last, as_of=LAST, target_path=target)
        with psycopg.connect(fresh_warehouse) as conn:
            after = versions(conn, last)
        seen["after_replacement"] = {t: (len({r[0] for r in before[t]} & {r[0] for r in after[t]}), len(after[t]))
                                     for t in after}
    finally:
        mp.undo()
    return seen


@pytest.mark.parametrize("model", ["int_customer_activity_days", "customer_monthly"])
def test_incremental_by_customer_equals_full_rebuild(nights, model):
    rebuilt = f"{'intermediate' if model.startswith('int_') else nights['last']}.{model}"
    kept = f"customers_incremental.{model}"
    with psycopg.connect(nights["url"]) as conn:
        assert conn.execute(f"select count(*) from {rebuilt}").fetchone()[0] > 100, "too small a history to say anything"
        for a, b in ((rebuilt, kept), (kept, rebuilt)):
            extra = conn.execute(f"select * from {a} except all select * from {b}").fetchall()
            assert not extra, f"{len(extra)} rows in {a} and not in {b}, e.g. {extra[:3]}"


def test_the_scenarios_happened(nights):
    """The fixture's changes did what they are there for, in the tables built night by night."""
    loser_calls, winner_calls = nights["reattributed"]
    assert loser_calls == 0 and winner_calls > 0, "the number takeover re-attributed no call"
    moved, loser = nights["moved"], nights["takeover"]["loser"]
    with psycopg.connect(nights["url"]) as conn:
        owner = conn.execute("select customer_id from staging.stg_crm__invoices where invoice_id = %s",
                             (moved["invoice"],)).fetchone()[0]
        ahead = conn.execute("select invoices from customers_incremental.customer_monthly "
                             "where customer_id = %s and month = date '2026-10-01'", (moved["ahead"],)).fetchone()
        stale = conn.execute(
            "select count(*) from customers_incremental.int_customer_activity_days "
            "where customer_id = %s and activity_kinds like '%%call%%'", (loser,)).fetchone()[0]
        left = conn.execute("select coalesce(sum(invoices), 0) from customers_incremental.customer_monthly "
                            "where customer_id = %s", (moved["from"],)).fetchone()[0]
        held = conn.execute("select count(*) from staging.stg_crm__invoices where customer_id = %s and invoiced_at < %s",
                            (moved["from"], _at(LAST + timedelta(days=1), 0))).fetchone()[0]
    assert owner == moved["to"]
    assert ahead is not None and ahead[0] >= 1, "the invoice dated ahead never became visible"
    assert stale == 0, f"{loser} lost its number, yet still has days with calls"
    assert left == held, f"{moved['from']} still counts the invoice it lost"
    monthly, days, invoices, invoice_days = nights["owner_that_night"]
    assert (monthly, days) == (invoices, invoice_days), f"{moved['from']} still counted the invoice it lost that night"


def test_a_night_recomputes_some_customers_not_all(nights):
    for table, (kept, rows) in nights["kept"].items():
        assert 0 < kept < rows, f"{table}: {kept} of {rows} rows kept their version on an ordinary night"


def test_a_night_with_nothing_new_rewrites_no_row(nights):
    assert nights["untouched"] == dict.fromkeys(nights["untouched"], True)


def test_a_replaced_batch_recomputes_every_customer(nights):
    for table, (same_version, rows) in nights["after_replacement"].items():
        assert rows > 100 and same_version == 0, f"{table}: {same_version} of {rows} rows not rewritten"
