"""The gate on real rows in a real warehouse with real Great Expectations.

Raw suites on hand-made call-centre batches (a clean history passes; a day with answers before
starts fails critically; a day with a tenth of the usual calls is a warning; too much quarantined
fails) and mart suites on hand-made marts (a KPI pushed out of [0, 1], a missing day, counts that
do not reconcile, an unmasked phone all fail critically).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from urllib.parse import unquote

import psycopg
import pytest
from _handmade import FIRST_DAY, build_marts, load_call_batch

from service_warehouse.errors import DataQualityError
from service_warehouse.quality import run_mart_suites, run_raw_suite

pytestmark = pytest.mark.integration

LAST = dt.date(2026, 10, 28)


@pytest.fixture(scope="module")
def history(gate_env):
    """Four weeks of clean call-centre batches, one a day (their ids by day)."""
    with psycopg.connect(gate_env["url"], autocommit=True) as conn:
        return {FIRST_DAY + dt.timedelta(days=i): load_call_batch(conn, FIRST_DAY + dt.timedelta(days=i))
                for i in range((LAST - FIRST_DAY).days + 1)}


def _audit(url: str, validation_run_id: int) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select expectation, severity, success, unexpected_count, unexpected_sample from audit.validations"
            " where validation_run_id = %s", (validation_run_id,)).fetchall()


def test_run_raw_suite_clean_day_passes_and_records_every_expectation(gate_env, history):
    verdict = run_raw_suite("calls", [history[LAST]], "run_clean", LAST)

    assert verdict.status == "passed", [o.describe() for o in verdict.outcomes if not o.success]
    rows = _audit(gate_env["url"], verdict.validation_run_id)
    assert len(rows) == len(verdict.outcomes) > 40
    names = {r[0] for r in rows}
    assert {"cdr.answer_at_not_before_start_at", "cdr.disposition.valid", "cdr.duration.range",
            "cdr.start_at.not_in_future", "calls.volume_vs_history", "load_batches.quarantine_share.critical",
            "cdr.start_at.type", "cdr.columns", "queue_log.enterqueue_unique_in_batch"} <= names
    with psycopg.connect(gate_env["url"]) as conn:
        status, batches, docs = conn.execute(
            "select status, batch_ids, data_docs_path from audit.validation_runs where validation_run_id = %s",
            (verdict.validation_run_id,)).fetchone()
    assert (status, batches) == ("passed", [history[LAST]])
    assert (gate_env["reports"] / docs).is_file()


def test_run_raw_suite_many_batches_at_once_validates_each_day(gate_env, history):
    """A catch-up run validates a month of batches in one call (volume judged per day)."""
    ids = sorted(history.values())

    verdict = run_raw_suite("calls", ids, "run_catch_up", LAST)

    assert verdict.status == "passed", [o.describe() for o in verdict.outcomes if not o.success]
    assert verdict.batch_ids == tuple(ids)


def test_run_raw_suite_answer_before_start_fails_naming_the_expectation(gate_env, history):
    day = LAST + dt.timedelta(days=1)
    with psycopg.connect(gate_env["url"], autocommit=True) as conn:
        batch = load_call_batch(conn, day, answer_before_start=3)

    with pytest.raises(DataQualityError, match=r"cdr\.answer_at_not_before_start_at \(3 unexpected\)") as caught:
        run_raw_suite("calls", [batch], "run_defect", day)

    verdict = caught.value.verdict
    assert verdict.status == "failed"
    assert [o.expectation for o in verdict.critical_failures] == ["cdr.answer_at_not_before_start_at"]
    failed = [r for r in _audit(gate_env["url"], verdict.validation_run_id) if not r[2]]
    assert [(r[0], r[1], r[3]) for r in failed] == [("cdr.answer_at_not_before_start_at", "critical", 3)]
    assert len(failed[0][4]) == 3  # the unexpected (answer, start) pairs are kept as a sample
    with psycopg.connect(gate_env["url"]) as conn:
        status, failing = conn.execute(
            "select status, failing_critical from audit.validation_runs where validation_run_id = %s",
            (verdict.validation_run_id,)).fetchone()
    assert status == "failed" and failing == ["raw.calls.cdr: cdr.answer_at_not_before_start_at"]
    # visible in the self-contained report and in GX's Data Docs of the run
    report = verdict.report.read_text(encoding="utf-8")
    assert "cdr.answer_at_not_before_start_at" in report and "FAIL" in report
    docs = verdict.data_docs.parent
    # GX's index lists its pages with scripts from CDNs; ours adds a plain list that works offline
    index = verdict.data_docs.read_text(encoding="utf-8")
    assert "svcwh:offline-list" in index and 'href="validations/raw/calls/cdr/' in index
    assert any("answer_at" in p.read_text(encoding="utf-8") and "false" in p.read_text(encoding="utf-8").lower()
               for p in docs.glob("validations/**/*.html"))


def test_run_raw_suite_day_with_a_tenth_of_the_calls_is_a_warning(gate_env, history):
    day = LAST + dt.timedelta(days=2)
    with psycopg.connect(gate_env["url"], autocommit=True) as conn:
        batch = load_call_batch(conn, day, calls=4)

    verdict = run_raw_suite("calls", [batch], "run_low_volume", day)

    assert verdict.status == "warning" and verdict.passed
    assert [o.expectation for o in verdict.warning_failures] == ["calls.volume_vs_history"]
    assert verdict.warning_failures[0].unexpected_sample == [0.1]


def test_run_raw_suite_too_much_quarantined_fails(gate_env, history):
    day = LAST + dt.timedelta(days=3)
    with psycopg.connect(gate_env["url"], autocommit=True) as conn:
        batch = load_call_batch(conn, day, quarantined=20)  # 20 of 100 rows read

    verdict = run_raw_suite("calls", [batch], "run_quarantine", day, raise_on_failure=False)

    assert verdict.status == "failed"
    assert {o.expectation for o in verdict.outcomes if not o.success} == {
        "load_batches.quarantine_share.warning", "load_batches.quarantine_share.critical"}


def test_run_raw_suite_rejects_unknown_source_and_foreign_batches(gate_env, history):
    with pytest.raises(ValueError, match="unknown source 'fax'"):
        run_raw_suite("fax", [1], "run_bad", LAST)
    with pytest.raises(ValueError, match=r"load batches \[999999\] do not exist"):
        run_raw_suite("calls", [999999], "run_bad", LAST)
    with pytest.raises(ValueError, match="belong to another source"):
        run_raw_suite("repairs", [history[LAST]], "run_bad", LAST)


@pytest.fixture
def green(gate_env):
    """Clean hand-made marts in marts_green up to LAST (rebuilt for each test)."""
    with psycopg.connect(gate_env["url"], autocommit=True) as conn:
        build_marts(conn, "marts_green", LAST)
        yield conn


def test_run_mart_suites_clean_marts_pass(gate_env, green):
    verdict = run_mart_suites("marts_green", "run_marts_clean", LAST)

    assert verdict.status == "passed", [o.describe() for o in verdict.outcomes if not o.success]
    names = {o.expectation for o in verdict.outcomes}
    assert {"call_kpis_daily.key_unique", "call_kpis_daily.service_level.in_0_1",
            "call_kpis_daily.counts_reconcile", "call_kpis_daily.reconciles_with_fct_calls",
            "call_kpis_daily.no_missing_day", "call_kpis_daily.offered.swing", "fct_calls.contract_columns",
            "dim_customer.phone_masked.masked", "dim_customer.no_personal_columns"} <= names
    # column checks are validated without fetching samples, but still count what they found
    in_0_1 = next(o for o in verdict.outcomes if o.expectation == "call_kpis_daily.service_level.in_0_1")
    assert (in_0_1.unexpected_count, in_0_1.unexpected_sample) == (0, None) and in_0_1.observed_value is None


@pytest.mark.parametrize(("defect", "expected"), [
    ("update marts_green.call_kpis_daily set service_level = 1.3 where local_date = '2026-10-20'",
     {"call_kpis_daily.service_level.in_0_1"}),
    ("delete from marts_green.call_kpis_daily where local_date = '2026-10-15';"
     " delete from marts_green.fct_calls where (entered_at at time zone 'Asia/Shanghai')::date = '2026-10-15'",
     {"call_kpis_daily.no_missing_day"}),
    ("update marts_green.call_kpis_daily set offered = offered + 1 where local_date = '2026-10-03'",
     {"call_kpis_daily.reconciles_with_fct_calls"}),
    ("update marts_green.call_kpis_daily set answered = offered + 1 where local_date = '2026-10-04'",
     {"call_kpis_daily.counts_reconcile", "call_kpis_daily.reconciles_with_fct_calls"}),
    ("update marts_green.fct_calls set outcome = 'dropped'"
     " where call_id = (select min(call_id) from marts_green.fct_calls where outcome = 'abandoned')",
     {"fct_calls.outcome.valid", "call_kpis_daily.reconciles_with_fct_calls"}),
    ("update marts_green.dim_customer set phone_masked = '13812345678' where customer_id = 'C000003'",
     {"dim_customer.phone_masked.masked"}),
    ("alter table marts_green.dim_customer add column email text",
     {"dim_customer.no_personal_columns"}),
    # no unique index here: the key is counted on the rows
    ("insert into marts_green.fct_calls select * from marts_green.fct_calls where outcome = 'abandoned' limit 1",
     {"fct_calls.key_unique", "call_kpis_daily.reconciles_with_fct_calls"}),
    ("insert into marts_green.call_kpis_daily select * from marts_green.call_kpis_daily limit 1",
     {"call_kpis_daily.key_unique", "call_kpis_daily.reconciles_with_fct_calls"}),
])
def test_run_mart_suites_defect_fails_critically(gate_env, green, defect, expected):
    green.execute(defect)

    verdict = run_mart_suites("marts_green", f"run_marts_{zlib.crc32(defect.encode())}", LAST,
                              raise_on_failure=False)

    assert verdict.status == "failed"
    assert {o.expectation for o in verdict.critical_failures} == expected
    # a failed column check is validated again alone for the sample its audit row keeps
    samples = {o.expectation: o.unexpected_sample for o in verdict.critical_failures}
    for name, values in {"call_kpis_daily.service_level.in_0_1": {1.3}, "fct_calls.outcome.valid": {"dropped"}}.items():
        if name in expected:
            assert samples[name] and set(samples[name]) == values


def test_mart_key_held_by_a_unique_index_is_read_from_the_catalog(gate_env, green, scans):
    """A valid unique index on the key answers key_unique without reading the mart; an index that
    does not hold the whole key (partial) leaves the check to count the rows, and a duplicate fails."""
    from dq_suites.marts import key_duplicates_query

    batch = "(select * from marts_green.fct_calls) as subselect"
    query = key_duplicates_query("marts_green", "fct_calls", ["call_id"]).replace("{batch}", batch)
    assert scans(green, query, "fct_calls") > 0  # no index yet: every call is grouped
    green.execute("create unique index on marts_green.fct_calls (call_id)")
    assert scans(green, query, "fct_calls") == 0
    assert green.execute(query).fetchall() == []
    verdict = run_mart_suites("marts_green", "run_marts_key_indexed", LAST)
    key = next(o for o in verdict.outcomes if o.expectation == "fct_calls.key_unique")
    assert key.success and key.observed_value == 0

    # a partial unique index lets the rows outside its predicate repeat
    green.execute("drop index marts_green.fct_calls_call_id_idx")
    green.execute("create unique index on marts_green.fct_calls (call_id) where outcome = 'answered'")
    green.execute("insert into marts_green.fct_calls select * from marts_green.fct_calls where outcome = 'abandoned' limit 1")
    assert scans(green, query, "fct_calls") > 0
    verdict = run_mart_suites("marts_green", "run_marts_key_partial", LAST, raise_on_failure=False)
    assert "fct_calls.key_unique" in {o.expectation for o in verdict.critical_failures}


def test_compound_key_is_held_only_by_an_index_whose_columns_cannot_be_null(gate_env, green, scans):
    from dq_suites.marts import key_duplicates_query

    batch = "(select * from marts_green.call_kpis_daily) as subselect"
    query = key_duplicates_query("marts_green", "call_kpis_daily", ["local_date", "queue"]).replace("{batch}", batch)
    green.execute("create unique index on marts_green.call_kpis_daily (queue, local_date)")
    assert scans(green, query, "call_kpis_daily") > 0  # nullable columns: (day, NULL) may repeat
    green.execute("alter table marts_green.call_kpis_daily alter column local_date set not null,"
                  " alter column queue set not null")
    assert scans(green, query, "call_kpis_daily") == 0


def test_run_mart_suites_kpi_swing_is_a_warning(gate_env, green):
    green.execute("update marts_green.fct_calls set outcome = 'abandoned', answered_at = null"
                  " where entered_at >= '2026-10-28' and queue = 'support'")
    green.execute("delete from marts_green.call_kpis_daily where local_date = '2026-10-28'")
    green.execute("""
        insert into marts_green.call_kpis_daily
        select local_date, queue, count(*), count(*) filter (where outcome = 'answered'),
               count(*) filter (where outcome = 'abandoned'), 0, 0,
               (count(*) filter (where outcome = 'answered' and is_answered_within_threshold))::numeric / count(*),
               avg(wait_seconds), (count(*) filter (where outcome = 'abandoned'))::numeric / count(*),
               avg(talk_seconds), 0.0, 0.8, 85.0, 0.0
        from (select *, (entered_at at time zone 'Asia/Shanghai')::date as local_date from marts_green.fct_calls) f
        where local_date = '2026-10-28' group by 1, 2""")

    verdict = run_mart_suites("marts_green", "run_marts_swing", LAST)  # warnings do not raise

    assert verdict.status == "warning"
    assert {o.expectation for o in verdict.warning_failures} >= {"call_kpis_daily.abandon_rate.swing",
                                                                 "call_kpis_daily.service_level.swing"}


def test_run_mart_suites_rejects_a_schema_that_is_not_a_build_schema(gate_env):
    with pytest.raises(ValueError, match="build schema must be one of"):
        run_mart_suites("marts", "run_x", LAST)


def test_run_mart_suites_empty_build_schema_is_an_error(gate_env):
    with pytest.raises(DataQualityError, match="no marts in marts_blue"):
        run_mart_suites("marts_blue", "run_empty", LAST)


def test_run_reports_are_self_contained(gate_env, history):
    """The run report and the index need nothing from the network (auditors may be offline)."""
    from service_warehouse.quality import build_audit_index

    day = LAST + dt.timedelta(days=5)
    with psycopg.connect(gate_env["url"], autocommit=True) as conn:
        batch = load_call_batch(conn, day, answer_before_start=1)
    run_raw_suite("calls", [history[LAST]], "run_ok_report", LAST)
    run_raw_suite("calls", [batch], "run_bad_report", day, raise_on_failure=False)

    index = build_audit_index()
    pages = [index, *gate_env["reports"].glob("*/report.html")]
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), page
    # the run report links each GX validation page (readable offline), and every link resolves
    report = gate_env["reports"] / "run_bad_report" / "report.html"
    hrefs = [unquote(h) for h in re.findall(r'href="([^"]+)"', report.read_text(encoding="utf-8"))]
    assert any(h.startswith("gx/data_docs/validations/") for h in hrefs)
    assert all((report.parent / h).resolve().is_file() for h in hrefs), hrefs
    # the run's GX project keeps the connection as a variable: no URL in any file
    for path in (gate_env["reports"] / "run_bad_report" / "gx").rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".json", ".html"):
            assert "postgresql" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert "${WAREHOUSE_GX_URL}" in (gate_env["reports"] / "run_bad_report" / "gx" / "great_expectations.yml"
                                     ).read_text(encoding="utf-8")
    index_text = index.read_text(encoding="utf-8")
    assert "run_bad_report" in index_text and "run_ok_report" in index_text and "failed" in index_text
    assert "run_bad_report/report.html" in index_text
