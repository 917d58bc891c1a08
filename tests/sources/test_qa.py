"""QA CSV parser: UTF-8 (with or without BOM) or GBK detected for the whole file; faults quarantined."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from service_warehouse.errors import SourceFileError
from service_warehouse.sources import detect_encoding, parse_qa, qa

HEADER = "evaluation_id,call_uniqueid,agent_id,inspector_id,evaluated_at,greeting,listening,accuracy,compliance,closing,total_score,fatal_error,comment"
ROWS = [
    "QA1,1785720676.643,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,15,85,N,服务热情，解答准确",
    'QA2,1785722400.3,A0002,A0100,2026-08-03 11:00:00,12,10,11,9,10,52,Y,"语气生硬, 未核实身份"',
    "QA3,1785726000.5,A0003,A0100,2026-08-03 12:00:00,20,20,20,20,20,100,N,",
]


def _file(encoding: str, rows=ROWS, newline: str = "\r\n") -> bytes:
    return (newline.join([HEADER, *rows]) + newline).encode(encoding)


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030")])
def test_parse_qa_detects_the_encoding_of_the_whole_file(parse, encoding, detected):
    rows, rejected, ctx = parse(parse_qa, _file(encoding))
    assert rejected == []
    assert ctx.stats["encoding"] == detected
    first = dict(zip(qa.COLUMNS, rows[0].values))
    assert first["comment"] == "服务热情，解答准确"
    assert first["source_encoding"] == detected
    assert first["evaluated_at"] == datetime(2026, 8, 3, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (first["greeting"], first["total_score"], first["fatal_error"]) == (18, 85, False)
    assert dict(zip(qa.COLUMNS, rows[1].values))["comment"] == "语气生硬, 未核实身份"
    assert [r.line for r in rows] == [2, 3, 4]


def test_detect_encoding_is_a_whole_file_majority(parse):
    assert detect_encoding(io.BytesIO(_file("gbk")), "f")[0] == "gb18030"
    assert detect_encoding(io.BytesIO(_file("utf-8")), "f")[0] == "utf-8"


def test_parse_qa_quarantines_a_line_in_the_other_encoding(parse):
    data = _file("utf-8") + "QA4,1.4,A0004,A0100,2026-08-03 13:00:00,1,1,1,1,1,5,N,质检备注：服务规范\r\n".encode("gbk")
    rows, rejected, _ = parse(parse_qa, data)
    assert len(rows) == 3 and [(r.line, r.reason) for r in rejected] == [(5, "bad_encoding")]
    gbk = _file("gbk") + "QA4,1.4,A0004,A0100,2026-08-03 13:00:00,1,1,1,1,1,5,N,质检备注\r\n".encode("utf-8")
    rows, rejected, _ = parse(parse_qa, gbk)
    assert len(rows) == 3 and [(r.line, r.reason) for r in rejected] == [(5, "bad_encoding")]


def test_parse_qa_quarantines_row_faults(parse):
    bad = [
        ("QA5,1.5,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,15,85,N", "wrong_column_count"),
        ("QA6,1.6,A0001,A0100,2026-08-03 10:15:00,十五,17,16,19,15,85,N,x", "bad_number"),
        ("QA7,1.7,A0001,A0100,2026/13/45 25:61,18,17,16,19,15,85,N,x", "bad_timestamp"),
        ('QA8,1.8,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,15,85,N,"良好"差', "bad_quoting"),
        ("QA9,1.9,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,15,85,X,x", "unknown_enum"),
        (",1.10,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,15,85,N,x", "missing_required"),
        ("QA11,1.11,A0001,A0100,2027-09-07 10:15:00,18,17,16,19,15,85,N,x", "future_timestamp"),
        ("QA12,1.12,A0001,A0100,2026-08-03 10:15:00,18,17,16,19,25,85,N,x", "bad_number"),
        (ROWS[0], "duplicate_id"),
    ]
    rows, rejected, _ = parse(parse_qa, _file("utf-8", ROWS + [line for line, _ in bad]))
    assert len(rows) == 3
    assert [(r.line, r.reason) for r in rejected] == [(5 + i, reason) for i, (_, reason) in enumerate(bad)]


def test_parse_qa_header_only_and_empty_files_load_nothing(parse):
    assert parse(parse_qa, (HEADER + "\n").encode())[:2] == ([], [])
    assert parse(parse_qa, b"")[:2] == ([], [])


def test_parse_qa_spreadsheet_binary_is_wrong_format(parse):
    xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\xe4\x01\x00[Content_Types].xml\n\x00\x91\xff\n"
    with pytest.raises(SourceFileError, match=r"calls/d/qa_evaluations.csv:1: wrong_format"):
        parse(parse_qa, xlsx, path="calls/d/qa_evaluations.csv")
