"""load_day / load_pending on real files in a real PostgreSQL: lineage, audit, idempotency, faults."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from service_warehouse.loaders import load_day, load_pending, pending_days

pytestmark = pytest.mark.integration

DAY = date(2026, 8, 3)
QA = (
    "evaluation_id,call_uniqueid,agent_id,inspector_id,evaluated_at,greeting,listening,accuracy,compliance,closing,total_score,fatal_error,comment\r\n"
    "QA1,1658204657.0,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,15,85,N,服务热情\r\n"
    "QA2,1658204800.43,A0002,A0100,2026-08-03 11:00:00,12,10,11,9,10,52,Y,语气生硬\r\n"
    "QA3,1658204835.63,A0002,A0100,2026-08-03 11:00:00,十二,10,11,9,10,52,Y,坏分数\r\n"
).encode("gbk")
WO = (
    '{"work_order_id": "WO-1", "updated_at": "2026-08-03T09:00:00+08:00", "status": "reported"}\n'
    '{"work_order_id": "WO-2", "updated_at": "2026-08-03T10:00:00+08:00", "status": "dispatched"}\n'
    '{"work_order_id": "WO-1", "updated_at": "2026-08-03T11:00:00+08:00", "status": "dispatched"}\n'
).encode()


@pytest.fixture(scope="module")
def calls_day(landing, asterisk_samples, land_day):
    """A calls day of real Asterisk files (Issabel, Asterisk 16) and a GBK QA form."""
    files = {
        "Master.csv": (asterisk_samples / "cdr_csv_18col_issabel_ast16_queue_calls_excerpt.csv").read_bytes(),
        "queue_log": (asterisk_samples / "queue_log_issabel_ast16_2022-07_excerpt.log").read_bytes(),
        "qa_evaluations.csv": QA,
        "hotline.csv": b"not loaded",
    }
    return land_day(landing, "calls", DAY, files)


def test_load_day_loads_every_file_with_lineage_and_audit(calls_day, sql):
    result = load_day("calls", DAY, run_id="t1")
    assert result.status == "loaded", result.error
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (272 + 300 + 3, 272 + 300 + 2, 1)
    batch = result.batch_id
    assert sql("select count(*) from raw.cdr where _batch_id = %s", (batch,)) == [(272,)]
    assert sql("select count(*) from raw.queue_log where _batch_id = %s", (batch,)) == [(300,)]
    lineage = sql(
        "select _logical_date, _source_file, min(_line_number), max(_line_number), count(_loaded_at) "
        "from raw.queue_log where _batch_id = %s group by 1, 2",
        (batch,),
    )
    assert lineage == [(DAY, "calls/2026-08-03/queue_log", 1, 300, 300)]
    assert sql("select _flags from raw.queue_log where _batch_id = %s and _line_number = 54", (batch,)) == [
        (["nul_bytes_stripped"],)
    ]
    assert sql(
        "select evaluation_id, source_encoding, comment from raw.qa_evaluations where _batch_id = %s order by 1", (batch,)
    ) == [("QA1", "gb18030", "服务热情"), ("QA2", "gb18030", "语气生硬")]
    assert sql("select line_number, reason, source_file from audit.quarantine where batch_id = %s", (batch,)) == [
        (4, "bad_number", "calls/2026-08-03/qa_evaluations.csv")
    ]
    [(raw_text, detail)] = sql("select raw_text, detail from audit.quarantine where batch_id = %s", (batch,))
    assert "坏分数" in raw_text and "greeting" in detail  # readable: decoded as the file's GBK
    row = sql(
        "select status, run_id, rows_read, rows_loaded, rows_quarantined, details ->> 'qa_encoding', finished_at is not null "
        "from audit.load_batches where batch_id = %s",
        (batch,),
    )
    assert row == [("loaded", "t1", 575, 574, 1, "gb18030", True)]
    files = dict(sql("select source_file, sha256 from audit.load_files where batch_id = %s", (batch,)))
    assert files["calls/2026-08-03/Master.csv"] == hashlib.sha256((calls_day / "Master.csv").read_bytes()).hexdigest()
    assert set(files) == {f"calls/2026-08-03/{n}" for n in ("Master.csv", "queue_log", "qa_evaluations.csv")}
    # CDR times are the CDR time zone's wall clock (default: the centre's, Asia/Shanghai)
    assert sql(
        "select to_char(start_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') from raw.cdr "
        "where _batch_id = %s and _line_number = 1",
        (batch,),
    ) == [("2022-07-18 12:30:58",)]


def test_load_day_identical_files_are_skipped(calls_day, sql):
    before = sql("select count(*) from raw.cdr")
    result = load_day("calls", DAY)
    assert result.status == "skipped"
    assert sql("select count(*) from raw.cdr") == before
    assert sql("select count(*) from audit.load_batches where source = 'calls' and status = 'loaded'") == [(1,)]


def test_load_day_corrected_file_replaces_the_day(calls_day, sql):
    old = sql("select batch_id from audit.load_batches where source = 'calls' and status = 'loaded'")[0][0]
    master = calls_day / "Master.csv"
    original = master.read_bytes()
    master.write_bytes(b"".join(original.splitlines(keepends=True)[:100]))
    try:
        result = load_day("calls", DAY)
    finally:
        master.write_bytes(original)
    assert result.status == "loaded" and result.replaced_batch_id == old
    assert sql("select count(*) from raw.cdr") == [(100,)]
    assert sql("select count(*) from raw.queue_log") == [(300,)]
    assert sql("select distinct _batch_id from raw.queue_log") == [(result.batch_id,)]
    assert sql("select status, replaced_by from audit.load_batches where batch_id = %s", (old,)) == [
        ("replaced", result.batch_id)
    ]
    # forced reload of the (now original again) files replaces once more
    again = load_day("calls", DAY, force=True)
    assert again.status == "loaded" and sql("select count(*) from raw.cdr") == [(272,)]


def test_load_day_failed_batch_leaves_the_loaded_day_intact_and_can_be_retried(calls_day, sql):
    loaded = sql("select batch_id from audit.load_batches where source = 'calls' and status = 'loaded'")[0][0]
    qlog = calls_day / "queue_log"
    original = qlog.read_bytes()
    qlog.write_bytes(original[:-20])  # cut inside the last line
    try:
        failed = load_day("calls", DAY)
    finally:
        qlog.write_bytes(original)
    assert failed.status == "failed" and failed.fault == "truncated_file"
    assert failed.error.startswith("calls/2026-08-03/queue_log:300: truncated_file")
    assert sql("select count(*) from raw.cdr where _batch_id = %s", (failed.batch_id,)) == [(0,)]
    assert sql("select count(*) from audit.quarantine where batch_id = %s", (failed.batch_id,)) == [(0,)]
    assert sql("select status, fault from audit.load_batches where batch_id = %s", (failed.batch_id,)) == [
        ("failed", "truncated_file")
    ]
    assert sql("select status from audit.load_batches where batch_id = %s", (loaded,)) == [("loaded",)]
    assert sql("select count(*) from raw.cdr") == [(272,)]
    with pytest.raises(Exception, match="truncated_file"):
        failed.raise_for_status()
    assert load_day("calls", DAY).status == "skipped"  # the retry finds the day loaded and the same files


def test_load_pending_loads_days_in_order_and_fails_a_missing_day(landing, calls_day, land_day, sql):
    land_day(landing, "repairs", DAY, {"work_orders.jsonl": WO})
    land_day(landing, "repairs", date(2026, 8, 5), {"work_orders.jsonl": WO})
    land_day(landing, "calls", date(2026, 8, 5), {"Master.csv": b"", "queue_log": b"", "qa_evaluations.csv": b""})
    (landing / "_done" / "2026-08-04").write_bytes(b"")  # the marker came, the folders did not
    assert pending_days("calls", date(2026, 8, 5)) == [date(2026, 8, 4), date(2026, 8, 5)]
    results = load_pending(date(2026, 8, 5), ("calls", "repairs"), run_id="nightly")
    got = [(r.source, r.logical_date, r.status, r.fault) for r in results]
    assert got == [
        ("calls", date(2026, 8, 4), "failed", "missing_day"),
        ("calls", date(2026, 8, 5), "loaded", None),
        ("repairs", date(2026, 8, 3), "loaded", None),
        ("repairs", date(2026, 8, 4), "failed", "missing_day"),
        ("repairs", date(2026, 8, 5), "loaded", None),
    ]
    assert "calls/2026-08-04" in results[0].error and "missing_day" in results[0].error
    empty = results[1]
    assert (empty.rows_read, empty.rows_loaded) == (0, 0)
    repairs = results[2]
    assert (repairs.rows_read, repairs.rows_loaded, repairs.rows_quarantined) == (3, 2, 1)
    assert sql("select reason, line_number from audit.quarantine where batch_id = %s", (repairs.batch_id,)) == [
        ("duplicate_id", 3)
    ]
    # work orders on different days are not duplicates: the same ids load again on the 5th
    assert sql("select count(*) from raw.work_orders where work_order_id = 'WO-1'") == [(2,)]
    assert sql("select document ->> 'status' from raw.work_orders where _logical_date = %s and work_order_id = 'WO-1'", (DAY,)) == [("reported",)]
    # the failed days stay pending and are retried by the next run
    assert pending_days("calls", date(2026, 8, 5)) == [date(2026, 8, 4)]
    # the planner's statistics are refreshed once the pending days are in (raw's indexes need them)
    analyzed = dict(sql("select relname, last_analyze is not null from pg_stat_user_tables where schemaname = 'raw'"
                        " and relname in ('cdr', 'queue_log', 'qa_evaluations', 'work_orders')"))
    assert analyzed == {"cdr": True, "queue_log": True, "qa_evaluations": True, "work_orders": True}
    # and the batch table every staging view joins (a first build planned without it hung)
    assert sql("select relname, last_analyze is not null from pg_stat_user_tables where schemaname = 'audit'"
               " and relname in ('load_batches', 'load_files') order by 1") == [("load_batches", True), ("load_files", True)]


def test_load_day_rows_add_up_in_every_loaded_batch(sql):
    assert sql(
        "select count(*) from audit.load_batches where status = 'loaded' and rows_read <> rows_loaded + rows_quarantined"
    ) == [(0,)]
    assert sql(
        "select count(*) from audit.load_batches b where status = 'loaded' and rows_quarantined <> "
        "(select count(*) from audit.quarantine q where q.batch_id = b.batch_id)"
    ) == [(0,)]


def test_load_day_readers_see_the_old_day_until_the_new_one_commits(calls_day, sql, monkeypatch):
    from service_warehouse.loaders import _load

    seen: list = []
    parse, columns = _load.PARSERS["queue_log"]

    def observing(stream, ctx):
        # half-way through the replacement, another session looks at the day
        for i, item in enumerate(parse(stream, ctx)):
            if i == 150:
                seen.append(sql("select count(*), count(distinct _batch_id) from raw.cdr where _logical_date = %s", (DAY,)))
                seen.append(sql("select count(*) from raw.queue_log where _logical_date = %s", (DAY,)))
            yield item

    monkeypatch.setitem(_load.PARSERS, "queue_log", (observing, columns))
    result = load_day("calls", DAY, force=True)
    assert result.status == "loaded"
    assert seen == [[(272, 1)], [(300,)]]  # the old batch, whole, while the new one is being written
    assert sql("select distinct _batch_id from raw.cdr") == [(result.batch_id,)]


def test_svcwh_load_command_reports_and_exits_1_on_a_failed_batch(calls_day, capsys):
    from service_warehouse.cli import main

    main(["load", "--date", "2026-08-03", "--source", "calls"])  # identical files: skipped, exit 0
    assert "skipped" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["load", "--date", "2026-08-04", "--source", "calls"])
    assert exit_info.value.code == 1
    assert "missing_day" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["load", "--up-to", "2026-08-04", "--force"])
    assert exit_info.value.code == 2  # --force goes with --date



def test_load_day_leaves_no_unsummarized_brin_range_in_raw(landing, asterisk_samples, land_day, sql):
    # an unsummarized BRIN range matches every search: the next overlap check or replacement
    # would read the whole batch again. ~3 MB of queue_log spans many 128-page ranges.
    queue_log = (asterisk_samples / "queue_log_issabel_ast16_2022-07_excerpt.log").read_bytes()
    files = {
        "Master.csv": (asterisk_samples / "cdr_csv_18col_issabel_ast16_queue_calls_excerpt.csv").read_bytes(),
        "queue_log": queue_log * max(1, 3_000_000 // len(queue_log)),
        "qa_evaluations.csv": QA,
    }
    land_day(landing, "calls", date(2026, 9, 1), files)
    load_day("calls", date(2026, 9, 1)).raise_for_status()
    # the function summarizes what is left and says how many ranges that was (so: called once)
    summarized_now = sql(
        "select i.indexrelid::regclass::text, brin_summarize_new_values(i.indexrelid) from pg_index i "
        "join pg_class x on x.oid = i.indexrelid join pg_am a on a.oid = x.relam "
        "where a.amname = 'brin' and i.indrelid = any(array['raw.cdr', 'raw.queue_log', 'raw.qa_evaluations']::regclass[])"
    )
    assert sorted(name for name, _ in summarized_now) == [
        "raw.cdr_batch", "raw.cdr_logical_date", "raw.cdr_start_at", "raw.qa_evaluations_batch",
        "raw.queue_log_batch", "raw.queue_log_event_at", "raw.queue_log_logical_date",
    ]
    assert [(name, n) for name, n in summarized_now if n] == []
