"""Hand-made CRM and work-order raw rows for the customer-service dbt tests.

Rows go into ``raw.crm_*`` / ``raw.work_orders`` under batches in ``audit.load_batches``, as
the loaders leave them (one row per extracted version, lineage columns filled), so the tests
exercise the real staging deduplication and batch filter.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def local(text: str) -> datetime:
    """A local (Asia/Shanghai) wall-clock time 'YYYY-MM-DD HH:MM[:SS]' as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class CsWriter:
    """Writes raw CRM / work-order rows under batches (``loaded`` unless told otherwise)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self._batches: dict[tuple[str, date, str], int] = {}

    def batch(self, source: str, day: date, status: str = "loaded") -> int:
        """The batch of (source, day, status), created on first use."""
        key = (source, day, status)
        if key not in self._batches:
            row = self.conn.execute(
                "insert into audit.load_batches (source, logical_date, status, finished_at) "
                "values (%s, %s, %s, now()) returning batch_id",
                (source, day, status),
            ).fetchone()
            self._batches[key] = row[0]
        return self._batches[key]

    def insert(self, table: str, rows: list[dict[str, Any]], day: date, *, status: str = "loaded",
               first_line: int = 1) -> None:
        """Insert rows into ``raw.<table>`` under the day's batch, lines numbered from first_line."""
        if not rows:
            return
        source = "repairs" if table == "work_orders" else "crm"
        batch = self.batch(source, day, status)
        source_file = f"repairs/{day}/work_orders.jsonl" if source == "repairs" else f"crm.{table.removeprefix('crm_')}"
        for line, row in enumerate(rows, start=first_line):
            values = dict(row)
            if table == "work_orders":
                values.setdefault("document", json.dumps({k: str(v) for k, v in row.items()}))
            values.update(_batch_id=batch, _logical_date=day, _source_file=source_file, _line_number=line)
            columns = ", ".join(values)
            marks = ", ".join(["%s"] * len(values))
            self.conn.execute(f"insert into raw.{table} ({columns}) values ({marks})", list(values.values()))
