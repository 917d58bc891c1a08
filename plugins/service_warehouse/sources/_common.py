"""What every parser shares: the row and rejection records, line reading, time checks.

Parsers are pure: they read bytes and yield :class:`Row` (typed values in the raw table's
column order) or :class:`Rejected` (a row for ``audit.quarantine``). They never touch a
database. A fault of the whole file raises :class:`~service_warehouse.errors.SourceFileError`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time, timedelta
from typing import BinaryIO, NamedTuple
from zoneinfo import ZoneInfo

from service_warehouse.errors import SourceFileError

#: Quarantine reason codes (docs/ARCHITECTURE.md); parsers use nothing else.
REASONS = frozenset(
    {
        "wrong_column_count",
        "bad_timestamp",
        "bad_number",
        "bad_quoting",
        "invalid_json",
        "bad_encoding",
        "duplicate_id",
        "end_before_start",
        "negative_duration",
        "future_timestamp",
        "unknown_enum",
        "missing_required",
    }
)
#: File-level fault codes: the batch fails and loads nothing.
FILE_FAULTS = frozenset({"missing_day", "unreadable_file", "truncated_file", "wrong_format"})

BOM = b"\xef\xbb\xbf"


class Row(NamedTuple):
    """A parsed row: 1-based first line in the file, values in column order, loader flags.

    ``text`` is optional: the same values already in COPY text format (tab-separated, ``\\N``
    for NULL, nothing to escape), filled by the high-volume parsers when the record needs no
    escaping, so the loader can stream it without formatting every value again.
    """

    line: int
    values: tuple
    flags: tuple[str, ...] = ()
    text: str | None = None


class Rejected(NamedTuple):
    """A row that goes to quarantine: where, why, and the text as read."""

    line: int
    reason: str
    detail: str
    raw_text: str


class RowFault(Exception):
    """Raised inside a parser's per-row code; turned into a :class:`Rejected`."""

    def __init__(self, reason: str, detail: str) -> None:
        assert reason in REASONS, reason
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def file_fault(path: str, fault: str, message: str, line: int | None = None) -> SourceFileError:
    """A :class:`SourceFileError` whose text starts with the fault code, then the message."""
    assert fault in FILE_FAULTS, fault
    err = SourceFileError(path, f"{fault}: {message}", line)
    err.code = fault  # type: ignore[attr-defined]
    return err


@dataclass
class ParseContext:
    """What a parser needs to know besides the bytes: the file's name and the logical day.

    ``future_limit`` is the end of the logical day plus one day of slack: any time later than
    it is a ``future_timestamp``.
    """

    path: str
    logical_date: date
    centre_tz: ZoneInfo
    cdr_tz: ZoneInfo
    stats: dict = field(default_factory=dict)

    @cached_property
    def day_end(self) -> datetime:
        """The local midnight after the logical day (as of)."""
        return datetime.combine(self.logical_date + timedelta(days=1), time(0), self.centre_tz)

    @cached_property
    def future_limit(self) -> datetime:
        """The end of the logical day plus one day of slack (computed once: parsers ask per row)."""
        return self.day_end + timedelta(days=1)


def raw_text(data: bytes) -> str:
    """Bytes as text for the quarantine: UTF-8 where valid, other bytes as ``\\xNN``; no NULs."""
    return data.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def decode_flagged(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8; bad bytes and NULs are replaced (U+FFFD / removed) and reported (True)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").replace("\x00", ""), True
    if "\x00" in text:
        return text.replace("\x00", ""), True
    return text, False


def physical_lines(stream: BinaryIO, path: str) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, line without its LF/CRLF) and check the file is complete.

    A leading UTF-8 byte-order mark is dropped. A last line without a line end means the
    writer stopped mid-line: the file is truncated (a file-level fault).
    """
    number = 0
    rest = b""
    first = True
    try:
        # read in 1 MiB blocks: memory stays flat, and there is no per-line read call
        while block := stream.read(1 << 20):
            if first:
                first = False
                if block.startswith(BOM):
                    block = block[3:]
            lines = (rest + block).split(b"\n") if rest else block.split(b"\n")
            rest = lines.pop()
            for line in lines:
                number += 1
                yield number, line[:-1] if line.endswith(b"\r") else line
    except OSError as exc:
        raise file_fault(path, "unreadable_file", f"read error after line {number}: {exc}") from exc
    if rest:
        raise file_fault(path, "truncated_file", "the last line has no line end (file cut short)", number + 1)


def quoted_records(
    lines: Iterable[tuple[int, bytes]],
    max_lines: int = 20,
    max_bytes: int = 16384,
    accept: Callable[[bytes], bool] | None = None,
) -> Iterator[tuple[int, bytes, bool]]:
    """Group physical lines into CSV records: a record ends when its ``"`` count is even.

    Yields (first line number, record bytes with LF between joined lines, balanced). A record
    still open after ``max_lines`` lines or ``max_bytes`` bytes (or at the end of the file) has
    broken quoting: its first line alone is yielded with balanced=False — the caller
    quarantines it as ``bad_quoting`` — and grouping restarts at the next line, so one stray
    quote never swallows the file. ``accept`` checks a record joined from several lines (a
    stray quote can pair with a quote on a later line): when it says no, the first line is
    treated the same way.
    """
    source = iter(lines)
    back: list[tuple[int, bytes]] = []  # lines handed back after a rejected group (reversed)
    pending: list[tuple[int, bytes]] = []
    size = quotes = 0

    def reject_first():
        # the first line alone is broken; the lines after it are read again
        back.extend(reversed(pending[1:]))
        return pending[0][0], pending[0][1], False

    while True:
        if back:
            number, line = back.pop()
        else:
            item = next(source, None)
            if item is None:
                break
            number, line = item
        if not pending:
            count = line.count(b'"')
            if not count & 1:
                yield number, line, True
                continue
            pending = [(number, line)]
            size, quotes = len(line), count
            continue
        pending.append((number, line))
        size += len(line) + 1
        quotes += line.count(b'"')
        if not quotes & 1:
            joined = b"\n".join(part for _, part in pending)
            if accept is None or accept(joined):
                yield pending[0][0], joined, True
            else:
                yield reject_first()
            pending = []
        elif len(pending) > max_lines or size > max_bytes:
            yield reject_first()
            pending = []
    while pending:  # end of file inside a quoted field
        yield reject_first()
        pending = []
        yield from quoted_records(reversed(back), max_lines, max_bytes, accept)
        back = []


def strict_csv_ok(record: bytes) -> bool:
    """True when ``record`` parses as one CSV record with strict quoting."""
    try:
        next(csv.reader([record.decode("utf-8", "replace")], strict=True))
    except csv.Error:
        return False
    return True


_NAIVE_TS = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?$")


def parse_naive(text: str, column: str) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` (no offset) as a naive datetime, else a ``bad_timestamp`` fault."""
    if not _NAIVE_TS.match(text):
        raise RowFault("bad_timestamp", f"{column}: not a 'YYYY-MM-DD HH:MM:SS' time: {text!r}")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise RowFault("bad_timestamp", f"{column}: impossible date or time: {text!r}") from None


def parse_instant(text: object, column: str, naive_tz: ZoneInfo | None = None) -> datetime | None:
    """An ISO-8601 time as an aware datetime (None for null/empty).

    Without an offset the time is read in ``naive_tz``; when that is None a missing offset
    is a ``bad_timestamp`` (the repairs API always writes one).
    """
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise RowFault("bad_timestamp", f"{column}: not a time string: {text!r}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise RowFault("bad_timestamp", f"{column}: not an ISO-8601 time: {text!r}") from None
    if value.tzinfo is None:
        if naive_tz is None:
            raise RowFault("bad_timestamp", f"{column}: time without UTC offset: {text!r}")
        value = value.replace(tzinfo=naive_tz)
    return value


def check_not_future(value: datetime | None, column: str, ctx: ParseContext) -> None:
    """``future_timestamp`` when ``value`` is later than the end of the logical day + 1 day."""
    if value is not None and value > ctx.future_limit:  # noqa: SIM102
        raise RowFault(
            "future_timestamp",
            f"{column}: {value.isoformat()} is after {ctx.future_limit.isoformat()} (end of {ctx.logical_date} + 1 day)",
        )


def check_order(start: datetime | None, end: datetime | None, start_col: str, end_col: str) -> None:
    """``end_before_start`` when both are known and ``end`` < ``start``."""
    if start is not None and end is not None and end < start:
        raise RowFault("end_before_start", f"{end_col} {end.isoformat()} is before {start_col} {start.isoformat()}")


def parse_int(text: str, column: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer column; out of range is a ``bad_number`` too (the value cannot be right)."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise RowFault("bad_number", f"{column}: not an integer: {text!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise RowFault("bad_number", f"{column}: {value} outside {minimum}..{maximum}")
    return value


def opt(text: str) -> str | None:
    """Empty text is NULL in raw (a field that was not written)."""
    return text if text != "" else None
