"""Incremental CRM extraction on a real (simulated) CRM database: watermarks and the overlap window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from service_warehouse.loaders import crm_bounds, load_day, load_pending, pending_days
from service_warehouse.warehouse import connect, crm_url

pytestmark = pytest.mark.integration

DAY1, DAY2 = date(2026, 8, 3), date(2026, 8, 4)
VERSION = "select customer_id, updated_at, city from raw.crm_customers where _batch_id = %s order by 1, 2"


@pytest.fixture(scope="module")
def crm(landing):
    """One simulated day in the CRM (no files landed: CRM days start at --up-to)."""
    from service_warehouse.simulator import simulate

    simulate(1, start=DAY1, preset="tiny", seed=3, landing_dir=landing / "_sim")
    return crm_url()


def test_crm_first_extraction_takes_everything_up_to_the_end_of_the_day(crm, sql):
    [result] = load_pending(DAY1, ("crm",), run_id="n1")
    assert result.status == "loaded", result.error
    with connect(crm) as conn:
        in_crm = conn.execute("select count(*) from crm.customers where updated_at < '2026-08-04 00:00+08'").fetchone()[0]
        marks = dict(conn.execute("select 'customers', max(updated_at) from crm.customers").fetchall())
    assert sql("select count(*) from raw.crm_customers where _batch_id = %s", (result.batch_id,)) == [(in_crm,)]
    assert sql("select watermark from audit.watermarks where source_table = 'crm.customers'") == [(marks["customers"],)]
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert set(result.details["watermarks"]) >= {"customers", "agents"}


def test_crm_next_night_takes_updates_and_late_commits_inside_the_overlap(crm, sql):
    wm = sql("select watermark from audit.watermarks where source_table = 'crm.customers'")[0][0]
    with connect(crm) as conn:
        ids = [r[0] for r in conn.execute("select customer_id from crm.customers where updated_at < %s order by 1 limit 3", (wm - timedelta(hours=2),))]
        # updated during day 2
        conn.execute("update crm.customers set city = 'Hangzhou', updated_at = '2026-08-04 10:00+08' where customer_id = %s", (ids[0],))
        # committed late: stamped 30 min before last night's high watermark, invisible when it was taken
        conn.execute("update crm.customers set city = 'Late', updated_at = %s where customer_id = %s", (wm - timedelta(minutes=30), ids[1]))
        # stamped after the end of day 2: belongs to day 3
        conn.execute("update crm.customers set city = 'Tomorrow', updated_at = '2026-08-05 00:00:01+08' where customer_id = %s", (ids[2],))
    with connect() as conn:
        lowers, upper = crm_bounds(conn, DAY2)
    assert lowers["customers"] == wm - timedelta(hours=1)
    assert upper == datetime.fromisoformat("2026-08-05T00:00:00+08:00")
    result = load_day("crm", DAY2, run_id="n2")
    assert result.status == "loaded", result.error
    got = sql(VERSION, (result.batch_id,))
    assert [(c, city) for c, _, city in got] == sorted([(ids[0], "Hangzhou"), (ids[1], "Late")])
    # the version at the old watermark sits in the overlap window too, but was taken last night
    assert sql(
        "select count(*) from (select customer_id, updated_at from raw.crm_customers group by 1, 2 having count(*) > 1) d"
    ) == [(0,)]
    assert result.details["files"]["crm.customers"]["overlap_skipped"] >= 1


def test_crm_rerun_of_a_day_gives_the_same_rows(crm, sql):
    first = sql("select batch_id from audit.load_batches where source = 'crm' and logical_date = %s and status = 'loaded'", (DAY2,))[0][0]
    before = sql(VERSION, (first,))
    again = load_day("crm", DAY2, run_id="rerun")
    assert again.status == "loaded" and again.replaced_batch_id == first
    assert sql(VERSION, (again.batch_id,)) == before
    assert sql("select count(*) from raw.crm_customers where _batch_id = %s", (first,)) == [(0,)]
    assert sql("select status from audit.load_batches where batch_id = %s", (first,)) == [("replaced",)]


def test_crm_extraction_quarantines_a_key_taken_twice_and_numbers_every_row_once(crm, sql):
    # a CRM table without its primary key can hold one key twice: the first copy (in key,
    # updated_at order) loads, the second is a duplicate_id; loaded and quarantined rows leave the
    # CRM in one COPY and are told apart by the row's end: their row numbers must fit together
    # (1..read, each once)
    day3 = DAY2 + timedelta(days=1)
    with connect(crm) as conn:
        [(pkey,)] = conn.execute(
            "select conname from pg_constraint where conrelid = 'crm.invoices'::regclass and contype = 'p'"
        ).fetchall()
        conn.execute(f"alter table crm.invoices drop constraint {pkey}")
        for stamp in ("2026-08-05 09:00+08", "2026-08-05 10:00+08"):
            conn.execute(
                "insert into crm.invoices (invoice_id, customer_id, invoiced_at, amount, currency, paid_at, updated_at) "
                "values ('INV-TWICE', null, %s, 10, 'CNY', null, %s)",
                (stamp, stamp),
            )
        # and one with a fault: paid before invoiced
        conn.execute(
            "insert into crm.invoices (invoice_id, customer_id, invoiced_at, amount, currency, paid_at, updated_at) "
            "values ('INV-EARLY', null, '2026-08-05 09:00+08', 10, 'CNY', '2026-08-05 08:00+08', '2026-08-05 11:00+08')"
        )
    result = load_day("crm", day3, run_id="n3")
    assert result.status == "loaded", result.error
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert sql(
        "select updated_at from raw.crm_invoices where _batch_id = %s and invoice_id = 'INV-TWICE'", (result.batch_id,)
    ) == [(datetime.fromisoformat("2026-08-05T09:00:00+08:00"),)]
    rejected = sql(
        "select reason, detail, raw_text::jsonb ->> 'invoice_id' from audit.quarantine "
        "where batch_id = %s and source_file = 'crm.invoices' order by line_number",
        (result.batch_id,),
    )
    assert [(r, i) for r, _, i in rejected] == [("end_before_start", "INV-EARLY"), ("duplicate_id", "INV-TWICE")]
    assert rejected[1][1] == "invoice_id INV-TWICE appears twice in this extraction"
    numbers = [n for (n,) in sql("select _line_number from raw.crm_invoices where _batch_id = %s", (result.batch_id,))]
    numbers += [n for (n,) in sql(
        "select line_number from audit.quarantine where batch_id = %s and source_file = 'crm.invoices'", (result.batch_id,)
    )]  # fmt: skip
    files = {f["source_file"]: f for f in result.files}
    assert sorted(numbers) == list(range(1, files["crm.invoices"]["rows_read"] + 1))


def test_crm_table_lacking_a_column_fails_the_batch_naming_table_and_column(crm, sql):
    day4 = DAY2 + timedelta(days=2)
    with connect(crm) as conn:
        conn.execute("alter table crm.agents rename column team to squad")
    try:
        result = load_day("crm", day4, run_id="n4")
    finally:
        with connect(crm) as conn:
            conn.execute("alter table crm.agents rename column squad to team")
    assert result.status == "failed" and result.fault == "wrong_format"
    assert "crm.agents" in result.error and "lacks column(s) team" in result.error
    # the failed batch keeps nothing, and the day stays pending for a retry
    assert sql("select count(*) from raw.crm_customers where _batch_id = %s", (result.batch_id,)) == [(0,)]
    assert day4 in pending_days("crm", day4)
