"""Call-centre staging keeps each delivered line once (macro ``live_lines_deduplicated``).

A rotated queue_log overlaps the next day's file, and a CDR leg can be delivered again with a
later batch: staging keeps one copy, from the later batch. Two identical lines inside one file
are two real events and both stay. Rows of a batch that is not live (replaced, failed) never
reach staging.
"""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest

from _calls_raw import TZ, Event, RawWriter, local_epoch
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

D1, D2 = date(2026, 10, 5), date(2026, 10, 6)


def _leg(callid: str, hh: int) -> dict:
    start = datetime.fromtimestamp(local_epoch(D1, hh, 0), TZ)
    return {"src": "13800000001", "dst": "500", "dcontext": "ext-queues", "clid": '"" <13800000001>',
            "channel": f"SIP/trunk-{callid}", "dstchannel": "", "lastapp": "Queue", "lastdata": "support,t",
            "start_at": start, "answer_at": start, "end_at": start, "duration": 0, "billsec": 0,
            "disposition": "ANSWERED", "uniqueid": callid, "linkedid": callid}


@pytest.fixture(scope="module")
def staged(fresh_warehouse, tmp_path_factory):
    enter = Event(local_epoch(D1, 9, 0), "100.1", "support", "NONE", "ENTERQUEUE", ("", "13800000001", "1"))
    pause = Event(local_epoch(D1, 9, 5), "NONE", "NONE", "Agent 1", "PAUSE", ("",))
    late = Event(local_epoch(D1, 23, 59), "100.2", "support", "NONE", "ENTERQUEUE", ("", "13800000002", "1"))
    after_midnight = Event(local_epoch(D2, 0, 1), "100.2", "support", "NONE", "ABANDON", ("1", "1", "120"))
    gone = Event(local_epoch(D1, 10, 0), "100.3", "support", "NONE", "ENTERQUEUE", ("", "13800000003", "1"))
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        writer = RawWriter(conn)
        first = writer.batch("calls", D1)
        # the same PAUSE line twice in one file: two real events
        writer.events(first, D1, [enter, pause, pause, late])
        writer.cdr(first, D1, [_leg("100.1", 9), _leg("100.2", 23)])
        second = writer.batch("calls", D2)
        # the rotated file repeats the day's last line before the new day's
        writer.events(second, D2, [late, after_midnight])
        writer.cdr(second, D2, [_leg("100.2", 23)])
        failed = writer.batch("calls", D2, status="failed")
        writer.events(failed, D2, [gone])
        writer.cdr(failed, D2, [_leg("100.3", 10)])
        run_dbt(["run", "--select", "stg_call_centre__queue_log", "stg_call_centre__cdr"],
                build_schema="marts_blue", as_of=D2, target_path=tmp_path_factory.mktemp("dbt_target"))
        queue_log = conn.execute(
            "select coalesce(callid, 'NONE'), event_type, count(*), min(batch_id) from staging.stg_call_centre__queue_log"
            " group by 1, 2 order by 1, 2").fetchall()
        cdr = conn.execute(
            "select uniqueid, count(*), min(batch_id) from staging.stg_call_centre__cdr"
            " group by uniqueid order by uniqueid").fetchall()
    return {"first": first, "second": second, "queue_log": queue_log, "cdr": cdr}


def test_queue_log_line_in_two_batches_kept_once_from_the_later(staged):
    rows = {(callid, event): (n, batch) for callid, event, n, batch in staged["queue_log"]}
    assert rows[("100.2", "ENTERQUEUE")] == (1, staged["second"])
    assert rows[("100.2", "ABANDON")] == (1, staged["second"])
    assert rows[("100.1", "ENTERQUEUE")] == (1, staged["first"])


def test_identical_lines_in_one_file_are_all_kept(staged):
    rows = {(callid, event): n for callid, event, n, _ in staged["queue_log"]}
    assert rows[("NONE", "PAUSE")] == 2


def test_rows_of_batches_not_live_never_reach_staging(staged):
    assert all(callid != "100.3" for callid, *_ in staged["queue_log"])
    assert [uniqueid for uniqueid, *_ in staged["cdr"]] == ["100.1", "100.2"]


def test_cdr_leg_in_two_batches_kept_once_from_the_later(staged):
    assert staged["cdr"] == [("100.1", 1, staged["first"]), ("100.2", 1, staged["second"])]
