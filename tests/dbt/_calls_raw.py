"""Hand-made call-centre raw rows for the dbt tests: a writer and a small seeded history.

The writer puts rows into ``raw.queue_log`` / ``raw.cdr`` / ``raw.qa_evaluations`` (and the CRM
agents / customers the call models resolve through) under batches in ``audit.load_batches``,
exactly as the loaders leave them. The history generator plays an Asterisk queue with the traps
real files have: short abandons, timeouts, key and empty exits, calls without an exit event,
answered calls without a COMPLETE, blind and attended (LINK) transfers, one callid entering a
second queue, calls that end after midnight (their later events in the next day's file), repeat
callers, anonymous callers, a member name the CRM does not know, QA evaluations that arrive a
day late.
"""

from __future__ import annotations

import random

import pytest
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
QUEUES = ("support", "sales")
#: CRM agents: (agent_id, queue member name, interface)
AGENTS = [
    ("A0101", "Agent 1", "SIP/8001"),
    ("A0102", "Agent 2", "SIP/8002"),
    ("A0103", "Li Wei", "SIP/8003"),
    ("A0104", "王芳", "SIP/8004"),
    ("A0105", None, "SIP/8005"),  # no member name: queue_log writes the interface
]
#: member names queue_log writes (the last one the CRM does not know)
MEMBERS = ["Agent 1", "Agent 2", "Li Wei", "王芳", "SIP/8005", "Temp 9"]


@dataclass
class Event:
    epoch: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = ()

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.epoch, TZ).date()


@dataclass
class DayFiles:
    """What one day's folder holds, as rows ready for raw."""

    events: list[Event] = field(default_factory=list)
    cdr: list[dict] = field(default_factory=list)
    qa: list[dict] = field(default_factory=list)


def local_epoch(day: date, hh: int, mm: int, ss: int = 0) -> int:
    return int(datetime.combine(day, time(hh, mm, ss), TZ).timestamp())


def simulate(days: list[date], seed: int = 7, calls_per_day: int = 36) -> dict[date, DayFiles]:
    """A seeded call history: one DayFiles per day (events filed by their local date)."""
    rng = random.Random(seed)
    files = {d: DayFiles() for d in days}
    callers = [f"1380000{n:04d}" for n in range(24)] + ["anonymous"]
    counter = 0
    qa_seq = 0
    for day in days:
        starts = sorted(local_epoch(day, 8, 0) + rng.randrange(12 * 3600) for _ in range(calls_per_day))
        starts.append(local_epoch(day, 23, 58, 30))  # ends after midnight
        for start in starts:
            counter += 1
            callid = f"{start - rng.randrange(5, 30)}.{counter}"
            caller = rng.choice(callers)
            callerid = "" if rng.random() < 0.1 else caller  # empty: the CDR src decides
            queue = rng.choice(QUEUES)
            events: list[Event] = []
            _one_queue_call(rng, events, callid, queue, start, callerid, late=start % 86400 == 0 or start == starts[-1])
            if rng.random() < 0.06:  # timed out and sent to the other queue: same callid
                last = events[-1]
                if last.event in ("EXITWITHTIMEOUT", "EXITWITHKEY"):
                    other = QUEUES[1 - QUEUES.index(queue)]
                    _one_queue_call(rng, events, callid, other, last.epoch + 2, callerid, late=False)
            for ev in events:
                if ev.day in files:
                    files[ev.day].events.append(ev)
            start_at = datetime.fromtimestamp(int(callid.split(".")[0]), TZ)
            end_at = datetime.fromtimestamp(events[-1].epoch, TZ)
            files[day].cdr.append({
                "src": caller, "dst": "500", "dcontext": "ext-queues", "clid": f'"" <{caller}>',
                "channel": f"SIP/trunk-{counter:08x}", "dstchannel": "", "lastapp": "Queue",
                "lastdata": f"{queue},t", "start_at": start_at, "answer_at": start_at, "end_at": end_at,
                "duration": int((end_at - start_at).total_seconds()),
                "billsec": int((end_at - start_at).total_seconds()), "disposition": "ANSWERED",
                "uniqueid": callid, "linkedid": callid,
            })
            connect = next((e for e in events if e.event == "CONNECT"), None)
            if connect is not None and rng.random() < 0.25:
                qa_seq += 1
                evaluated = day + timedelta(days=1)
                target = files.get(evaluated, files[day])  # the QA form arrives a day later
                member = connect.agent
                agent_id = next((a for a, m, i in AGENTS if member in (m, i)), "A0999")
                parts = [rng.randrange(10, 21) for _ in range(5)]
                target.qa.append({
                    "evaluation_id": f"QA{qa_seq:05d}", "call_uniqueid": callid, "agent_id": agent_id,
                    "inspector_id": "A0201", "evaluated_at": datetime.combine(evaluated, time(10, 0), TZ),
                    "greeting": parts[0], "listening": parts[1], "accuracy": parts[2],
                    "compliance": parts[3], "closing": parts[4], "total_score": sum(parts),
                    "fatal_error": rng.random() < 0.1,
                })
    for day_files in files.values():
        day_files.events.sort(key=lambda e: e.epoch)
    return files


def _one_queue_call(rng: random.Random, out: list[Event], callid: str, queue: str, enter: int,
                    callerid: str, late: bool) -> None:
    """The events of one queue entry, appended to ``out``."""
    out.append(Event(enter, callid, queue, "NONE", "ENTERQUEUE", ("", callerid, "1")))
    roll = rng.random()
    if late:
        roll = 0.1  # the call before midnight is answered and ends the next day
    member = rng.choice(MEMBERS)
    if roll < 0.62:  # answered
        wait = rng.randrange(2, 45)
        if rng.random() < 0.3:
            out.append(Event(enter + wait - 1, callid, queue, rng.choice(MEMBERS), "RINGNOANSWER", ("15000",)))
        out.append(Event(enter + wait, callid, queue, member, "CONNECT", (str(wait), f"{enter}.99", "3")))
        talk = rng.randrange(30, 400)
        end = enter + wait + talk
        kind = rng.random()
        if kind < 0.08:
            out.append(Event(end, callid, queue, member, "BLINDTRANSFER", ("2001", "from-internal", str(wait), str(talk), "1")))
        elif kind < 0.13:
            out.append(Event(end, callid, queue, member, "ATTENDEDTRANSFER",
                             ("LINK", "SIP/8001-0001", "SIP/2001-0002", str(wait), str(talk), "1")))
        elif kind < 0.16:
            pass  # no COMPLETE (lost in a restart): answered, talk unknown
        else:
            event = "COMPLETECALLER" if kind < 0.6 else "COMPLETEAGENT"
            out.append(Event(end, callid, queue, member, event, (str(wait), str(talk), "1")))
    elif roll < 0.82:
        wait = rng.choice([0, 1, 2, 3, 4, 5, 6, 12, 30, 75])
        agent = member if rng.random() < 0.1 else "NONE"  # hung up as the agent answered
        out.append(Event(enter + wait, callid, queue, agent, "ABANDON", ("1", "1", str(wait))))
    elif roll < 0.9:
        out.append(Event(enter + 120, callid, queue, "NONE", "EXITWITHTIMEOUT", ("1", "1", "120")))
    elif roll < 0.94:
        out.append(Event(enter + 8, callid, queue, "NONE", "EXITWITHKEY", ("0", "1", "1", "8")))
    elif roll < 0.97:
        out.append(Event(enter + 1, callid, queue, "NONE", "EXITEMPTY", ("1", "1", "1")))
    # else: no exit event at all (still in flight, or lost in a restart)


class RawWriter:
    """Writes raw rows under loaded batches, as the loaders do."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def batch(self, source: str, day: date, status: str = "loaded") -> int:
        row = self.conn.execute(
            "insert into audit.load_batches (source, logical_date, status, finished_at) "
            "values (%s, %s, %s, now()) returning batch_id",
            (source, day, status),
        ).fetchone()
        return row[0]

    def replace(self, source: str, day: date) -> None:
        """A corrected delivery is coming: mark the day's batches replaced, delete their rows."""
        ids = [r[0] for r in self.conn.execute(
            "update audit.load_batches set status = 'replaced' where source = %s and logical_date = %s "
            "and status = 'loaded' returning batch_id", (source, day)).fetchall()]
        for table in ("queue_log", "cdr", "qa_evaluations"):
            self.conn.execute(f"delete from raw.{table} where _batch_id = any(%s)", (ids,))

    def events(self, batch: int, day: date, events: list[Event]) -> None:
        rows = []
        for line, ev in enumerate(events, start=1):
            data = list(ev.data) + [None] * 5
            extra = "|".join(ev.data[5:]) if len(ev.data) > 5 else None
            rows.append((ev.epoch, datetime.fromtimestamp(ev.epoch, TZ), ev.callid, ev.queue, ev.agent, ev.event,
                         *data[:5], extra, batch, day, f"calls/{day}/queue_log", line))
        with self.conn.cursor() as cur:
            cur.executemany(
                "insert into raw.queue_log (event_epoch, event_at, callid, queuename, agent, event, data1, data2, "
                "data3, data4, data5, data_extra, _batch_id, _logical_date, _source_file, _line_number) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )

    def cdr(self, batch: int, day: date, rows: list[dict]) -> None:
        cols = ["src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start_at",
                "answer_at", "end_at", "duration", "billsec", "disposition", "uniqueid", "linkedid"]
        with self.conn.cursor() as cur:
            cur.executemany(
                f"insert into raw.cdr ({', '.join(cols)}, amaflags, column_count, _batch_id, _logical_date, "
                f"_source_file, _line_number) values ({', '.join(['%s'] * len(cols))}, 'DOCUMENTATION', 21, "
                "%s, %s, %s, %s)",
                [tuple(r.get(c) for c in cols) + (batch, day, f"calls/{day}/Master.csv", n)
                 for n, r in enumerate(rows, start=1)],
            )

    def qa(self, batch: int, day: date, rows: list[dict]) -> None:
        cols = ["evaluation_id", "call_uniqueid", "agent_id", "inspector_id", "evaluated_at", "greeting",
                "listening", "accuracy", "compliance", "closing", "total_score", "fatal_error"]
        with self.conn.cursor() as cur:
            cur.executemany(
                f"insert into raw.qa_evaluations ({', '.join(cols)}, source_encoding, _batch_id, _logical_date, "
                f"_source_file, _line_number) values ({', '.join(['%s'] * len(cols))}, 'utf-8', %s, %s, %s, %s)",
                [tuple(r.get(c) for c in cols) + (batch, day, f"calls/{day}/qa_evaluations.csv", n + 1)
                 for n, r in enumerate(rows, start=1)],
            )

    def day(self, day: date, files: DayFiles) -> int:
        """Load one day's call-centre folder as one batch; returns the batch id."""
        batch = self.batch("calls", day)
        self.events(batch, day, files.events)
        self.cdr(batch, day, files.cdr)
        self.qa(batch, day, files.qa)
        return batch

    def crm(self, day: date, agents: list[tuple] = AGENTS, customers: list[tuple] | None = None) -> int:
        """A CRM batch with the agents and (customer_id, phone[, status]) customers (status: active)."""
        batch = self.batch("crm", day)
        at = datetime.combine(day, time(1, 0), TZ)
        with self.conn.cursor() as cur:
            cur.executemany(
                "insert into raw.crm_agents (agent_id, agent_name, team, role, extension, queue_member_name, "
                "hired_at, updated_at, _batch_id, _logical_date, _source_file, _line_number) "
                "values (%s, %s, 'T1', 'agent', %s, %s, %s, %s, %s, %s, 'crm.agents', %s)",
                [(a, m or a, i, m, datetime(2020, 1, 1, tzinfo=TZ), at, batch, day, n)
                 for n, (a, m, i) in enumerate(agents, start=1)],
            )
            cur.executemany(
                "insert into raw.crm_customers (customer_id, customer_name, customer_type, size_class, status, "
                "phone, created_at, updated_at, _batch_id, _logical_date, _source_file, _line_number) "
                "values (%s, %s, 'individual', 'micro', %s, %s, %s, %s, %s, %s, 'crm.customers', %s)",
                [(c, f"客户{c}", (status or ["active"])[0], p, datetime(2024, 1, 1, tzinfo=TZ), at, batch, day, n)
                 for n, (c, p, *status) in enumerate(customers or default_customers(), start=1)],
            )
        return batch


def default_customers() -> list[tuple[str, str]]:
    """Half of the simulated callers are CRM customers (phones written with separators)."""
    return [(f"C{n:06d}", f"138-0000-{n:04d}") for n in range(12)]


# ---- independent KPI computation from the raw rows (walks the events in file order) ----------


EXITS = {"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW", "SYSCOMPAT"}
ENDS = {"COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def raw_queue_calls(conn) -> list[dict]:
    """Queue calls rebuilt from raw queue_log rows by walking the events in file order."""
    rows = conn.execute(
        "select q.event_epoch, q.callid, q.queuename, q.event, q.data1, q.data2, q.data3, q.data4, q.data5 "
        "from raw.queue_log q join audit.load_batches b on b.batch_id = q._batch_id and b.status = 'loaded' "
        "order by q.event_epoch, q._logical_date, q._line_number"
    ).fetchall()
    src = dict(conn.execute(
        "select c.uniqueid, c.src from raw.cdr c join audit.load_batches b on b.batch_id = c._batch_id "
        "and b.status = 'loaded'").fetchall())
    open_calls: dict[tuple[str, str], dict] = {}
    calls = []
    for epoch, callid, queue, event, d1, d2, d3, d4, d5 in rows:
        if callid in ("NONE", "MANAGER", "CLI", "REALTIME") or queue == "NONE":
            continue
        if event == "ENTERQUEUE":
            call = {"callid": callid, "queue": queue, "epoch": epoch, "caller": d2 or src.get(callid),
                    "connect": None, "exit": None, "end": None, "transferred": False}
            open_calls[(callid, queue)] = call
            calls.append(call)
            continue
        call = open_calls.get((callid, queue))
        if call is None:
            continue
        if event == "CONNECT" and call["connect"] is None:
            call["connect"] = _int(d1)
        elif event in EXITS and call["exit"] is None and call["connect"] is None:
            call["exit"] = (event, _int(d4) if event == "EXITWITHKEY" else _int(d3))
        elif event in ENDS and call["connect"] is not None and call["end"] is None:
            talk = {"COMPLETECALLER": d2, "COMPLETEAGENT": d2, "ATTENDEDTRANSFER": d5 if d1 == "LINK" else d4}.get(event, d4)
            call["end"] = _int(talk)
            call["transferred"] = event not in ("COMPLETECALLER", "COMPLETEAGENT")
    for call in calls:
        digits = "".join(ch for ch in (call["caller"] or "") if ch.isdigit())
        call["digits"] = digits or None
        call["day"] = datetime.fromtimestamp(call["epoch"], TZ).date()
    window = 7 * 86400
    for call in calls:
        call["has_repeat"] = call["digits"] is not None and any(
            other["digits"] == call["digits"] and other["callid"] != call["callid"]
            and 0 < other["epoch"] - call["epoch"] <= window for other in calls)
    return calls


def _rate(value):
    return None if value is None else float(value)


def _approx(numerator: int, denominator: int):
    """The rate as the mart publishes it: a fraction rounded to 6 decimals (NULL over zero)."""
    return None if not denominator else pytest.approx(numerator / denominator, abs=5e-7)


def check_call_kpis(conn, schema: str, as_of_day: date) -> int:
    """Assert call_kpis_daily and fct_calls' FCR count equal values recomputed from raw here.

    Returns how many date × queue rows had a final FCR rate checked.
    """
    calls = raw_queue_calls(conn)
    cur = conn.execute(f"select * from {schema}.call_kpis_daily")
    names = [c.name for c in cur.description]
    mart = {(r["local_date"], r["queue"]): r for r in (dict(zip(names, row)) for row in cur.fetchall())}
    as_of = datetime.combine(as_of_day + timedelta(days=1), time(0), TZ).timestamp()
    groups: dict[tuple[date, str], list[dict]] = defaultdict(list)
    for call in calls:
        groups[(call["day"], call["queue"])].append(call)
    assert set(groups) == set(mart), "date × queue combinations differ"
    checked_fcr = 0
    for key, group in groups.items():
        row = mart[key]
        answered = [c for c in group if c["connect"] is not None]
        short = [c for c in group if c["exit"] and c["exit"][0] == "ABANDON" and c["exit"][1] is not None and c["exit"][1] < 5]
        abandoned = [c for c in group if c["exit"] and c["exit"][0] == "ABANDON" and c not in short]
        within = [c for c in answered if c["connect"] is not None and c["connect"] <= 20]
        base = len(group) - len(short)
        talks = [c["end"] for c in answered if c["end"] is not None]
        assert row["offered"] == len(group), key
        assert row["answered"] == len(answered), key
        assert row["short_abandons"] == len(short), key
        assert row["abandoned"] == len(abandoned), key
        assert _rate(row["service_level"]) == _approx(len(within), base), key
        assert _rate(row["abandon_rate"]) == _approx(len(abandoned), base), key
        assert float(row["asa_seconds"]) == pytest.approx(sum(c["connect"] for c in answered) / len(answered), abs=0.01), key
        assert float(row["aht_seconds"]) == pytest.approx(sum(talks) / len(talks), abs=0.01), key
        assert _rate(row["transfer_rate"]) == _approx(sum(c["transferred"] for c in answered), len(answered)), key
        final = all(c["epoch"] + 7 * 86400 <= as_of for c in group)
        if final:
            fcr = sum(1 for c in answered if not c["transferred"] and not c["has_repeat"])
            assert _rate(row["fcr_rate"]) == _approx(fcr, len(answered)), key
            checked_fcr += 1
        else:
            assert row["fcr_rate"] is None, key
    first = sum(1 for c in calls if not c["has_repeat"] and c["connect"] is not None and not c["transferred"])
    stored = conn.execute(f"select count(*) from {schema}.fct_calls where is_first_contact_resolved").fetchone()[0]
    assert stored == first
    return checked_fcr


# ---- incremental versus full refresh ---------------------------------------------------------

#: the call models compared row for row (the intermediate schema is shared by both builds)
COMPARED = {
    "int_queue_calls_assembled": "intermediate",
    "int_calls_qa_matched": "intermediate",
    "fct_calls": None,
    "call_kpis_daily": None,
    "agent_kpis_monthly": None,
}


def snapshot_call_models(conn, schema: str, into: str) -> None:
    """Copy the call models as built (marts from ``schema``) into schema ``into``."""
    conn.execute(f"drop schema if exists {into} cascade")
    conn.execute(f"create schema {into}")
    for table, home in COMPARED.items():
        conn.execute(f"create table {into}.{table} as select * from {home or schema}.{table}")


#: Columns that record WHEN a row was last computed, not what it says: fct_calls.crm_batch_id is
#: the CRM batch of the build that last attributed the call (an incremental build updates only
#: the calls a CRM change touches; a full refresh stamps every row with the newest batch);
#: int_calls_qa_matched.calls_batch_id the calls batch of the build that last matched the form.
BUILD_LINEAGE = {"crm_batch_id", "calls_batch_id"}


def assert_same_rows(conn, schema: str, copy: str) -> None:
    """Every call model in ``schema`` (now) has exactly the rows of its copy in ``copy``."""
    for table, home in COMPARED.items():
        fresh = f"{home or schema}.{table}"
        counts = conn.execute(f"select (select count(*) from {fresh}), (select count(*) from {copy}.{table})").fetchone()
        assert counts[0] == counts[1] and counts[0] > 0, f"{table}: full refresh {counts[0]} rows, incremental {counts[1]}"
        columns = [row[0] for row in conn.execute(
            "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
            " order by ordinal_position", (home or schema, table))]
        select = ", ".join(c for c in columns if c not in BUILD_LINEAGE)
        diff = conn.execute(
            f"select count(*) from ((select {select} from {fresh} except all select {select} from {copy}.{table}) "
            f"union all (select {select} from {copy}.{table} except all select {select} from {fresh})) as d"
        ).fetchone()[0]
        assert diff == 0, f"{table}: {diff} rows differ between the incremental and the full-refresh build"
