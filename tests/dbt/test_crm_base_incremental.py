"""The staging `base_*` tables (latest version of each CRM / work-order row), built night by night.

The simulator plays twelve days; the real loaders land the CRM and the work orders day by day and
each night runs the base models incrementally, as the nightly DAG does. On night 8, two work
orders first reported on day 4 are withdrawn from every file (the days already landed are
re-landed: replacement batches that no longer have them), and day 5's CRM extract is re-landed.
At the end the incremental tables are kept aside, the same models are rebuilt with
``--full-refresh``, and the two must agree row for row (without the reset pre-hook they do not:
the withdrawn orders stay).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import psycopg
import pytest

from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

START, DAYS = date(2026, 9, 1), 12
BASES = {
    "base_crm__customers": "customer_id",
    "base_crm__invoices": "invoice_id",
    "base_crm__surveys": "survey_id",
    "base_crm__complaints": "complaint_id",
    "base_field_service__work_orders": "work_order_id",
}
SELECT = ["--select", *BASES]
CORRECTED_DAY, RELANDED_CRM_DAY, RELAND_ON = START + timedelta(days=4), START + timedelta(days=5), 8


def _withdraw_work_orders(landing, first_day: date) -> tuple[set[str], set[date]]:
    """Take two orders first reported on first_day out of every file; return them and the days changed."""
    files = {date.fromisoformat(p.parent.name): p for p in (landing / "repairs").glob("*/work_orders*")}
    lines = {day: path.read_text(encoding="utf-8").splitlines(keepends=True) for day, path in files.items()}
    ids = {day: [json.loads(line)["work_order_id"] for line in text] for day, text in lines.items()}
    earlier = {i for day in ids if day < first_day for i in ids[day]}
    withdrawn = set(sorted(set(ids[first_day]) - earlier)[:2])
    changed = {day for day in ids if withdrawn & set(ids[day])}
    for day in changed:
        kept = [line for line, i in zip(lines[day], ids[day]) if i not in withdrawn]
        files[day].write_text("".join(kept), encoding="utf-8")
    return withdrawn, changed


def _rows(conn, table: str) -> list[tuple]:
    return conn.execute(f"select * from {table}").fetchall()


@pytest.fixture(scope="module")
def nights(fresh_warehouse, tmp_path_factory):
    """Land and build night by night; keep the incremental tables; rebuild them with --full-refresh."""
    from service_warehouse.loaders import load_day
    from service_warehouse.simulator import simulate

    landing = tmp_path_factory.mktemp("landing")
    target = tmp_path_factory.mktemp("dbt_target")
    mp = pytest.MonkeyPatch()
    mp.setenv("SVCWH_LANDING_DIR", str(landing))
    untouched = None
    try:
        simulate(DAYS, start=START, preset="tiny", seed=20260901, landing_dir=landing)
        days = [START + timedelta(days=n) for n in range(DAYS)]
        dropped: set[str] = set()
        for n, day in enumerate(days):
            if n == RELAND_ON:  # corrected files arrive late: replacement batches
                dropped, changed = _withdraw_work_orders(landing, CORRECTED_DAY)
                for corrected in sorted(d for d in changed if d < day):
                    load_day("repairs", corrected, force=True).raise_for_status()
                load_day("crm", RELANDED_CRM_DAY, force=True).raise_for_status()
            for source in ("crm", "repairs"):
                load_day(source, day).raise_for_status()
            if n == 3:  # a table built before the JSON document was left out of it
                with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
                    conn.execute("alter table staging.base_field_service__work_orders add column document jsonb")
            if n >= 2:
                run_dbt(["run", *SELECT], build_schema="marts_blue", as_of=day, target_path=target)
            if n == RELAND_ON - 1:  # a night with nothing new rewrites no row
                with psycopg.connect(fresh_warehouse) as conn:
                    before = {t: _rows(conn, f"(select xmin::text, * from staging.{t}) as s") for t in BASES}
                run_dbt(["run", *SELECT], build_schema="marts_blue", as_of=day, target_path=target)
                with psycopg.connect(fresh_warehouse) as conn:
                    untouched = {t: before[t] == _rows(conn, f"(select xmin::text, * from staging.{t}) as s")
                                 for t in BASES}
        with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
            conn.execute("create schema base_incremental")
            for table in BASES:
                conn.execute(f"create table base_incremental.{table} as select * from staging.{table}")
        run_dbt(["run", "--full-refresh", *SELECT], build_schema="marts_blue", as_of=days[-1], target_path=target)
    finally:
        mp.undo()
    yield {"url": fresh_warehouse, "dropped": dropped, "untouched": untouched}


def test_base_tables_incremental_equal_full_refresh(nights):
    with psycopg.connect(nights["url"]) as conn:
        for table, key in BASES.items():
            full = conn.execute(f"select count(*), count(distinct {key}) from staging.{table}").fetchone()
            assert full[0] == full[1] > 0, f"{table}: not one row per {key}"
            for a, b in (("staging", "base_incremental"), ("base_incremental", "staging")):
                extra = conn.execute(
                    f"select * from {a}.{table} except all select * from {b}.{table}").fetchall()
                assert not extra, f"{table}: {len(extra)} rows in {a} and not in {b}, e.g. {key}s {[r[0] for r in extra[:5]]}"


def test_base_tables_drop_what_a_replacement_batch_no_longer_has(nights):
    assert len(nights["dropped"]) == 2
    with psycopg.connect(nights["url"]) as conn:
        left = conn.execute(
            "select work_order_id from base_incremental.base_field_service__work_orders "
            "where work_order_id = any(%s)", (sorted(nights["dropped"]),)).fetchall()
        live = conn.execute(
            "select count(*) from base_incremental.base_field_service__work_orders as b "
            "join audit.load_batches as l on l.batch_id = b._batch_id where l.status <> 'loaded'").fetchone()[0]
    assert left == [], "work orders only a replaced batch had are still in the base table"
    assert live == 0, "rows of batches that are no longer live"


def test_work_orders_base_leaves_the_json_document_in_raw(nights):
    """No model reads the document (900 of a row's 1 400 bytes): an older table loses it once."""
    with psycopg.connect(nights["url"]) as conn:
        def columns(schema, table):
            return [r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " order by ordinal_position", (schema, table)).fetchall()]
        raw = columns("raw", "work_orders")
        assert "document" in raw
        expected = [c for c in raw if c != "document"]
        assert columns("base_incremental", "base_field_service__work_orders") == expected
        assert columns("staging", "base_field_service__work_orders") == expected


def test_a_night_with_nothing_new_rewrites_no_row(nights):
    assert nights["untouched"] == dict.fromkeys(BASES, True)
