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
from datetime import datetime, timedelta
from typing import BinaryIO

from service_warehouse.sources._common import (
    ParseContext,
    Rejected,
    Row,
    RowFault,
    decode_flagged,
    file_fault,
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

    Times are naive datetimes: wall-clock time in ``ctx.cdr_tz`` as the file has it; the
    loader COPYs them with the session time zone set to the CDR time zone, so PostgreSQL
    resolves them (daylight-saving changes included).

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
    typed = _row_builder(width, ctx)
    tail = _text_tail(width)
    seen: set[int] = set()
    blank = 0
    current: list = [0, b"", False]  # the record the reader is on: number, bytes, bad bytes replaced

    def chained():
        yield from head
        yield from records

    def texts():
        # one csv reader for the whole file; rejected records never reach it
        for number, record, balanced in chained():
            if not balanced:
                yield_rejected.append(Rejected(number, "bad_quoting", "unclosed quote: the record never ends", raw_text(record)))
                continue
            if not record.strip():
                nonlocal blank
                blank += 1
                continue
            text, replaced = decode_flagged(record)
            current[0], current[1], current[2] = number, record, replaced
            yield text

    yield_rejected: list[Rejected] = []
    reader = csv.reader(texts(), strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from _drain(yield_rejected)
            number, record = current[0], current[1]
            yield Rejected(number, "bad_quoting", f"CSV quoting: {exc}", raw_text(record))
            continue
        if yield_rejected:
            yield from _drain(yield_rejected)
        number, record, replaced = current
        if len(fields) != width:
            yield Rejected(number, "wrong_column_count", f"{len(fields)} columns, the file has {width}", raw_text(record))
            continue
        key = hash(record)
        if key in seen:
            yield Rejected(number, "duplicate_id", "the same CDR record appears earlier in the file", raw_text(record))
            continue
        seen.add(key)
        try:
            values, flags = typed(fields)
        except RowFault as fault:
            yield Rejected(number, fault.reason, fault.detail, raw_text(record))
            continue
        if replaced:
            flags = ("bad_bytes_replaced", *flags)
        text = None
        # bytes COPY text format would need escaped send the record down the typed path
        if b"\\" not in record and b"\t" not in record and b"\n" not in record and b"\r" not in record:
            text = "\t".join(fields[:10]) + "\t" + (fields[10] or "\\N") + "\t" + "\t".join(fields[11:16]) + tail(fields)
        yield Row(number, values, flags, text)
    yield from _drain(yield_rejected)
    ctx.stats["blank_lines"] = ctx.stats.get("blank_lines", 0) + blank


def _text_tail(width: int):
    """The COPY text of the optional columns (uniqueid … sequence) and column_count."""
    names = BASE_COLUMNS + LAYOUTS[width]
    picks = [names.index(n) if n in names else None for n in ("uniqueid", "userfield", "peeraccount", "linkedid", "sequence")]
    count = f"\t{width}"
    if width == 21:  # uniqueid … sequence are the last five columns, in order: one slice

        def tail21(f: list[str]) -> str:
            if f[20] == "":
                return "\t" + "\t".join(f[16:20]) + "\t\\N" + count
            return "\t" + "\t".join(f[16:21]) + count

        return tail21

    def tail(f: list[str]) -> str:
        out = []
        for i, index in enumerate(picks):
            if index is None or (i == 4 and f[index] == ""):
                out.append("\\N")
            else:
                out.append(f[index])
        return "\t" + "\t".join(out) + count

    return tail


def _drain(pending: list[Rejected]) -> Iterator[Rejected]:
    while pending:
        yield pending.pop(0)


def _time(value: str, column: str) -> datetime:
    """A cdr_csv time (``YYYY-MM-DD HH:MM:SS``, naive) or a row fault."""
    if len(value) == 19 and value[10] == " " and value[4] == "-":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if value == "":
        raise RowFault("missing_required", f"{column} is empty")
    raise RowFault("bad_timestamp", f"{column}: not a 'YYYY-MM-DD HH:MM:SS' time: {value!r}")


def _int(value: str, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise RowFault("bad_number", f"{column}: not an integer: {value!r}") from None


def _row_builder(width: int, ctx: ParseContext):
    """A function turning the fields of one record into (raw.cdr values, flags) for this layout."""
    names = BASE_COLUMNS + LAYOUTS[width]
    at = {name: names.index(name) for name in names}
    i_uniqueid, i_userfield = at.get("uniqueid"), at.get("userfield")
    i_peer, i_linked, i_seq = at.get("peeraccount"), at.get("linkedid"), at.get("sequence")
    limit = ctx.future_limit.astimezone(ctx.cdr_tz).replace(tzinfo=None)
    truncated = ("duration_truncated",)
    one_second = timedelta(seconds=1)
    fromisoformat = datetime.fromisoformat

    def typed(f: list[str]) -> tuple[tuple, tuple[str, ...]]:
        s, a, e = f[9], f[10], f[11]
        try:
            # the common case inline (no call per value); any doubt takes the checked path below
            if not (len(s) == 19 and s[10] == " " and s[4] == "-" and len(e) == 19 and e[10] == " " and e[4] == "-"):
                raise ValueError
            start, end = fromisoformat(s), fromisoformat(e)
            if a:
                if not (len(a) == 19 and a[10] == " " and a[4] == "-"):
                    raise ValueError
                answer = fromisoformat(a)
            else:
                answer = None
            duration, billsec = int(f[12]), int(f[13])
        except ValueError:
            start = _time(s, "start")
            end = _time(e, "end")
            answer = _time(a, "answer") if a else None
            duration = _int(f[12], "duration")
            billsec = _int(f[13], "billsec")
        if duration < 0 or billsec < 0:
            raise RowFault("negative_duration", f"duration {duration}, billsec {billsec}")
        if end < start:
            raise RowFault("end_before_start", f"end {f[11]} is before start {f[9]}")
        if answer is not None and answer > end:
            raise RowFault("end_before_start", f"end {f[11]} is before answer {f[10]}")
        if end > limit:
            raise RowFault("future_timestamp", f"end {f[11]} is after {limit} (end of the logical day + 1 day)")
        if f[14] not in DISPOSITIONS:
            raise RowFault("unknown_enum", f"disposition {f[14]!r} is not one of {sorted(DISPOSITIONS)}")
        uniqueid = f[i_uniqueid] if i_uniqueid is not None else None
        if uniqueid == "":
            raise RowFault("missing_required", "uniqueid is empty (the key that joins the CDR to queue_log)")
        sequence = None
        if i_seq is not None and f[i_seq] != "":
            sequence = _int(f[i_seq], "sequence")
        values = (
            f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8],
            start, answer, end, duration, billsec, f[14], f[15], uniqueid,
            f[i_userfield] if i_userfield is not None else None,
            f[i_peer] if i_peer is not None else None,
            f[i_linked] if i_linked is not None else None,
            sequence, width,
        )  # fmt: skip
        return values, truncated if end - start - one_second == timedelta(seconds=duration) else ()

    return typed
