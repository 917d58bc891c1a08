"""Incremental extraction of the CRM database by ``updated_at`` watermark.

Day D takes, per table, the rows with ``lower < updated_at <= upper`` where ``upper`` is the
local midnight after D and ``lower`` is the high watermark of the last loaded CRM batch
*before D*, minus the overlap window (``SVCWH_CRM_OVERLAP_MINUTES``, default 60). Taking the
watermark of the batch before D (not the current one) makes a re-run of D give the same
result; the overlap window catches rows committed late with an ``updated_at`` below the
watermark. Versions already in raw from an earlier day (same key and ``updated_at``) are not
taken twice. Rows are read with a server-side cursor, so memory stays flat.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from service_warehouse.sources import ParseContext, Rejected, Row
from service_warehouse.sources._common import RowFault, check_not_future, check_order

COMPLAINT_STATUSES = frozenset({"open", "acknowledged", "investigating", "resolved", "closed", "reopened"})


@dataclass(frozen=True)
class CrmTable:
    """One CRM table: its key, the columns raw keeps, enum and range rules."""

    name: str
    key: str
    columns: tuple[str, ...]
    enums: dict[str, frozenset[str]]
    time_pairs: tuple[tuple[str, str], ...] = ()
    ranges: dict[str, tuple[int, int]] | None = None

    @property
    def raw_table(self) -> str:
        return f"raw.crm_{self.name}"

    @property
    def source_file(self) -> str:
        return f"crm.{self.name}"


TABLES: tuple[CrmTable, ...] = (
    CrmTable(
        "customers", "customer_id",
        ("customer_id", "customer_name", "customer_type", "industry", "size_class", "region", "city",
         "address", "phone", "email", "id_number", "account_manager_id", "credit_limit",
         "is_key_account", "status", "created_at", "updated_at"),
        {"customer_type": frozenset({"enterprise", "individual"}),
         "size_class": frozenset({"large", "medium", "small", "micro"}),
         "status": frozenset({"active", "inactive", "closed"})},
    ),
    CrmTable(
        "agents", "agent_id",
        ("agent_id", "agent_name", "team", "role", "extension", "queue_member_name", "hired_at",
         "left_at", "updated_at"),
        {"role": frozenset({"agent", "team_lead", "supervisor", "qa_inspector", "technician"})},
        (("hired_at", "left_at"),),
    ),
    CrmTable(
        "complaints", "complaint_id",
        ("complaint_id", "customer_id", "channel", "category", "severity", "product", "subject",
         "description", "received_at", "acknowledged_at", "resolved_at", "closed_at", "status",
         "owner_agent_id", "reopen_count", "is_escalated", "root_cause", "resolution",
         "related_work_order_id", "updated_at"),
        {"channel": frozenset({"phone", "email", "web", "wechat", "sms", "visit", "social"}),
         "category": frozenset({"product_quality", "service_attitude", "billing", "delivery", "repair", "other"}),
         "severity": frozenset({"low", "medium", "high", "critical"}),
         "status": COMPLAINT_STATUSES},
        (("received_at", "acknowledged_at"), ("received_at", "resolved_at"), ("received_at", "closed_at")),
        {"reopen_count": (0, 1_000_000)},
    ),
    CrmTable(
        "complaint_status_history", "history_id",
        ("history_id", "complaint_id", "status", "changed_at", "changed_by", "updated_at"),
        {"status": COMPLAINT_STATUSES},
    ),
    CrmTable(
        "surveys", "survey_id",
        ("survey_id", "customer_id", "subject_type", "subject_id", "channel", "surveyed_at",
         "score_attitude", "score_efficiency", "score_quality", "score_resolution", "score_overall",
         "nps_score", "comment", "updated_at"),
        {"subject_type": frozenset({"call", "complaint", "repair"}),
         "channel": frozenset({"phone", "sms", "email", "visit", "wechat"})},
        (),
        {"score_attitude": (1, 5), "score_efficiency": (1, 5), "score_quality": (1, 5),
         "score_resolution": (1, 5), "score_overall": (1, 5), "nps_score": (0, 10)},
    ),
    CrmTable(
        "invoices", "invoice_id",
        ("invoice_id", "customer_id", "invoiced_at", "amount", "currency", "paid_at", "updated_at"),
        {},
        (("invoiced_at", "paid_at"),),
    ),
)  # fmt: skip
TABLES_BY_NAME = {t.name: t for t in TABLES}


def overlap_window() -> timedelta:
    """The overlap window (setting ``SVCWH_CRM_OVERLAP_MINUTES``, default 60 minutes)."""
    return timedelta(minutes=float(os.environ.get("SVCWH_CRM_OVERLAP_MINUTES", "60")))


def previous_watermarks(conn, day: date) -> dict[str, str]:
    """Per table, the high watermark recorded by the last loaded CRM batch before ``day``."""
    row = conn.execute(
        "select details -> 'watermarks' from audit.load_batches "
        "where source = 'crm' and status = 'loaded' and logical_date < %s "
        "order by logical_date desc, batch_id desc limit 1",
        (day,),
    ).fetchone()
    return dict(row[0]) if row and row[0] else {}


def already_loaded(conn, table: CrmTable, lower: datetime, upper: datetime, day: date) -> set[tuple[str, datetime]]:
    """(key, updated_at) versions that loaded batches of earlier days took within the window.

    Both the loaded versions (in raw) and the quarantined ones count: a version read once is
    not read again because it falls in the next night's overlap window.
    """
    rows = conn.execute(
        f"select r.{table.key}::text, r.updated_at from {table.raw_table} r "
        "join audit.load_batches b on b.batch_id = r._batch_id "
        "where b.status = 'loaded' and b.logical_date < %s and r.updated_at > %s and r.updated_at <= %s",
        (day, lower, upper),
    ).fetchall()
    seen = {(k, u) for k, u in rows}
    rejected = conn.execute(
        "select q.raw_text from audit.quarantine q join audit.load_batches b on b.batch_id = q.batch_id "
        "where b.status = 'loaded' and b.source = 'crm' and b.logical_date < %s and q.source_file = %s "
        "and b.logical_date >= (%s::timestamptz at time zone 'UTC')::date - 2",
        (day, table.source_file, lower),
    ).fetchall()
    for (text,) in rejected:
        try:
            record = json.loads(text)
            stamp = datetime.fromisoformat(record["updated_at"])
        except (ValueError, KeyError, TypeError):
            continue
        if lower < stamp <= upper:
            seen.add((str(record[table.key]), stamp))
    return seen


def check_columns(crm_conn, table: CrmTable) -> list[str]:
    """Columns raw needs that the CRM table lacks (empty when all are there)."""
    present = {
        r[0]
        for r in crm_conn.execute(
            "select column_name from information_schema.columns where table_schema = 'crm' and table_name = %s",
            (table.name,),
        )
    }
    return [c for c in table.columns if c not in present] if present else list(table.columns)


def extract(
    crm_conn, table: CrmTable, lower: datetime | None, upper: datetime, skip: set, ctx: ParseContext, stats: dict
) -> Iterator[Row | Rejected]:
    """Rows of ``crm.<table>`` with ``lower < updated_at <= upper``, checked, as Row/Rejected.

    ``stats`` gets ``high_watermark`` (greatest updated_at read) and ``overlap_skipped``.
    """
    where = "updated_at <= %s" if lower is None else "updated_at > %s and updated_at <= %s"
    params = (upper,) if lower is None else (lower, upper)
    sql = f"select {', '.join(table.columns)} from crm.{table.name} where {where} order by updated_at, {table.key}"
    key_at = table.columns.index(table.key)
    updated_at = table.columns.index("updated_at")
    seen: set = set()
    high = None
    skipped = 0
    with crm_conn.cursor(name=f"svcwh_extract_{table.name}") as cursor:
        cursor.itersize = 5000
        cursor.execute(sql, params)
        number = 0
        for values in cursor:
            key = values[key_at]
            stamp = values[updated_at]
            if skip and (str(key), stamp) in skip:
                skipped += 1
                continue
            number += 1
            high = stamp if high is None or stamp > high else high
            record = dict(zip(table.columns, values))
            try:
                _check(table, record, ctx)
                if key in seen:
                    raise RowFault("duplicate_id", f"{table.key} {key} appears twice in this extraction")
            except RowFault as fault:
                yield Rejected(number, fault.reason, fault.detail, json.dumps(record, default=str, ensure_ascii=False))
                continue
            seen.add(key)
            yield Row(number, tuple(values))
    stats["high_watermark"] = high
    stats["overlap_skipped"] = skipped


def _check(table: CrmTable, record: dict, ctx: ParseContext) -> None:
    if record[table.key] is None or record[table.key] == "":
        raise RowFault("missing_required", f"{table.key} is empty")
    for column, allowed in table.enums.items():
        value = record[column]
        if value is not None and value not in allowed:
            raise RowFault("unknown_enum", f"{column} {value!r} is not one of {sorted(allowed)}")
    for column, (low, high) in (table.ranges or {}).items():
        value = record[column]
        if value is not None and not low <= value <= high:
            raise RowFault("bad_number", f"{column} {value} outside {low}..{high}")
    for column, value in record.items():
        if isinstance(value, datetime):
            check_not_future(value, column, ctx)
    for start, end in table.time_pairs:
        check_order(record[start], record[end], start, end)
