"""The simulated CRM database: its DDL, the simulator's own state, and fast writes (COPY).

The CRM tables live in schema ``crm`` exactly as ``sources.md`` lists them. The simulator keeps
what it needs to continue in schema ``simulator`` of the same database: one row per simulated
day (configuration and id counters) and the future events it has already planned (a complaint's
next stages, a work order's next steps, a caller's repeat call, queue_log lines of calls that end
after midnight). Every day is generated from that state alone, so days 1–10 then 11–20 give the
same result as 1–20 in one go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

CRM_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id", "customer_name", "customer_type", "industry", "size_class", "region", "city",
        "address", "phone", "email", "id_number", "account_manager_id", "credit_limit",
        "is_key_account", "status", "created_at", "updated_at",
    ),
    "agents": (
        "agent_id", "agent_name", "team", "role", "extension", "queue_member_name", "hired_at",
        "left_at", "updated_at",
    ),
    "complaints": (
        "complaint_id", "customer_id", "channel", "category", "severity", "product", "subject",
        "description", "received_at", "acknowledged_at", "resolved_at", "closed_at", "status",
        "owner_agent_id", "reopen_count", "is_escalated", "root_cause", "resolution",
        "related_work_order_id", "updated_at",
    ),
    "complaint_status_history": ("complaint_id", "status", "changed_at", "changed_by", "updated_at"),
    "surveys": (
        "survey_id", "customer_id", "subject_type", "subject_id", "channel", "surveyed_at",
        "score_attitude", "score_efficiency", "score_quality", "score_resolution", "score_overall",
        "nps_score", "comment", "updated_at",
    ),
    "invoices": ("invoice_id", "customer_id", "invoiced_at", "amount", "currency", "paid_at", "updated_at"),
}
#: Columns holding UTC epochs in the simulator's rows (written as timestamptz).
TIME_COLUMNS = {
    "created_at", "updated_at", "hired_at", "left_at", "received_at", "acknowledged_at", "resolved_at",
    "closed_at", "changed_at", "surveyed_at", "invoiced_at", "paid_at",
}
PRIMARY_KEYS = {
    "customers": "customer_id", "agents": "agent_id", "complaints": "complaint_id",
    "surveys": "survey_id", "invoices": "invoice_id",
}

DDL = """
create schema if not exists crm;
create table if not exists crm.customers (
    customer_id text primary key, customer_name text not null, customer_type text not null,
    industry text, size_class text, region text, city text, address text, phone text, email text,
    id_number text, account_manager_id text, credit_limit numeric(14, 2),
    is_key_account boolean not null default false, status text not null,
    created_at timestamptz not null, updated_at timestamptz not null
);
create table if not exists crm.agents (
    agent_id text primary key, agent_name text not null, team text, role text not null,
    extension text, queue_member_name text, hired_at timestamptz, left_at timestamptz,
    updated_at timestamptz not null
);
create table if not exists crm.complaints (
    complaint_id text primary key, customer_id text, channel text, category text, severity text,
    product text, subject text, description text, received_at timestamptz,
    acknowledged_at timestamptz, resolved_at timestamptz, closed_at timestamptz, status text,
    owner_agent_id text, reopen_count integer not null default 0,
    is_escalated boolean not null default false, root_cause text, resolution text,
    related_work_order_id text, updated_at timestamptz not null
);
create table if not exists crm.complaint_status_history (
    history_id bigint generated always as identity primary key,
    complaint_id text not null, status text, changed_at timestamptz not null, changed_by text,
    updated_at timestamptz not null
);
create table if not exists crm.surveys (
    survey_id text primary key, customer_id text, subject_type text, subject_id text, channel text,
    surveyed_at timestamptz, score_attitude smallint, score_efficiency smallint,
    score_quality smallint, score_resolution smallint, score_overall smallint, nps_score smallint,
    comment text, updated_at timestamptz not null
);
create table if not exists crm.invoices (
    invoice_id text primary key, customer_id text, invoiced_at timestamptz, amount numeric(14, 2),
    currency text, paid_at timestamptz, updated_at timestamptz not null
);
create index if not exists customers_updated_at on crm.customers (updated_at);
create index if not exists agents_updated_at on crm.agents (updated_at);
create index if not exists complaints_updated_at on crm.complaints (updated_at);
create index if not exists complaint_status_history_updated_at on crm.complaint_status_history (updated_at);
create index if not exists surveys_updated_at on crm.surveys (updated_at);
create index if not exists invoices_updated_at on crm.invoices (updated_at);

create schema if not exists simulator;
create table if not exists simulator.days (
    day date primary key, config jsonb not null, counters jsonb not null, summary jsonb not null
);
create table if not exists simulator.events (
    at bigint not null, kind text not null, key text not null, seq bigint not null, data jsonb not null
);
create index if not exists events_at on simulator.events (at);
"""

#: One planned event: (UTC epoch, kind, entity key, sequence, data).
Event = tuple[int, str, str, int, dict]


@dataclass
class DayState:
    """What the previous day left: configuration, id counters, last day."""

    last_day: date | None
    config: dict | None
    counters: dict


def ensure_schema(conn) -> None:
    """Create the CRM and simulator schemas (idempotent)."""
    conn.execute("select pg_advisory_xact_lock(hashtext('svcwh.simulator.ddl'))")
    conn.execute(DDL)


def load_state(conn) -> DayState:
    """The last simulated day, its configuration and counters (or an empty state)."""
    row = conn.execute("select day, config, counters from simulator.days order by day desc limit 1").fetchone()
    if row is None:
        return DayState(None, None, {})
    return DayState(row[0], row[1], dict(row[2]))


def save_day(conn, day: date, config: dict, counters: dict, summary: dict) -> None:
    """Record a finished day (in the same transaction as its CRM changes)."""
    conn.execute(
        "insert into simulator.days (day, config, counters, summary) values (%s, %s, %s, %s)",
        (day, json.dumps(config, sort_keys=True), json.dumps(counters, sort_keys=True), json.dumps(summary)),
    )


def take_events(conn, start: int, end: int) -> list[Event]:
    """Remove and return the planned events due in [start, end), in a stable order."""
    rows = conn.execute(
        "delete from simulator.events where at >= %s and at < %s returning at, kind, key, seq, data",
        (start, end),
    ).fetchall()
    rows.sort(key=lambda r: (r[0], r[3], r[1], r[2]))
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def store_events(conn, events: list[Event]) -> None:
    """Append planned future events (COPY)."""
    if not events:
        return
    with conn.cursor().copy("copy simulator.events (at, kind, key, seq, data) from stdin") as copy:
        for at, kind, key, seq, data in events:
            copy.write_row((at, kind, key, seq, json.dumps(data, ensure_ascii=False, separators=(",", ":"))))


#: Per table: its columns and the positions of those holding UTC epochs (computed once, not per row).
_PLANS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    table: (cols, tuple(i for i, c in enumerate(cols) if c in TIME_COLUMNS)) for table, cols in CRM_COLUMNS.items()
}
_UTC = timezone.utc


def _row_values(table: str, row: dict, fmt=None) -> tuple:
    """One row's COPY values in column order; epochs become aware UTC datetimes (C-speed conversion)."""
    cols, times = _PLANS[table]
    get = row.get
    out = [get(c) for c in cols]
    for i in times:
        if type(out[i]) is int:
            out[i] = datetime.fromtimestamp(out[i], _UTC)
    return tuple(out)


def copy_rows(conn, table: str, rows: list[dict], fmt) -> None:
    """Insert rows into ``crm.<table>`` with COPY."""
    if not rows:
        return
    cols = CRM_COLUMNS[table]
    with conn.cursor().copy(f"copy crm.{table} ({', '.join(cols)}) from stdin") as copy:
        for row in rows:
            copy.write_row(_row_values(table, row, fmt))


def upsert_rows(conn, table: str, rows: list[dict], fmt) -> None:
    """Insert or fully replace rows of ``crm.<table>`` by primary key (COPY into a temp table)."""
    if not rows:
        return
    cols = CRM_COLUMNS[table]
    key = PRIMARY_KEYS[table]
    tmp = f"_sim_{table}"
    conn.execute(f"create temp table if not exists {tmp} (like crm.{table} including defaults) on commit drop")
    conn.execute(f"truncate {tmp}")
    with conn.cursor().copy(f"copy {tmp} ({', '.join(cols)}) from stdin") as copy:
        for row in rows:
            copy.write_row(_row_values(table, row, fmt))
    sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c != key)
    conn.execute(
        f"insert into crm.{table} ({', '.join(cols)}) select {', '.join(cols)} from {tmp} "
        f"on conflict ({key}) do update set {sets}"
    )


def load_customers(conn) -> list[tuple]:
    """(customer_id, customer_name, customer_type, phone, status, address, region, city, size_class) by id."""
    return conn.execute(
        "select customer_id, customer_name, customer_type, phone, status, address, region, city, size_class "
        "from crm.customers order by customer_id"
    ).fetchall()


def load_agents(conn) -> list[tuple]:
    """(agent_id, agent_name, team, role, extension, queue_member_name) by id."""
    return conn.execute(
        "select agent_id, agent_name, team, role, extension, queue_member_name from crm.agents "
        "where left_at is null order by agent_id"
    ).fetchall()
