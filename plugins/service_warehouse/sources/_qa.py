"""The QA inspectors' evaluation form (呼叫质量监控表): CSV with a header, UTF-8 or GBK.

The encoding is detected for the whole file, never guessed per run: a first pass classifies
every record as ASCII, valid UTF-8, or not UTF-8. A byte-order mark, or valid UTF-8 records
at least as many as the others, make the file UTF-8; otherwise it is GB18030 (a superset of
GBK). Records in the other encoding are quarantined as ``bad_encoding`` — a UTF-8 line in a
GBK file would otherwise load as plausible-looking garbage.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO

from service_warehouse.sources._common import (
    BOM,
    ParseContext,
    Rejected,
    Row,
    RowFault,
    check_not_future,
    file_fault,
    parse_instant,
    parse_int,
    physical_lines,
    quoted_records,
    strict_csv_ok,
)

#: Columns of the form, as in the header.
FIELDS = (
    "evaluation_id", "call_uniqueid", "agent_id", "inspector_id", "evaluated_at", "greeting",
    "listening", "accuracy", "compliance", "closing", "total_score", "fatal_error", "comment",
)  # fmt: skip
#: raw.qa_evaluations columns the parser fills, in order.
COLUMNS = (*FIELDS, "source_encoding")
SCORES = ("greeting", "listening", "accuracy", "compliance", "closing")
REQUIRED = ("evaluation_id", "call_uniqueid", "agent_id", "evaluated_at", "total_score")
FATAL = {"Y": True, "N": False, "y": True, "n": False, "是": True, "否": False}


def _classify(record: bytes) -> str:
    if record.isascii():
        return "ascii"
    try:
        record.decode("utf-8")
    except UnicodeDecodeError:
        return "other"
    return "utf8"


def detect_encoding(stream: BinaryIO, path: str) -> tuple[str, dict[str, int]]:
    """The file's encoding (``utf-8`` or ``gb18030``) and how many records fell in each class."""
    counts = {"ascii": 0, "utf8": 0, "other": 0}
    head = stream.read(3)
    has_bom = head == BOM
    stream.seek(0)
    for _, record, _ in quoted_records(physical_lines(stream, path)):
        counts[_classify(record)] += 1
    encoding = "utf-8" if has_bom or counts["utf8"] >= counts["other"] else "gb18030"
    return encoding, counts


def parse_qa(stream: BinaryIO, ctx: ParseContext) -> Iterator[Row | Rejected]:
    """Parse a (seekable) QA CSV stream into raw.qa_evaluations rows and rejections.

    ``ctx.stats`` gets ``encoding`` and the per-class record counts.
    """
    _check_not_binary(stream.read(8), ctx.path)
    stream.seek(0)
    encoding, counts = detect_encoding(stream, ctx.path)
    ctx.stats["encoding"] = encoding
    ctx.stats["encoding_records"] = counts
    stream.seek(0)
    bad_class = "other" if encoding == "utf-8" else "utf8"

    def as_text(record: bytes) -> str:
        # quarantined text in the file's own encoding, so an auditor can read it
        return record.decode(encoding, "backslashreplace").replace("\x00", "\\x00")

    records = quoted_records(physical_lines(stream, ctx.path), accept=strict_csv_ok)
    header: dict[str, int] | None = None
    width = 0
    seen: set[str] = set()
    blank = 0
    for number, record, balanced in records:
        if not record.strip():
            blank += 1
            continue
        if header is None:
            header, width = _header(record, encoding, number, ctx.path)
            continue
        if not balanced:
            yield Rejected(number, "bad_quoting", "unclosed quote: the record never ends", as_text(record))
            continue
        if _classify(record) == bad_class:
            other = "not UTF-8" if encoding == "utf-8" else "UTF-8"
            yield Rejected(number, "bad_encoding", f"record is {other} in a file detected as {encoding}", as_text(record))
            continue
        try:
            text = record.decode(encoding)
            fields = next(csv.reader([text], strict=True))
        except UnicodeDecodeError as exc:
            yield Rejected(number, "bad_encoding", f"not valid {encoding}: {exc.reason} at byte {exc.start}", as_text(record))
            continue
        except csv.Error as exc:
            yield Rejected(number, "bad_quoting", f"CSV quoting: {exc}", as_text(record))
            continue
        if len(fields) != width:
            yield Rejected(number, "wrong_column_count", f"{len(fields)} columns, the header has {width}", as_text(record))
            continue
        values = {name: fields[i].strip() for name, i in header.items()}
        try:
            row = _typed(values, ctx)
        except RowFault as fault:
            yield Rejected(number, fault.reason, fault.detail, as_text(record))
            continue
        if row[0] in seen:
            yield Rejected(number, "duplicate_id", f"evaluation_id {row[0]} appears earlier in the file", as_text(record))
            continue
        seen.add(row[0])
        yield Row(number, (*row, encoding))
    ctx.stats["blank_lines"] = ctx.stats.get("blank_lines", 0) + blank


#: Spreadsheet files saved under the CSV name: zip (xlsx, ods) and OLE2 (xls).
_SPREADSHEET_MAGIC = {b"PK\x03\x04": "an xlsx/ods spreadsheet (zip)", b"\xd0\xcf\x11\xe0": "an xls spreadsheet (OLE2)"}


def _check_not_binary(head: bytes, path: str) -> None:
    for magic, what in _SPREADSHEET_MAGIC.items():
        if head.startswith(magic):
            raise file_fault(path, "wrong_format", f"this is {what} saved as .csv, not a CSV export", 1)


def _header(record: bytes, encoding: str, number: int, path: str) -> tuple[dict[str, int], int]:
    try:
        names = [n.strip().lower() for n in next(csv.reader([record.decode(encoding)]))]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise file_fault(path, "wrong_format", f"unreadable header row: {exc}", number) from None
    missing = [f for f in FIELDS if f not in names]
    if missing:
        raise file_fault(
            path, "wrong_format", f"header lacks column(s) {', '.join(missing)} of the QA evaluation form", number
        )
    return {f: names.index(f) for f in FIELDS}, len(names)


def _typed(v: dict[str, str], ctx: ParseContext) -> tuple:
    for name in REQUIRED:
        if not v[name]:
            raise RowFault("missing_required", f"{name} is empty")
    evaluated_at = parse_instant(v["evaluated_at"], "evaluated_at", ctx.centre_tz)
    check_not_future(evaluated_at, "evaluated_at", ctx)
    scores = [parse_int(v[s], s, minimum=0, maximum=20) if v[s] else None for s in SCORES]
    total = parse_int(v["total_score"], "total_score", minimum=0, maximum=100)
    fatal = None
    if v["fatal_error"]:
        if v["fatal_error"] not in FATAL:
            raise RowFault("unknown_enum", f"fatal_error {v['fatal_error']!r} is not Y or N")
        fatal = FATAL[v["fatal_error"]]
    return (
        v["evaluation_id"], v["call_uniqueid"], v["agent_id"], v["inspector_id"] or None, evaluated_at,
        *scores, total, fatal, v["comment"] or None,
    )  # fmt: skip
