"""Asterisk ``cdr_csv`` Master.csv: 16 to 21 columns, no header, Asterisk's own quoting.

What the parser relies on (see shared/samples/asterisk/FORMAT_NOTES.md §A): strings are
double-quoted with ``"`` doubled inside and nothing else escaped (a newline inside a quoted
field continues the record on the next line); integers and an unset ``answer`` are unquoted;
times are ``YYYY-MM-DD HH:MM:SS`` without offset, in the CDR time zone setting. The file's
layout (which optional columns) is detected from the first record that has dates at the
cdr_csv positions; a file named Master.csv in another format (``cdr_custom`` quotes every
field) is a ``wrong_format`` file fault.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from service_warehouse.sources._common import (
    ParseContext,
    Rejected,
    Row,
    RowFault,
    decode_flagged,
    file_fault,
    parse_int,
    parse_naive,
    physical_lines,
    quoted_records,
    raw_text,
    strict_csv_ok,
)

BASE_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
)  # fmt: skip
#: Optional columns by total count (FORMAT_NOTES §A1). 17 is taken as uniqueid (loguniqueid
#: alone); with only loguserfield set the 17th column would be userfield.
LAYOUTS: dict[int, tuple[str, ...]] = {
    16: (),
    17: ("uniqueid",),
    18: ("uniqueid", "userfield"),
    19: ("peeraccount", "linkedid", "sequence"),
    20: ("uniqueid", "peeraccount", "linkedid", "sequence"),
    21: ("uniqueid", "userfield", "peeraccount", "linkedid", "sequence"),
}
#: raw.cdr columns the parser fills, in order (the loader adds the lineage columns).
COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start_at", "answer_at", "end_at", "duration", "billsec", "disposition",
    "amaflags", "uniqueid", "userfield", "peeraccount", "linkedid", "sequence", "column_count",
)  # fmt: skip
DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION", "CANCEL"})

_TS = rb'"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"'
#: start, optional answer (unquoted empty when unset), end, then unquoted duration, billsec.
_CDR_CSV_SIGNATURE = re.compile(_TS + rb",(?:" + _TS + rb")?," + _TS + rb",-?\d+,-?\d+,\"")
#: cdr_custom's legacy mapping: the same times but every field quoted, numbers included.
_CDR_CUSTOM_SIGNATURE = re.compile(_TS + rb',"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?",' + _TS + rb',"\d+","\d+",')
_DETECT_RECORDS = 50


def _detect(records: list[tuple[int, bytes, bool]], path: str) -> int:
    """The file's column count, from the first record that looks like cdr_csv."""
    for _, record, balanced in records:
        if balanced and _CDR_CSV_SIGNATURE.search(record):
            try:
                count = len(next(csv.reader([decode_flagged(record)[0]], strict=True)))
            except csv.Error:
                continue
            if count in LAYOUTS:
                return count
    first = records[0][0]
    if any(_CDR_CUSTOM_SIGNATURE.search(r) for _, r, _ in records):
        raise file_fault(
            path, "wrong_format",
            "this is cdr_custom output (every field quoted, numbers too), not Asterisk cdr_csv Master.csv", first,
        )  # fmt: skip
    raise file_fault(
        path, "wrong_format",
        f"no record in the first {len(records)} has the cdr_csv layout (16-21 columns, start/answer/end "
        "at columns 10-12, unquoted duration and billsec)", first,
    )  # fmt: skip


def parse_cdr(stream: BinaryIO, ctx: ParseContext) -> Iterator[Row | Rejected]:
    """Parse a Master.csv stream into raw.cdr rows (:data:`COLUMNS`) and rejections.

    Flags: ``bad_bytes_replaced`` (invalid UTF-8 or NUL bytes in the record, replaced),
    ``duration_truncated`` (duration = end − start − 1 s, Asterisk ≥ 12 millisecond truncation).
    """
    records = quoted_records(physical_lines(stream, ctx.path), accept=strict_csv_ok)
    head: list[tuple[int, bytes, bool]] = []
    for item in records:
        head.append(item)
        if len(head) >= _DETECT_RECORDS:
            break
    if not any(r for _, r, _ in head):
        return  # an empty file: nothing to load, nothing lost
    width = _detect([h for h in head if h[1].strip()], ctx.path)
    names = BASE_COLUMNS + LAYOUTS[width]
    limit = ctx.future_limit.astimezone(ctx.cdr_tz).replace(tzinfo=None)
    tz = ctx.cdr_tz
    seen: set[int] = set()
    blank = 0

    def chained():
        yield from head
        yield from records

    for number, record, balanced in chained():
        if not balanced:
            yield Rejected(number, "bad_quoting", "unclosed quote: the record never ends", raw_text(record))
            continue
        if not record.strip():
            blank += 1
            continue
        text, replaced = decode_flagged(record)
        try:
            fields = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            yield Rejected(number, "bad_quoting", f"CSV quoting: {exc}", raw_text(record))
            continue
        if len(fields) != width:
            yield Rejected(
                number, "wrong_column_count", f"{len(fields)} columns, the file has {width}", raw_text(record)
            )
            continue
        key = hash(record)
        if key in seen:
            yield Rejected(number, "duplicate_id", "the same CDR record appears earlier in the file", raw_text(record))
            continue
        seen.add(key)
        try:
            row, flags = _typed(dict(zip(names, fields)), limit, tz)
        except RowFault as fault:
            yield Rejected(number, fault.reason, fault.detail, raw_text(record))
            continue
        if replaced:
            flags = ("bad_bytes_replaced", *flags)
        yield Row(number, (*row, width), flags)
    ctx.stats["blank_lines"] = ctx.stats.get("blank_lines", 0) + blank


def _time(value: str, column: str) -> datetime:
    if value == "":
        raise RowFault("missing_required", f"{column} is empty")
    return parse_naive(value, column)


def _typed(f: dict[str, str], limit: datetime, tz) -> tuple[tuple, tuple[str, ...]]:
    start = _time(f["start"], "start")
    end = _time(f["end"], "end")
    answer = parse_naive(f["answer"], "answer") if f["answer"] else None
    duration = parse_int(f["duration"], "duration")
    billsec = parse_int(f["billsec"], "billsec")
    if duration < 0 or billsec < 0:
        raise RowFault("negative_duration", f"duration {duration}, billsec {billsec}")
    if end < start:
        raise RowFault("end_before_start", f"end {f['end']} is before start {f['start']}")
    if answer is not None and answer > end:
        raise RowFault("end_before_start", f"end {f['end']} is before answer {f['answer']}")
    if end > limit:
        raise RowFault("future_timestamp", f"end {f['end']} is after {limit} (end of the logical day + 1 day)")
    if f["disposition"] not in DISPOSITIONS:
        raise RowFault("unknown_enum", f"disposition {f['disposition']!r} is not one of {sorted(DISPOSITIONS)}")
    if "uniqueid" in f and f["uniqueid"] == "":
        raise RowFault("missing_required", "uniqueid is empty (the key that joins the CDR to queue_log)")
    sequence = f.get("sequence")
    if sequence is not None:
        sequence = parse_int(sequence, "sequence") if sequence != "" else None
    flags: tuple[str, ...] = ()
    if duration == (end - start).total_seconds() - 1:
        flags = ("duration_truncated",)
    row = (
        f["accountcode"], f["src"], f["dst"], f["dcontext"], f["clid"], f["channel"], f["dstchannel"],
        f["lastapp"], f["lastdata"], start.replace(tzinfo=tz), answer.replace(tzinfo=tz) if answer else None,
        end.replace(tzinfo=tz), duration, billsec, f["disposition"], f["amaflags"], f.get("uniqueid"),
        f.get("userfield"), f.get("peeraccount"), f.get("linkedid"), sequence,
    )  # fmt: skip
    return row, flags
