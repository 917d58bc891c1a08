"""queue_log parser: every event type kept, NULs stripped, faults quarantined, other layouts refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service_warehouse.errors import SourceFileError
from service_warehouse.sources import parse_queue_log, queue_log

# One line per event type the format notes list (FORMAT_NOTES §B4), plus lines others write.
EVENTS = """\
1785715200|NONE|NONE|NONE|QUEUESTART|
1785715201|NONE|NONE|NONE|CONFIGRELOAD|
1785715202|MANAGER|hotline|SIP/8001|ADDMEMBER|
1785715203|NONE|hotline|Agent 1|PAUSE|lunch
1785715204|NONE|hotline|Agent 1|UNPAUSE|Auto-Unpause
1785715205|NONE|NONE|Agent 1|PAUSEALL|
1785715206|NONE|NONE|Agent 1|UNPAUSEALL|
1785715207|1785715190.1|NONE|Agent/1001|AGENTLOGIN|SIP/8001-00000001
1785715208|1785715190.1|NONE|Agent/1001|AGENTLOGOFF|SIP/8001-00000001|3600
1785715209|NONE|hotline|Agent 1|PENALTY|2
1785715210|NONE|hotline|Agent 1|RINGINUSE|0
1785715211|1785715180.7|hotline|NONE|DID|4008001234
1785715211|1785715180.7|hotline|NONE|ENTERQUEUE||13800138000|1
1785715212|1785715180.7|hotline|Agent 1|RINGNOANSWER|15000
1785715213|1785715180.7|hotline|Agent 2|RINGCANCELED|1837
1785715213|1785715180.7|hotline|Agent 2|AGENTDUMP|
1785715214|1785715180.7|hotline|Agent 1|CONNECT|3|1785715211.9|2
1785715300|1785715180.7|hotline|Agent 1|COMPLETECALLER|3|86|1
1785715301|1785715181.8|hotline|Agent 1|COMPLETEAGENT|5|40|2
1785715302|1785715182.9|hotline|NONE|ABANDON|1|1|4
1785715303|1785715183.1|hotline|Agent 1|ABANDON|1|2|19
1785715304|1785715184.2|hotline|NONE|EXITWITHTIMEOUT|1|1|300
1785715305|1785715185.3|hotline|NONE|EXITEMPTY|1|1|0
1785715306|1785715186.4|hotline|NONE|EXITWITHKEY|5|1|1|12
1785715307|1785715187.5|repair|Agent 1|BLINDTRANSFER|2000|from-internal|4|61|1
1785715308|1785715188.6|repair|Agent 1|ATTENDEDTRANSFER|LINK|SIP/1-1|SIP/2-2|4|61|1
1785715309|1785715189.7|repair|Agent 1|ATTENDEDTRANSFER|BRIDGE|abc-123|4|61|1
1785715310|1785715190.8|repair|Agent 1|TRANSFER|2000|from-internal|4|61|1
1785715311|1785715191.9|repair|NONE|WITHDRAW|1|1|9|moved by supervisor
1785715312|1785715192.1|repair|NONE|SYSCOMPAT|
1785715313|1785715193.2|NONE|Agent 1|OUTCALL|ANSWER|30|x
1785715314|CLI|repair|SIP/8002|REMOVEMEMBER|
1785715315|REALTIME|repair|SIP/8003|ADDMEMBER|PAUSED
1785715316|1785715194.3|repair|NONE|INFO|free text from QueueLog()
"""


def test_parse_queue_log_keeps_every_event_type(parse):
    data = EVENTS.replace("\n", "\r\n").encode()
    rows, rejected, _ = parse(parse_queue_log, data)
    assert rejected == []
    assert len(rows) == len(EVENTS.splitlines())
    by_event = {}
    for row in rows:
        by_event.setdefault(row.values[5], dict(zip(queue_log.COLUMNS, row.values)))
    assert set(by_event) >= {"QUEUESTART", "CONFIGRELOAD", "ADDMEMBER", "PAUSE", "AGENTLOGIN", "DID", "ENTERQUEUE",
                             "RINGNOANSWER", "CONNECT", "COMPLETECALLER", "ABANDON", "EXITWITHKEY",
                             "BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER", "WITHDRAW", "SYSCOMPAT", "INFO"}
    start = by_event["QUEUESTART"]
    assert start["event_at"] == datetime(2026, 8, 3, 0, 0, tzinfo=UTC)  # epochs are UTC seconds
    assert start["callid"] == "NONE" and start["data1"] is None  # the trailing | gives an empty field
    enter = by_event["ENTERQUEUE"]
    assert (enter["data1"], enter["data2"], enter["data3"]) == (None, "13800138000", "1")
    assert by_event["PAUSE"]["agent"] == "Agent 1"
    link = [dict(zip(queue_log.COLUMNS, r.values)) for r in rows if r.values[6] == "LINK"][0]
    assert (link["data5"], link["data_extra"]) == ("61", "1")  # calltime is data5 for LINK


def test_parse_queue_log_strips_nul_runs(parse):
    data = b"1785715200|NONE|NONE|NONE|CONFIGRELOAD|\n" + b"\x00" * 78 + b"1785715201|NONE|NONE|NONE|QUEUESTART|\n"
    rows, rejected, _ = parse(parse_queue_log, data)
    assert rejected == [] and len(rows) == 2
    assert rows[1].values[5] == "QUEUESTART" and rows[1].flags == ("nul_bytes_stripped",)


def test_parse_queue_log_quarantines_row_faults(parse):
    bad = [
        ("1785715214|1785715180.7|hotline", "wrong_column_count"),
        ("1785x15214|1785715180.7|hotline|Agent 1|CONNECT|3|1785715211.9|2", "bad_timestamp"),
        ("1785715214|1785715180.7|hotline|Agent 1|CONNECT|12s|1785715211.9|2", "bad_number"),
        ("1785715300|1785715180.7|hotline|Agent 1|COMPLETECALLER|3|-86|1", "negative_duration"),
        ("1820000000|1785715180.7|hotline|NONE|ENTERQUEUE||1380|1", "future_timestamp"),
        ("1785715214||hotline|Agent 1|CONNECT|3|1785715211.9|2", "missing_required"),
    ]
    data = ("1785715200|NONE|NONE|NONE|QUEUESTART|\n" + "".join(line + "\n" for line, _ in bad)).encode()
    rows, rejected, _ = parse(parse_queue_log, data)
    assert len(rows) == 1
    assert [(r.line, r.reason) for r in rejected] == [(i + 2, reason) for i, (_, reason) in enumerate(bad)]


@pytest.mark.parametrize(
    ("name", "lines"),
    [("queue_log_issabel_ast16_2022-07_excerpt.log", 300), ("queue_log_issabel_ast16_2022-10_full_with_nul_bytes.log", 204)],
)
def test_parse_queue_log_loads_every_real_queue_log(parse, samples_dir, name, lines):
    rows, rejected, _ = parse(parse_queue_log, (samples_dir / name).read_bytes(), day=date(2026, 8, 3))
    assert rejected == [] and len(rows) == lines
    assert sum("nul_bytes_stripped" in r.flags for r in rows) == 1


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("queue_log_pbxware_db_export_excerpt_a.csv", "PBXware queue_log database export"),
        ("queue_log_pbxware_db_export_excerpt_b.csv", "PBXware queue_log database export"),
        ("queue_log_pbxware_db_export_excerpt_c.csv", "PBXware queue_log database export"),
        ("queue_log_realtime_db_wazo_doc_tables.txt", "printed queue_log database table"),
        ("cdr_csv_18col_asterisk11_uniqueid_userfield.csv", "no line in the first"),
    ],
)
def test_parse_queue_log_refuses_other_layouts(parse, samples_dir, name, what):
    with pytest.raises(SourceFileError, match=rf"calls/d/queue_log:1: wrong_format: .*{what}"):
        parse(parse_queue_log, (samples_dir / name).read_bytes(), path="calls/d/queue_log")


def test_parse_queue_log_copy_text_matches_the_typed_values(parse):
    rows, _, _ = parse(parse_queue_log, EVENTS.encode() + b"1785715317|1.1|q|a\\b|INFO|back\\slash\n")
    for row in rows[:-1]:
        expected = "\t".join("\\N" if v is None else v.isoformat() if isinstance(v, datetime) else str(v) for v in row.values)
        assert row.text == expected
    assert rows[-1].text is None and rows[-1].values[4] == "a\\b"
