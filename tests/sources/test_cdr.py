"""Master.csv parser: hand-written rows of the real cdr_csv format, and the real sample files."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service_warehouse.errors import SourceFileError
from service_warehouse.sources import cdr, parse_cdr

# 18 columns (loguniqueid + loguserfield): quoted commas in lastdata, doubled quotes in clid,
# an unanswered leg with an empty unquoted answer, and a record whose lastdata spans two lines.
CDR_18 = (
    b'"","1002","500","ext-queues","""ram"" <1002>","SIP/1002-00000058","","Queue","500,t,,,,,,,,",'
    b'"2026-08-03 09:31:16","2026-08-03 09:31:16","2026-08-03 09:31:35",18,18,"ANSWERED","DOCUMENTATION","1785720676.643",""\n'
    b'"","100","200","phones","""Zhang, Wei"" <100>","SIP/100-0003","SIP/200-0004","Dial","SIP/200,20,tT",'
    b'"2026-08-03 10:00:00",,"2026-08-03 10:00:20",20,0,"NO ANSWER","DOCUMENTATION","1785722400.3",""\n'
    b'"acct","100","700","phones","""""eletro""""","SIP/100-0005","","Playback","line one\nline two",'
    b'"2026-08-03 11:00:00","2026-08-03 11:00:01","2026-08-03 11:00:05",5,4,"BUSY","BILLING","1785726000.5","vip"\n'
)
ROW_21 = (
    b'"","89245555937","211474","stadion-pstn","""89245555937"" <89245555937>","SIP/211474-00000000","","Hangup","",'
    b'"2026-08-03 07:07:24","2026-08-03 07:07:24","2026-08-03 07:07:51",27,27,"ANSWERED","DOCUMENTATION",'
    b'"mainserverdss-1785740844.0","","","mainserverdss-1785740844.0",7\n'
)


def test_parse_cdr_reads_quoting_empty_answer_and_multiline_records(parse):
    rows, rejected, _ = parse(parse_cdr, CDR_18, cdr_tz="Asia/Shanghai")
    assert rejected == []
    assert [r.line for r in rows] == [1, 2, 3]
    first = dict(zip(cdr.COLUMNS, rows[0].values))
    assert first["clid"] == '"ram" <1002>'
    assert first["lastdata"] == "500,t,,,,,,,,"
    # wall-clock time of the CDR time zone, as written (the loader resolves it in that zone)
    assert first["start_at"] == datetime(2026, 8, 3, 9, 31, 16)
    assert (first["duration"], first["billsec"], first["uniqueid"], first["column_count"]) == (18, 18, "1785720676.643", 18)
    assert rows[0].flags == ("duration_truncated",)  # 19 s apart, duration 18: Asterisk >= 12
    second = dict(zip(cdr.COLUMNS, rows[1].values))
    assert second["clid"] == '"Zhang, Wei" <100>'
    assert second["answer_at"] is None and second["disposition"] == "NO ANSWER"
    third = dict(zip(cdr.COLUMNS, rows[2].values))
    assert third["clid"] == '""eletro""' and third["lastdata"] == "line one\nline two"
    assert third["accountcode"] == "acct" and third["userfield"] == "vip" and third["sequence"] is None


def test_parse_cdr_accepts_crlf_bom_and_21_columns(parse):
    rows, rejected, _ = parse(parse_cdr, b"\xef\xbb\xbf" + ROW_21.replace(b"\n", b"\r\n") * 1)
    assert rejected == []
    row = dict(zip(cdr.COLUMNS, rows[0].values))
    assert row["column_count"] == 21 and row["sequence"] == 7
    assert row["linkedid"] == "mainserverdss-1785740844.0" and row["peeraccount"] == ""
    assert row["start_at"] == datetime(2026, 8, 3, 7, 7, 24)


def test_parse_cdr_quarantines_each_row_fault(parse):
    good = CDR_18.split(b"\n")[0]
    bad = [
        (good.replace(b',"DOCUMENTATION","1785720676.643",""', b""), "wrong_column_count"),
        (good.replace(b'"2026-08-03 09:31:16","2026', b'"2026-13-45 25:61:00","2026', 1), "bad_timestamp"),
        (good.replace(b",18,18,", b",18a,18,"), "bad_number"),
        (good.replace(b'"""ram"" <1002>"', b'""ram" <1002> "VIP""'), "bad_quoting"),
        (good.replace(b'"2026-08-03 09:31:35"', b'"2026-08-03 08:00:00"'), "end_before_start"),
        (good.replace(b",18,18,", b",-18,18,"), "negative_duration"),
        (good.replace(b"2026-08-03", b"2027-08-03"), "future_timestamp"),
        (good.replace(b'"ANSWERED"', b'"MAYBE"'), "unknown_enum"),
        (good.replace(b'"1785720676.643"', b'""'), "missing_required"),
    ]
    data = CDR_18 + b"".join(line + b"\n" for line, _ in bad) + CDR_18.split(b"\n")[0] + b"\n"
    rows, rejected, _ = parse(parse_cdr, data)
    assert len(rows) == 3
    assert [(r.line, r.reason) for r in rejected] == [(5 + i, reason) for i, (_, reason) in enumerate(bad)] + [
        (14, "duplicate_id")
    ]
    assert all(r.raw_text and r.detail for r in rejected)


def test_parse_cdr_replaces_bad_bytes_and_flags_the_row(parse):
    line = CDR_18.split(b"\n")[0].replace(b'"""ram"" <1002>"', '"""王经理"" <1002>"'.encode("gbk")) + b"\n"
    rows, rejected, _ = parse(parse_cdr, line)
    assert rejected == []
    assert "bad_bytes_replaced" in rows[0].flags
    assert "\ufffd" in dict(zip(cdr.COLUMNS, rows[0].values))["clid"]


def test_parse_cdr_unclosed_quote_does_not_swallow_the_file(parse):
    broken = b'"","1","2","x","oops <1>,"SIP/1","","Dial","",' + b'"2026-08-03 10:00:00",,"2026-08-03 10:00:20",20,0,"NO ANSWER","DOCUMENTATION","1.1",""\n'
    rows, rejected, _ = parse(parse_cdr, broken + CDR_18)
    assert [(r.line, r.reason) for r in rejected] == [(1, "bad_quoting")]
    assert len(rows) == 3


def test_parse_cdr_empty_file_loads_nothing(parse):
    assert parse(parse_cdr, b"")[:2] == ([], [])


def test_parse_cdr_truncated_file_is_a_file_fault(parse):
    with pytest.raises(SourceFileError, match=r"calls/x/Master.csv:4: truncated_file"):
        parse(parse_cdr, CDR_18[:-30], path="calls/x/Master.csv")


@pytest.mark.parametrize(
    ("name", "rows", "width", "flagged"),
    [
        ("cdr_csv_18col_asterisk11_uniqueid_userfield.csv", 105, 18, 0),
        ("cdr_csv_18col_issabel_ast16_queue_calls_excerpt.csv", 272, 18, 0),
        ("cdr_csv_21col_newcdrcolumns_usegmtime_systemname.csv", 84, 21, 8),
        ("cdr_csv_per_accountcode_file_issabel_ast16.csv", 1, 18, 0),
    ],
)
def test_parse_cdr_loads_every_real_sample(parse, samples_dir, name, rows, width, flagged):
    got, rejected, _ = parse(parse_cdr, (samples_dir / name).read_bytes(), day=date(2026, 8, 3))
    assert rejected == []
    assert len(got) == rows
    assert {r.values[-1] for r in got} == {width}
    assert sum("bad_bytes_replaced" in r.flags for r in got) == flagged


def test_parse_cdr_rejects_cdr_custom_named_master_csv(parse, samples_dir):
    data = (samples_dir / "cdr_custom_legacy_mapping_Master.csv").read_bytes()
    with pytest.raises(SourceFileError, match=r"Master.csv:1: wrong_format: this is cdr_custom output"):
        parse(parse_cdr, data, path="calls/2026-08-03/Master.csv")


def copy_text_of(values: tuple) -> str:
    """What COPY text format makes of typed values (the loader's slow path)."""
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif isinstance(v, datetime):
            out.append(v.isoformat(" "))
        else:
            out.append(str(v))
    return "\t".join(out)


def test_parse_cdr_copy_text_matches_the_typed_values(parse, samples_dir):
    for name in ("cdr_csv_18col_issabel_ast16_queue_calls_excerpt.csv", "cdr_csv_21col_newcdrcolumns_usegmtime_systemname.csv"):
        rows, _, _ = parse(parse_cdr, (samples_dir / name).read_bytes())
        with_text = [r for r in rows if r.text is not None]
        assert len(with_text) > len(rows) / 2
        for row in with_text:
            assert row.text == copy_text_of(row.values)
    rows, _, _ = parse(parse_cdr, CDR_18)
    assert rows[2].text is None  # a newline inside lastdata: escaped by psycopg instead
