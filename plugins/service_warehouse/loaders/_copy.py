"""Streaming COPY of parsed rows into raw, and of rejected rows into ``audit.quarantine``.

A parser's output is consumed once: rows go straight into ``COPY raw.<table> FROM STDIN`` as
they are parsed (psycopg's ``write_row``, buffered by psycopg), rejections are written to a
spooled temporary file in COPY text format (a connection runs one COPY at a time) and copied
into the quarantine afterwards, in the same transaction. Memory stays flat whatever the size.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from service_warehouse.sources import Rejected, Row

LINEAGE = ("_batch_id", "_logical_date", "_source_file", "_line_number", "_flags")
QUARANTINE_COLUMNS = ("batch_id", "source", "source_file", "line_number", "reason", "detail", "raw_text")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})


def copy_text(value: object) -> str:
    """One field in COPY text format (NULL as ``\\N``)."""
    if value is None:
        return "\\N"
    return str(value).translate(_ESCAPES)


@dataclass
class Counts:
    """Rows read, loaded and quarantined (read = loaded + quarantined), by reason."""

    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        self.read += other.read
        self.loaded += other.loaded
        self.quarantined += other.quarantined
        for key, value in other.reasons.items():
            self.reasons[key] = self.reasons.get(key, 0) + value
        for key, value in other.flags.items():
            self.flags[key] = self.flags.get(key, 0) + value


class QuarantineSpool:
    """Rejected rows of one batch, spooled (memory, then disk past 8 MB) until they are copied."""

    def __init__(self, batch_id: int, source: str) -> None:
        self.batch_id = batch_id
        self.source = source
        self.count = 0
        self._file = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8")

    def add(self, source_file: str, rejected: Rejected) -> None:
        fields = (self.batch_id, self.source, source_file, rejected.line, rejected.reason, rejected.detail, rejected.raw_text)
        self._file.write("\t".join(copy_text(v) for v in fields) + "\n")
        self.count += 1

    def flush(self, cursor) -> None:
        """COPY everything spooled into ``audit.quarantine`` and empty the spool."""
        if not self.count:
            return
        self._file.seek(0)
        with cursor.copy(f"copy audit.quarantine ({', '.join(QUARANTINE_COLUMNS)}) from stdin") as copy:
            while chunk := self._file.read(1 << 16):
                copy.write(chunk)
        self._file.seek(0)
        self._file.truncate()
        self.count = 0

    def close(self) -> None:
        self._file.close()


def copy_rows(
    cursor,
    table: str,
    columns: Iterable[str],
    items: Iterable[Row | Rejected],
    *,
    batch_id: int,
    logical_date,
    source_file: str,
    spool: QuarantineSpool,
) -> Counts:
    """COPY the rows of one parsed file into ``table`` and spool its rejections."""
    counts = Counts()
    names = ", ".join((*columns, *LINEAGE))
    reasons = counts.reasons
    flag_counts = counts.flags
    loaded = 0
    # rows that come with their COPY text are joined into ~256 kB writes; the others are
    # formatted by psycopg (order inside a COPY does not matter: line numbers are stored)
    suffix = f"\t{batch_id}\t{logical_date.isoformat()}\t{copy_text(source_file)}\t"
    chunk: list[str] = []
    size = 0
    with cursor.copy(f"copy {table} ({names}) from stdin") as copy:
        write_row = copy.write_row
        for item in items:
            if type(item) is Row:
                flags = item.flags
                if flags:
                    for flag in flags:
                        flag_counts[flag] = flag_counts.get(flag, 0) + 1
                    # flags are plain identifiers: the array literal needs no quoting
                    flag_text = "{" + ",".join(flags) + "}"
                else:
                    flag_text = "{}"
                text = item.text
                if text is not None:
                    line = f"{text}{suffix}{item.line}\t{flag_text}\n"
                    chunk.append(line)
                    size += len(line)
                    if size > 262144:
                        copy.write("".join(chunk))
                        chunk, size = [], 0
                else:
                    write_row((*item.values, batch_id, logical_date, source_file, item.line, flag_text))
                loaded += 1
            else:
                spool.add(source_file, item)
                reasons[item.reason] = reasons.get(item.reason, 0) + 1
        if chunk:
            copy.write("".join(chunk))
    counts.loaded = loaded
    counts.quarantined = sum(reasons.values())
    counts.read = counts.loaded + counts.quarantined
    return counts
