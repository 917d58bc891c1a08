"""Deterministic randomness and fast local-time formatting.

Every day's randomness is seeded from (seed, date, stream) so that a day generates the same
whatever run it is part of; times are carried as UTC epoch seconds and formatted in the
centre's (or the CDR's) time zone with a cached offset per hour.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo


def day_rng(seed: int, day: date, stream: str) -> random.Random:
    """A random generator for one day and one stream of events (independent of other streams)."""
    digest = hashlib.sha256(f"{seed}|{day.isoformat()}|{stream}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stable_int(*parts: object) -> int:
    """A stable 64-bit hash of the parts (not Python's salted hash)."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def day_window(day: date, tz: ZoneInfo) -> tuple[int, int]:
    """UTC epochs of local midnight at the start of ``day`` and of the next day."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return int(start.timestamp()), int(end.timestamp())


def local_epoch(day: date, hour: float, tz: ZoneInfo) -> int:
    """UTC epoch of ``hour`` (fractional hours) local time on ``day``."""
    start, _ = day_window(day, tz)
    return start + int(hour * 3600)


class Formatter:
    """Formats UTC epochs as local text in one time zone (offset cached per hour)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._offsets: dict[int, int] = {}

    def offset(self, epoch: int) -> int:
        """UTC offset in seconds at ``epoch``."""
        hour = epoch // 3600
        off = self._offsets.get(hour)
        if off is None:
            off = int(datetime.fromtimestamp(hour * 3600, self.tz).utcoffset().total_seconds())
            self._offsets[hour] = off
        return off

    def plain(self, epoch: int) -> str:
        """``YYYY-MM-DD HH:MM:SS`` local, no offset (Asterisk CDR, spreadsheet exports)."""
        return _utc_text(epoch + self.offset(epoch))

    def iso(self, epoch: int, utc: bool = False) -> str:
        """ISO-8601 with offset, local (``+08:00``) or UTC (``+00:00``)."""
        if utc:
            return _utc_text(epoch).replace(" ", "T") + "+00:00"
        off = self.offset(epoch)
        sign = "+" if off >= 0 else "-"
        hh, mm = divmod(abs(off) // 60, 60)
        return f"{_utc_text(epoch + off).replace(' ', 'T')}{sign}{hh:02d}:{mm:02d}"

    def dt(self, epoch: int) -> datetime:
        """Aware datetime in UTC (what psycopg writes to timestamptz)."""
        return _utc_dt(epoch)


_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=200_000)
def _utc_text(epoch: int) -> str:
    return (_EPOCH + timedelta(seconds=epoch)).isoformat(" ")  # whole seconds: YYYY-MM-DD HH:MM:SS


def _utc_dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)
