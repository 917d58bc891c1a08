"""The call-centre files parse as the formats they claim (Asterisk cdr_csv, queue_log, QA CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
EVENTS_WITH_CALLID = {
    "DID", "ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY",
    "EXITWITHKEY", "RINGNOANSWER", "RINGCANCELED", "BLINDTRANSFER", "ATTENDEDTRANSFER",
}
AGENT_EVENTS = {"ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE"}
SYSTEM_EVENTS = {"QUEUESTART", "CONFIGRELOAD"}


def _days(summary) -> list[date]:
    return [d.day for d in summary.days]


def _window(day: date) -> tuple[int, int]:
    start = datetime(day.year, day.month, day.day, tzinfo=TZ)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


@pytest.mark.integration
def test_master_csv_is_cdr_csv_18_columns_local_times_of_the_day(tiny_history):
    summary, _url, root = tiny_history
    for day in _days(summary):
        raw = (root / "calls" / day.isoformat() / "Master.csv").read_bytes()
        assert not raw.startswith(b'"accountcode"')  # no header
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8", "replace")), strict=True))
        assert rows
        for row in rows:
            assert len(row) == 18, row
            start, answer, end = row[9], row[10], row[11]
            start_at = datetime.strptime(start, "%Y-%m-%d %H:%M:%S")
            end_at = datetime.strptime(end, "%Y-%m-%d %H:%M:%S")
            assert end_at.date() == day  # written at hang-up, in the day's file
            assert int(row[12]) in ((end_at - start_at).seconds, (end_at - start_at).seconds - 1)
            assert row[14] in {"ANSWERED", "NO ANSWER", "BUSY", "FAILED"}
            assert row[16]  # uniqueid
            if answer == "":
                assert row[13] == "0"
        # cdr_csv's quoting: strings quoted, integers and an unset answer not
        line = raw.splitlines()[0]
        assert line.startswith(b'"') and b',"ANSWERED",' in raw or b',"NO ANSWER",' in raw
        assert b'",,"' in raw or all(r[10] for r in rows)
        # the per-account-code copy repeats Master.csv rows
        hotline = (root / "calls" / day.isoformat() / "hotline.csv").read_bytes().splitlines()
        assert set(hotline) <= set(raw.splitlines())


@pytest.mark.integration
def test_queue_log_lines_are_asterisk_events_in_their_days_file(tiny_history):
    summary, _url, root = tiny_history
    seen: set[str] = set()
    entered: dict[tuple[str, str, int], str] = {}
    cdr_ids: set[str] = set()
    for day in _days(summary):
        t0, t1 = _window(day)
        text = (root / "calls" / day.isoformat() / "queue_log").read_text()
        cdr_ids |= {r[16] for r in csv.reader(io.StringIO((root / "calls" / day.isoformat() / "Master.csv").read_bytes().decode("utf-8", "replace")))}
        for line in text.splitlines():
            fields = line.replace("\0", "").split("|")
            assert len(fields) >= 6, line  # the '|' after the event is always there
            epoch, callid, queue, agent, event = int(fields[0]), fields[1], fields[2], fields[3], fields[4]
            assert t0 <= epoch < t1, line
            seen.add(event)
            if event in SYSTEM_EVENTS:
                assert callid == queue == agent == "NONE"
            elif event in ("ADDMEMBER", "REMOVEMEMBER"):
                assert callid == "MANAGER" and agent.startswith("SIP/")
            elif event in ("PAUSE", "UNPAUSE"):
                assert callid == "NONE" and not agent.startswith("SIP/")
            else:
                assert event in EVENTS_WITH_CALLID, line
                assert "." in callid
            if event == "ENTERQUEUE":
                assert fields[5] == "" and fields[7].isdigit()
                entered[(callid, queue, epoch)] = day.isoformat()
            if event == "CONNECT":
                assert int(fields[5]) >= 0 and "." in fields[6] and int(fields[7]) >= 0
            if event in ("COMPLETECALLER", "COMPLETEAGENT"):
                assert len(fields) == 8 and int(fields[6]) > 0
            if event in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
                assert len(fields) == 8 and int(fields[7]) >= 0
    assert {"ENTERQUEUE", "CONNECT", "ABANDON", "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "QUEUESTART",
            "DID"} <= seen
    assert seen & {"COMPLETECALLER", "COMPLETEAGENT"}
    # every queue call's caller channel has its CDR row (except calls lost in a crash: orphans)
    callids = {k[0] for k in entered}
    assert len(callids - cdr_ids) <= len(summary.days)


@pytest.mark.integration
def test_queue_log_callers_are_crm_customers_often_and_repeat(tiny_history):
    import psycopg

    summary, url, root = tiny_history
    with psycopg.connect(url) as conn:
        phones = {"".join(ch for ch in p if ch.isdigit()) for (p,) in conn.execute("select phone from crm.customers")}
    callers = []
    for day in _days(summary):
        for line in (root / "calls" / day.isoformat() / "queue_log").read_text().splitlines():
            f = line.split("|")
            if len(f) > 6 and f[4] == "ENTERQUEUE":
                callers.append(f[6])
    known = [c for c in callers if c in phones]
    assert 0.4 < len(known) / len(callers) < 0.95
    assert len(callers) - len(set(callers)) > 5  # repeat callers


@pytest.mark.integration
def test_qa_csv_has_header_and_decodes_in_its_encoding(tiny_history):
    summary, _url, root = tiny_history
    encodings = set()
    for d in summary.days:
        raw = (root / "calls" / d.day.isoformat() / "qa_evaluations.csv").read_bytes()
        encodings.add(d.qa_encoding)
        if d.qa_encoding == "gbk":
            text = raw.decode("gbk")
            if any(ord(ch) > 127 for ch in text):
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
        elif d.qa_encoding == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8-sig")
        else:
            assert not raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0][:2] == ["evaluation_id", "call_uniqueid"]
        assert len(rows) - 1 == d.qa_evaluations
        for row in rows[1:]:
            assert len(row) == 13
            scores = [int(v) for v in row[5:10]]
            assert all(0 <= s <= 20 for s in scores) and int(row[10]) == sum(scores)
            assert row[11] in ("Y", "N")
    assert "gbk" in encodings and "utf-8" in encodings


@pytest.mark.integration
def test_normal_life_traps_appear_without_defects(new_crm, tmp_path):
    """Without --defects the files still carry what real systems write (at a low rate)."""
    from service_warehouse.simulator import simulate

    summary = simulate(30, date(2026, 8, 3), preset="tiny", seed=42, calls_per_day=120,
                       crm_url=new_crm("traps"), landing_dir=tmp_path)
    qlog = b"".join((tmp_path / "calls" / d.day.isoformat() / "queue_log").read_bytes() for d in summary.days)
    cdr = b"".join((tmp_path / "calls" / d.day.isoformat() / "Master.csv").read_bytes() for d in summary.days)
    assert b"\0" * 20 in qlog  # NUL bytes after a crash, glued to the QUEUESTART line
    assert b"|ccpbx-" in qlog and b'"ccpbx-' in cdr  # a system-name prefix on uniqueids
    lines = [line.replace(b"\0", b"").decode().split("|") for line in qlog.splitlines()]
    assert any(f[4] == "ABANDON" and f[3] != "NONE" for f in lines)  # the caller hung up as a member answered
    assert {"EXITWITHKEY", "EXITWITHTIMEOUT", "EXITEMPTY", "RINGNOANSWER", "BLINDTRANSFER", "ATTENDEDTRANSFER",
            "CONFIGRELOAD"} <= {f[4] for f in lines}
    # one callid entering two queues (pressed a key to leave the first)
    entries: dict[str, set[str]] = {}
    for f in lines:
        if f[4] == "ENTERQUEUE":
            entries.setdefault(f[1], set()).add(f[2])
    assert any(len(queues) > 1 for queues in entries.values())
    with pytest.raises(UnicodeDecodeError):
        cdr.decode("utf-8")  # a trunk that sends caller names in GBK
    encodings = {d.qa_encoding for d in summary.days}
    assert encodings == {"utf-8", "utf-8-sig", "gbk"}
