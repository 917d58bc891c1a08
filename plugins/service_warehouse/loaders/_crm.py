"""Incremental extraction of the CRM database by ``updated_at`` watermark.

Day D takes, per table, the rows with ``lower < updated_at <= upper`` where ``upper`` is the
local midnight after D and ``lower`` is the high watermark of the last loaded CRM batch
*before D*, minus the overlap window (``SVCWH_CRM_OVERLAP_MINUTES``, default 60). Taking the
watermark of the batch before D (not the current one) makes a re-run of D give the same
result; the overlap window catches rows committed late with an ``updated_at`` below the
watermark. Versions already in raw from an earlier day (same key and ``updated_at``) are not
taken twice. Rows stream from the CRM's ``COPY … TO STDOUT`` already in raw's COPY format
(checks, lineage and row numbers computed in the CRM), so memory stays flat and the loader
does not parse them (:class:`Extraction`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from service_warehouse.sources import Rejected

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


_STAMP = "to_char({col} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
#: CRM columns that hold points in time (checked against the future limit).
TIME_COLUMNS = frozenset({
    "created_at", "updated_at", "hired_at", "left_at", "received_at", "acknowledged_at", "resolved_at",
    "closed_at", "changed_at", "surveyed_at", "invoiced_at", "paid_at",
})  # fmt: skip


def _version_key(key: object, stamp: datetime) -> str:
    return f"{key}|{stamp.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


def already_loaded(conn, table: CrmTable, lower: datetime, upper: datetime, day: date) -> set[str]:
    """``key|updated_at`` of versions that loaded batches of earlier days took within the window.

    Both the loaded versions (in raw) and the quarantined ones count: a version read once is
    not read again because it falls in the next night's overlap window.
    """
    # a version later than ``lower`` can only sit in a batch whose day ends after ``lower``:
    # batches of days before (lower's UTC date − 2) are left out, and the batch id range lets
    # the BRIN index on _batch_id skip the big first snapshot instead of scanning it nightly
    batches = [
        r[0]
        for r in conn.execute(
            "select batch_id from audit.load_batches where source = 'crm' and status = 'loaded' and logical_date < %s "
            "and logical_date >= (%s::timestamptz at time zone 'UTC')::date - 2",
            (day, lower),
        )
    ]
    if not batches:
        rows = []
    else:
        rows = conn.execute(
            f"select {table.key}::text, updated_at from {table.raw_table} "
            "where updated_at > %s and updated_at <= %s and _batch_id = any(%s) and _batch_id between %s and %s",
            (lower, upper, batches, min(batches), max(batches)),
        ).fetchall()
    seen = {_version_key(k, u) for k, u in rows}
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
            seen.add(_version_key(record[table.key], stamp))
    return seen


def missing_columns(crm_conn) -> dict[str, list[str]]:
    """Per CRM table, the columns raw needs that the table lacks (all of them when it is missing).

    One catalog query for every table (``information_schema.columns`` per table cost ≈ 8 ms
    each on a busy server, a noticeable share of a small nightly batch).
    """
    present: dict[str, set[str]] = {}
    for table, column in crm_conn.execute(
        "select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'crm' and c.relname = any(%s) "
        "and a.attnum > 0 and not a.attisdropped",
        ([t.name for t in TABLES],),
    ):
        present.setdefault(table, set()).add(column)
    return {t.name: [c for c in t.columns if c not in present.get(t.name, ())] for t in TABLES}


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def fault_sql(table: CrmTable) -> str:
    """A SQL expression giving ``reason|detail`` for a row that must be quarantined, else NULL.

    The checks run in the CRM database, in the query that extracts the rows, so good rows
    stream from the CRM's COPY into raw's COPY without being turned into Python objects.
    """
    key = table.key
    whens = [f"when t.{key} is null or t.{key}::text = '' then 'missing_required|{key} is empty'"]
    for column, allowed in table.enums.items():
        listed = ", ".join(sorted(allowed))
        whens.append(
            f"when t.{column} is not null and t.{column}::text not in ({', '.join(_lit(v) for v in sorted(allowed))}) "
            f"then 'unknown_enum|{column} ' || quote_literal(t.{column}) || ' is not one of [{listed}]'"
        )
    for column, (low, high) in (table.ranges or {}).items():
        whens.append(
            f"when t.{column} is not null and (t.{column} < {low} or t.{column} > {high}) "
            f"then 'bad_number|{column} ' || t.{column} || ' outside {low}..{high}'"
        )
    for column in table.columns:
        if column in TIME_COLUMNS:
            whens.append(
                f"when t.{column} > %(limit)s then 'future_timestamp|{column}: ' || t.{column} || "
                "' is after ' || %(limit_text)s || ' (end of the logical day + 1 day)'"
            )
    for start, end in table.time_pairs:
        whens.append(
            f"when t.{end} < t.{start} then 'end_before_start|{end} ' || t.{end} || ' is before {start} ' || t.{start}"
        )
    return "case " + " ".join(whens) + " end"


#: The end of every row COPY'd into raw (``_flags`` empty); a quarantined row ends otherwise.
GOOD_END = b"\t{}\n"


@dataclass(frozen=True)
class Extraction:
    """One ``COPY … TO STDOUT`` extracting a table's window, and its parameters.

    Every row leaves the CRM already as raw's COPY row, lineage included (batch, day, table,
    row number, no flags), so the loader forwards its bytes into raw's ``COPY … FROM STDIN``
    after one look at its end (:data:`GOOD_END`). A row for the quarantine carries its
    ``reason|detail`` in the ``_flags`` column and the row as JSON in ``_source_file``
    (:func:`rejected_row` reads them back). ``skipped`` counts the versions left out because an
    earlier night took them (None when nothing can be skipped).

    Rows are numbered in key order — the primary key's, so the CRM reads the table through its
    index instead of sorting it (sorting by updated_at cost ≈ 0.6 µs of server CPU a row on
    the bench's 200 000 customers). When the key is not unique in the CRM, a row without fault
    whose key came earlier in this extraction, also without fault, is a ``duplicate_id``.
    """

    copy: str
    skipped: str | None
    params: dict


def key_is_unique(crm_conn, table: CrmTable) -> bool:
    """True when a unique index of ``crm.<table>`` is on its key alone."""
    return crm_conn.execute(
        "select exists (select from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
        "and a.attnum = i.indkey[0] where i.indrelid = %s::regclass and i.indisunique and i.indnkeyatts = 1 "
        "and i.indpred is null and a.attname = %s)",
        (f"crm.{table.name}", table.key),
    ).fetchone()[0]


def extraction(
    table: CrmTable, lower: datetime | None, upper: datetime, previous: datetime | None, skip: set[str], ctx,
    batch_id: int, unique: bool,
) -> Extraction:  # fmt: skip
    """The COPY that extracts ``crm.<table>`` for rows with ``lower < updated_at <= upper``.

    Rows are checked by :func:`fault_sql` in the CRM; versions in ``skip`` (``key|updated_at``
    taken by an earlier night, seen again in the overlap window) are left out.
    """
    key = table.key
    window = "t.updated_at <= %(upper)s" if lower is None else "t.updated_at > %(lower)s and t.updated_at <= %(upper)s"
    version = f"t.{key}::text || '|' || {_STAMP.format(col='t.updated_at')}"
    taken_before = f"(t.updated_at <= %(previous)s and {version} = any(%(skip)s))"
    where = f"{window} and not {taken_before}" if previous is not None and skip else window
    if unique:
        order, fault = f"t.{key}", "x.fault"
    else:
        order = f"t.{key}, t.updated_at, t.ctid"
        earlier = (
            f"count(*) filter (where x.fault is null) over (partition by t.{key} order by t.updated_at, t.ctid "
            "rows between unbounded preceding and 1 preceding)"
        )
        fault = (
            f"case when x.fault is null and {earlier} > 0 then 'duplicate_id|{key} ' || t.{key} "
            "|| ' appears twice in this extraction' else x.fault end"
        )
    inner = (
        f"select {', '.join(f't.{c}' for c in table.columns)}, row_number() over (order by {order}) as _n, "
        f"{fault} as _fault, case when {fault} is not null then to_jsonb(t)::text end as _doc "
        f"from crm.{table.name} t cross join lateral (select {fault_sql(table)} as fault) x where {where}"
    )
    copy = (
        f"copy (select {', '.join(table.columns)}, %(batch)s::bigint, %(day)s::date, "
        "case when _fault is null then %(file)s::text else _doc end, _n, "
        f"coalesce(_fault, '{{}}') from ({inner}) r) to stdout"
    )
    skipped = (
        f"select count(*) from crm.{table.name} t where {window} and {taken_before}"
        if previous is not None and skip
        else None
    )
    params = {
        "lower": lower, "upper": upper, "previous": previous, "skip": sorted(skip),
        "limit": ctx.future_limit, "limit_text": ctx.future_limit.isoformat(),
        "batch": batch_id, "day": ctx.logical_date, "file": table.source_file,
    }  # fmt: skip
    return Extraction(copy, skipped, params)


def _unescape(field: bytes) -> str:
    """A COPY text field as text (only quarantined rows go through this)."""
    if field == b"\\N":
        return ""
    out, i, text = [], 0, field.decode("utf-8", "replace")
    escapes = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(escapes.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def rejected_row(row: bytes) -> Rejected:
    """The quarantine record of an extracted row that does not end with :data:`GOOD_END`."""
    # the last five columns: _batch_id, _logical_date, _source_file (the row as JSON), _line_number, _flags (the fault)
    doc, number, fault = row.rstrip(b"\n").rsplit(b"\t", 5)[3:]
    reason, _, detail = _unescape(fault).partition("|")
    return Rejected(int(number), reason, detail, _unescape(doc))


def high_watermark(crm_conn, table: CrmTable, lower: datetime | None, upper: datetime) -> datetime | None:
    """The greatest updated_at in the extraction window (same snapshot as the extraction)."""
    where = "updated_at <= %s" if lower is None else "updated_at > %s and updated_at <= %s"
    params = (upper,) if lower is None else (lower, upper)
    return crm_conn.execute(f"select max(updated_at) from crm.{table.name} where {where}", params).fetchone()[0]
