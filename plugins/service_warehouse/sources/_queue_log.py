"""Asterisk ``queue_log`` text file: ``epoch|callid|queuename|agent|EVENT|data1|data2|…``.

Every line is kept (call events, agent events, ``NONE``/``MANAGER`` lines, DID, CONFIGRELOAD
floods, QueueLog() lines from the dialplan): the meaning is decided downstream. NUL bytes
(left by an unclean stop) are stripped before splitting. The epoch is UTC seconds.

Only the Asterisk *file* layout is accepted. queue_log rows exported from a database (the
realtime ``queue_log`` table, vendor tables such as PBXware's ``uid,date_time,…`` CSV, a psql
table print-out) are a ``wrong_format`` file fault naming what the file looks like.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from datetime import UTC, datetime
from typing import BinaryIO

from service_warehouse.sources._common import (
    ParseContext,
    Rejected,
    Row,
    decode_flagged,
    file_fault,
    physical_lines,
    raw_text,
)

#: raw.queue_log columns the parser fills, in order.
COLUMNS = (
    "event_epoch", "event_at", "callid", "queuename", "agent", "event",
    "data1", "data2", "data3", "data4", "data5", "data_extra",
)  # fmt: skip

#: Numeric data fields (1-based data index → meaning) of the app_queue events that carry
#: durations or positions (FORMAT_NOTES §B4). Empty is allowed (older versions omit fields);
#: anything else must be a whole number, and a duration must not be negative.
NUMERIC_FIELDS: dict[str, dict[int, str]] = {
    "ENTERQUEUE": {3: "position"},
    "CONNECT": {1: "holdtime", 3: "ringtime"},
    "COMPLETECALLER": {1: "holdtime", 2: "calltime", 3: "origposition"},
    "COMPLETEAGENT": {1: "holdtime", 2: "calltime", 3: "origposition"},
    "ABANDON": {1: "position", 2: "origposition", 3: "waittime"},
    "EXITEMPTY": {1: "position", 2: "origposition", 3: "waittime"},
    "EXITWITHTIMEOUT": {1: "position", 2: "origposition", 3: "waittime"},
    "EXITWITHKEY": {2: "position", 3: "origposition", 4: "waittime"},
    "TRANSFER": {3: "holdtime", 4: "calltime", 5: "origposition"},
    "BLINDTRANSFER": {3: "holdtime", 4: "calltime", 5: "origposition"},
    "RINGNOANSWER": {1: "ringtime_ms"},
    "RINGCANCELED": {1: "ms_since_ring_start"},
}
_DURATIONS = {"holdtime", "calltime", "waittime", "ringtime", "ringtime_ms", "ms_since_ring_start"}


def _check_numbers(event: str, data: list[str]) -> tuple[str, str] | None:
    """(reason, detail) for a bad number in an event's data fields, else None."""
    for index, name in NUMERIC_FIELDS.get(event, {}).items():
        if index > len(data) or data[index - 1] == "":
            continue
        value = data[index - 1]
        body = value[1:] if value.startswith("-") else value
        if not body.isdigit() or not body.isascii():
            return "bad_number", f"{event} {name} (data{index}) {value!r} is not a whole number"
        if value.startswith("-") and name in _DURATIONS:
            return "negative_duration", f"{event} {name} (data{index}) is negative: {value}"
    return None


NULL = "\\N"
_LINE_SIGNATURE = re.compile(rb"^\d+\|[^|]*\|[^|]*\|[^|]*\|[^|]+(\||$)")
_DETECT_LINES = 30
#: Other layouts of queue_log data seen in the wild, recognised to say what the file is.
_OTHER_LAYOUTS = (
    (re.compile(rb"^\s*uid,date_time,callid,queue_name", re.I), "a PBXware queue_log database export (CSV with header uid,date_time,callid,…)"),
    (re.compile(rb"^\s*time\s*\|\s*callid\s*\|\s*queuename", re.I), "a printed queue_log database table (time | callid | queuename | …)"),
    (re.compile(rb"^\s*\"?(time|date_time)\"?\s*[,;\t]", re.I), "a queue_log database export with a header row"),
)  # fmt: skip


def _detect(head: list[tuple[int, bytes]], path: str) -> None:
    lines = [(n, line.replace(b"\x00", b"")) for n, line in head]
    lines = [(n, line) for n, line in lines if line.strip()]
    if not lines or any(_LINE_SIGNATURE.match(line) for _, line in lines):
        return
    for pattern, what in _OTHER_LAYOUTS:
        for number, line in lines[:3]:
            if pattern.search(line):
                raise file_fault(path, "wrong_format", f"{what}, not an Asterisk queue_log file", number)
    raise file_fault(
        path, "wrong_format",
        f"no line in the first {len(lines)} has the queue_log layout epoch|callid|queue|agent|EVENT|…",
        lines[0][0],
    )  # fmt: skip


def parse_queue_log(stream: BinaryIO, ctx: ParseContext) -> Iterator[Row | Rejected]:
    """Parse a queue_log stream into raw.queue_log rows (:data:`COLUMNS`) and rejections.

    Flags: ``nul_bytes_stripped`` (NULs removed from the line), ``bad_bytes_replaced``
    (invalid UTF-8 replaced).
    """
    lines = physical_lines(stream, ctx.path)
    head = []
    for item in lines:
        head.append(item)
        if len(head) >= _DETECT_LINES:
            break
    _detect(head, ctx.path)
    limit = int(ctx.future_limit.timestamp())
    last_epoch = -1
    last_at: datetime | None = None
    last_iso = ""
    blank = 0

    numeric = {event: tuple(4 + i for i in fields) for event, fields in NUMERIC_FIELDS.items()}
    padding = [[""] * (5 - k) for k in range(6)]
    for number, data in chain(head, lines):
        flags: tuple[str, ...] = ()
        if b"\x00" in data:
            data = data.replace(b"\x00", b"")
            flags = ("nul_bytes_stripped",)
        if not data or data.isspace():
            blank += 1
            continue
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError:
            line = decode_flagged(data)[0]
            flags = (*flags, "bad_bytes_replaced")
        parts = line.split("|")
        count = len(parts)
        if count < 5:
            yield Rejected(number, "wrong_column_count", f"{count} fields, at least 5 expected", raw_text(data))
            continue
        epoch_text, callid, queue, agent, event = parts[0], parts[1], parts[2], parts[3], parts[4]
        if not epoch_text.isdigit() or not epoch_text.isascii():
            yield Rejected(number, "bad_timestamp", f"epoch {epoch_text!r} is not whole UTC seconds", raw_text(data))
            continue
        epoch = int(epoch_text)
        if epoch > limit:
            yield Rejected(
                number, "future_timestamp",
                f"epoch {epoch} is after {ctx.future_limit.isoformat()} (end of the logical day + 1 day)",
                raw_text(data),
            )  # fmt: skip
            continue
        if not event:
            yield Rejected(number, "missing_required", "the event name is empty", raw_text(data))
            continue
        if not callid:
            yield Rejected(number, "missing_required", "the callid is empty (NONE is written for non-call events)", raw_text(data))
            continue
        checks = numeric.get(event)
        if checks:
            for i in checks:  # a plain loop: no generator per row (most lines are call events)
                if i < count and parts[i] and not parts[i].isdigit():
                    fault = _check_numbers(event, parts[5:])
                    break
            else:
                fault = None
            if fault is not None:
                yield Rejected(number, fault[0], fault[1], raw_text(data))
                continue
        if epoch != last_epoch:  # many events share one second
            last_epoch, last_at = epoch, datetime.fromtimestamp(epoch, UTC)
            last_iso = last_at.isoformat()
        if count <= 10:
            data5 = parts[5:] + padding[count - 5]
            extra = None
        else:
            data5 = parts[5:10]
            extra = "|".join(parts[10:]) or None
        d1, d2, d3, d4, d5 = data5
        values = (
            epoch, last_at, callid, queue or None, agent or None, event,
            d1 or None, d2 or None, d3 or None, d4 or None, d5 or None, extra,
        )  # fmt: skip
        text = None
        if "\\" not in line and "\t" not in line and "\r" not in line:
            text = (
                f"{epoch_text}\t{last_iso}\t{callid}\t{queue or NULL}\t{agent or NULL}\t{event}\t{d1 or NULL}"
                f"\t{d2 or NULL}\t{d3 or NULL}\t{d4 or NULL}\t{d5 or NULL}\t{extra or NULL}"
            )
        yield Row(number, values, flags, text)
    ctx.stats["blank_lines"] = ctx.stats.get("blank_lines", 0) + blank
