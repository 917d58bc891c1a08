"""Bad input on purpose: every kind the loaders must survive, injected at a known rate.

Each injection is recorded in ``<landing>/_manifest/defects.jsonl`` (the format in
docs/ARCHITECTURE.md) so a test can check where every defect ended up: quarantined with that
reason, kept and flagged, or the whole batch failed (file-level faults).

Row-level faults per file (line numbers are physical 1-based lines; the QA header is line 1):

- ``Master.csv``: wrong_column_count (14 fields), bad_timestamp, bad_number, bad_quoting (an
  undoubled quote), end_before_start, negative_duration, future_timestamp, unknown_enum
  (disposition), missing_required (empty uniqueid); bad_bytes_replaced (GBK bytes in clid, flag).
- ``queue_log``: wrong_column_count, bad_timestamp (epoch not a number), bad_number and
  negative_duration (CONNECT/COMPLETE durations), future_timestamp, missing_required (callid).
- ``qa_evaluations.csv``: wrong_column_count, bad_number, bad_timestamp, bad_quoting,
  duplicate_id (a repeated row appended at the end), unknown_enum (fatal_error), missing_required,
  future_timestamp, bad_encoding (one GBK line in a UTF-8 file); unknown_agent (flag).
- ``work_orders.jsonl``: invalid_json, bad_timestamp, bad_number, unknown_enum, end_before_start,
  future_timestamp, duplicate_id (the same line again at the end), missing_required;
  unknown_customer (flag).
- CRM: unknown_enum (survey channel, history status), future_timestamp (survey), end_before_start
  (invoice paid before issued), unknown_customer (survey, flag).

File-level faults (the batch fails): wrong_format (a ``cdr_custom`` Master.csv, a spreadsheet
saved as qa_evaluations.csv), truncated_file (work_orders.jsonl cut inside a line),
missing_day (a day folder not delivered, though the day's ``_done`` marker is written).
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from service_warehouse.simulator._clock import stable_int

EXPECT = {
    "bad_bytes_replaced": "flag", "unknown_customer": "flag", "unknown_agent": "flag",
    "missing_day": "file_error", "unreadable_file": "file_error", "truncated_file": "file_error",
    "wrong_format": "file_error",
}
ROW_KINDS = {
    "Master.csv": ["wrong_column_count", "bad_timestamp", "bad_number", "bad_quoting", "end_before_start",
                   "negative_duration", "future_timestamp", "unknown_enum", "missing_required", "bad_bytes_replaced"],
    "queue_log": ["wrong_column_count", "bad_timestamp", "bad_number", "negative_duration", "future_timestamp",
                  "missing_required"],
    "qa_evaluations.csv": ["wrong_column_count", "bad_number", "bad_timestamp", "bad_quoting", "duplicate_id",
                           "unknown_enum", "missing_required", "future_timestamp", "bad_encoding", "unknown_agent"],
    "work_orders.jsonl": ["invalid_json", "bad_timestamp", "bad_number", "unknown_enum", "end_before_start",
                          "future_timestamp", "duplicate_id", "missing_required", "unknown_customer"],
}
#: File-level faults in the order the default schedule rotates through them.
FILE_FAULTS = [
    ("calls", "Master.csv", "wrong_format"),
    ("repairs", "work_orders.jsonl", "truncated_file"),
    ("calls", None, "missing_day"),
    ("calls", "qa_evaluations.csv", "wrong_format"),
    ("repairs", None, "missing_day"),
]
FUTURE = 400 * 86400


@dataclass(frozen=True)
class DefectConfig:
    """Where and how often to inject bad input.

    Args:
        rate: share of a file's rows (or a day's CRM rows) given a row-level fault; each kind
            that fits is injected at least once per file on every defect day.
        days: the days that get row-level faults (None: every simulated day).
        file_faults: explicit file-level faults: date → tuple of ``"<calls|repairs>/<file>:<code>"``
            or ``"<calls|repairs>:missing_day"``. When given, replaces the default schedule.
        file_fault_every: default schedule: a file-level fault on every Nth day (by date), rotating
            through :data:`FILE_FAULTS`; 0 for none.
    """

    rate: float = 0.01
    days: frozenset[date] | None = None
    file_faults: Mapping[date, tuple[str, ...]] | None = None
    file_fault_every: int = 7

    def row_faults_on(self, day: date) -> bool:
        """True when ``day`` gets row-level faults."""
        return self.days is None or day in self.days

    def file_faults_on(self, day: date) -> list[tuple[str, str | None, str]]:
        """The file-level faults for ``day`` as (source, file or None, code)."""
        if self.file_faults is not None:
            out = []
            for spec in self.file_faults.get(day, ()):
                where, code = spec.rsplit(":", 1)
                source, _, name = where.partition("/")
                out.append((source, name or None, code))
            return out
        if self.file_fault_every and day.toordinal() % self.file_fault_every == 0:
            return [FILE_FAULTS[(day.toordinal() // self.file_fault_every) % len(FILE_FAULTS)]]
        return []


@dataclass
class Manifest:
    """The defects injected on one day."""

    day: date
    entries: list[dict] = field(default_factory=list)

    def add(self, source: str, file: str, line: int | None, key: str | None, defect: str) -> None:
        self.entries.append({
            "date": self.day.isoformat(), "source": source, "file": file, "line": line, "key": key,
            "defect": defect, "expect": EXPECT.get(defect, "quarantine"),
        })


def _plan(rng: random.Random, kinds: list[str], eligible: Mapping[str, list[int]], n_rows: int, rate: float) -> list[tuple[int, str]]:
    """Choose (row index, kind) pairs: distinct rows, each kind at least once where possible."""
    want = max(len(kinds), round(rate * n_rows))
    used: set[int] = set()
    chosen = []
    order = list(kinds)
    i = 0
    while len(chosen) < want and order:
        kind = order[i % len(order)]
        candidates = eligible.get(kind, [])
        row = None
        for _ in range(20):  # a few random draws first: files can have 100 000 lines
            if candidates:
                pick = candidates[rng.randrange(len(candidates))]
                if pick not in used:
                    row = pick
                    break
        if row is None:
            pool = [r for r in candidates if r not in used]
            if not pool:
                order.remove(kind)
                continue
            row = pool[rng.randrange(len(pool))]
        used.add(row)
        chosen.append((row, kind))
        i += 1
    return chosen


# --- Master.csv ---------------------------------------------------------------------------------

def _split_cdr(record: bytes) -> list[bytes]:
    text = record.rstrip(b"\n").decode("latin-1")
    fields = next(csv.reader([text]))
    raw = []
    for idx, value in enumerate(fields):
        if idx in (12, 13) or (idx == 10 and value == ""):
            raw.append(value.encode("latin-1"))
        else:
            raw.append(('"' + value.replace('"', '""') + '"').encode("latin-1"))
    return raw


def _shift_time(field_bytes: bytes, seconds: int) -> bytes:
    from datetime import datetime, timedelta

    value = field_bytes.strip(b'"').decode()
    moved = datetime.strptime(value, "%Y-%m-%d %H:%M:%S") + timedelta(seconds=seconds)
    return f'"{moved:%Y-%m-%d %H:%M:%S}"'.encode()


def inject_cdr(records: list[bytes], rng: random.Random, rate: float, manifest: Manifest, rel: str) -> list[bytes]:
    """Row-level faults in Master.csv records (one record per physical line)."""
    idx = list(range(len(records)))
    queue_rows = [i for i in idx if b'"Queue"' in records[i] and b'"Anonymous"' not in records[i]]
    plan = _plan(rng, ROW_KINDS["Master.csv"], {k: idx for k in ROW_KINDS["Master.csv"]} | {"bad_bytes_replaced": queue_rows, "bad_quoting": queue_rows}, len(records), rate)
    out = list(records)
    for row, kind in plan:
        f = _split_cdr(out[row])
        if kind == "wrong_column_count":
            f = f[:14]
        elif kind == "bad_timestamp":
            f[9] = b'"2026-13-45 25:61:00"'
        elif kind == "bad_number":
            f[12] = b"12a"
        elif kind == "bad_quoting":
            f[4] = b'"' + f[4][1:-1].replace(b'""', b'"') + b' "VIP"' + b'"'
        elif kind == "end_before_start":
            f[9], f[11] = f[11], _shift_time(f[9], -3600)
        elif kind == "negative_duration":
            f[12] = b"-" + (f[12] if f[12] != b"0" else b"7")
        elif kind == "future_timestamp":
            f[9] = _shift_time(f[9], FUTURE)
            if f[10]:
                f[10] = _shift_time(f[10], FUTURE)
            f[11] = _shift_time(f[11], FUTURE)
        elif kind == "unknown_enum":
            f[14] = b'"MAYBE"'
        elif kind == "missing_required":
            f[16] = b'""'
        elif kind == "bad_bytes_replaced":
            f[4] = ('"' + '""王经理"" <' + f[1].strip(b'"').decode("latin-1") + '>"').encode("gbk")
        out[row] = b",".join(f) + b"\n"
        uid = f[16].strip(b'"').decode("latin-1") if len(f) > 16 else None
        manifest.add("calls", rel, row + 1, uid or None, kind)
    return out


def cdr_custom(records: list[bytes]) -> list[bytes]:
    """The same calls as ``cdr_custom`` writes them (legacy template, everything quoted): wrong_format."""
    out = []
    for record in records:
        f = [v.strip(b'"') for v in _split_cdr(record)]
        while len(f) < 18:
            f.append(b"")
        clid, rest = f[4], f[:4] + f[5:16]
        reordered = [clid, rest[1], rest[2], rest[3], rest[4], rest[5], rest[6], rest[7], rest[8], rest[9],
                     rest[10], rest[11], rest[12], rest[13], rest[14], rest[0], f[16], f[17]]
        out.append(b",".join(b'"' + v.replace(b'"', b'""') + b'"' for v in reordered) + b',"1"\n')
    return out


# --- queue_log ----------------------------------------------------------------------------------

def inject_queue_log(lines: list[str], rng: random.Random, rate: float, manifest: Manifest, rel: str) -> list[str]:
    """Row-level faults in queue_log lines."""
    call_lines = [i for i, l in enumerate(lines) if "\0" not in l and l.split("|")[1] not in ("NONE", "MANAGER")]
    durations = [i for i in call_lines if lines[i].split("|")[4] in ("CONNECT", "COMPLETECALLER", "COMPLETEAGENT")]
    eligible = {k: call_lines for k in ROW_KINDS["queue_log"]} | {"bad_number": durations, "negative_duration": durations}
    plan = _plan(rng, ROW_KINDS["queue_log"], eligible, len(lines), rate)
    out = list(lines)
    for row, kind in plan:
        f = out[row].split("|")
        key = f[1]
        if kind == "wrong_column_count":
            f = f[:3]
        elif kind == "bad_timestamp":
            f[0] = f[0][:4] + "x" + f[0][5:]
        elif kind == "bad_number":
            f[5] = "12s"
        elif kind == "negative_duration":
            f[5 if f[4] == "CONNECT" else 6] = "-" + (f[5 if f[4] == "CONNECT" else 6] or "1")
        elif kind == "future_timestamp":
            f[0] = str(int(f[0]) + FUTURE)
        elif kind == "missing_required":
            f[1] = ""
        out[row] = "|".join(f)
        manifest.add("calls", rel, row + 1, key, kind)
    return out


# --- qa_evaluations.csv -------------------------------------------------------------------------

def inject_qa(rows: list[list[str]], encoding: str, rng: random.Random, rate: float, manifest: Manifest,
              rel: str) -> tuple[list[list[str]], dict[int, str]]:
    """Row-level faults in QA rows; returns the rows and {row index: encoding} overrides."""
    idx = list(range(len(rows)))
    kinds = [k for k in ROW_KINDS["qa_evaluations.csv"] if k != "bad_encoding" or encoding != "gbk"]
    plan = _plan(rng, kinds, {k: idx for k in kinds}, len(rows), rate)
    out = [list(r) for r in rows]
    overrides: dict[int, str] = {}
    appended = []
    for row, kind in plan:
        r = out[row]
        key = r[0]
        if kind == "wrong_column_count":
            out[row] = r[:-1]
        elif kind == "bad_number":
            r[5] = "十五"
        elif kind == "bad_timestamp":
            r[4] = "2026/13/45 25:61"
        elif kind == "bad_quoting":
            r[12] = "STRAYQUOTE"
        elif kind == "duplicate_id":
            appended.append(list(r))
            manifest.add("calls", rel, len(rows) + len(appended) + 1, key, kind)
            continue
        elif kind == "unknown_enum":
            r[11] = "X"
        elif kind == "missing_required":
            r[0] = ""
            key = None
        elif kind == "future_timestamp":
            from datetime import datetime, timedelta

            r[4] = (datetime.strptime(r[4], "%Y-%m-%d %H:%M:%S") + timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S")
        elif kind == "bad_encoding":
            r[12] = "质检备注：服务规范"
            overrides[row] = "gbk"
        elif kind == "unknown_agent":
            r[2] = "A9999"
        manifest.add("calls", rel, row + 2, key, kind)
    return out + appended, overrides


def qa_bytes(header: list[str], rows: list[list[str]], encoding: str, newline: str, overrides: Mapping[int, str]) -> bytes:
    """The QA CSV as a spreadsheet exports it (header row; BOM for utf-8-sig)."""
    def line(values: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=newline).writerow(values)
        text = buf.getvalue()
        return text.replace("STRAYQUOTE", '"良好"差')  # a stray quote after a quoted field

    base = "utf-8" if encoding == "utf-8-sig" else encoding
    parts = [line(header).encode(encoding, "replace")]
    for i, values in enumerate(rows):
        parts.append(line(values).encode(overrides.get(i, base), "replace"))
    return b"".join(parts)


# --- work_orders.jsonl --------------------------------------------------------------------------

def inject_work_orders(lines: list[str], rng: random.Random, rate: float, manifest: Manifest, rel: str) -> list[str]:
    """Row-level faults in JSON lines."""
    docs = [json.loads(l) for l in lines]
    idx = list(range(len(lines)))
    with_fee = [i for i in idx if isinstance(docs[i].get("fee"), dict)]
    done = [i for i in idx if docs[i].get("completed_at") and docs[i].get("arrived_at")]
    eligible = {k: idx for k in ROW_KINDS["work_orders.jsonl"]} | {"bad_number": with_fee, "end_before_start": done}
    plan = _plan(rng, ROW_KINDS["work_orders.jsonl"], eligible, len(lines), rate)
    out = list(lines)
    appended = []
    for row, kind in plan:
        d = docs[row]
        key = d.get("work_order_id")
        if kind == "invalid_json":
            out[row] = lines[row][: len(lines[row]) // 2]
        elif kind == "duplicate_id":
            appended.append(lines[row])
            manifest.add("repairs", rel, len(lines) + len(appended), key, kind)
            continue
        else:
            d = json.loads(lines[row])
            if kind == "bad_timestamp":
                d["reported_at"] = "2026-13-45T99:00:00+08:00"
            elif kind == "bad_number":
                d["fee"]["amount"] = "一百二十"
            elif kind == "unknown_enum":
                d["status"] = "done"
            elif kind == "end_before_start":
                d["completed_at"] = d["reported_at"][:4] + "-01-01T00:00:00+08:00"
            elif kind == "future_timestamp":
                d["reported_at"] = str(int(d["reported_at"][:4]) + 2) + d["reported_at"][4:]
            elif kind == "missing_required":
                d.pop("work_order_id", None)
                key = None
            elif kind == "unknown_customer":
                d["customer_id"] = "C9999999"
            out[row] = json.dumps(d, ensure_ascii=False, separators=(", ", ": "))
        manifest.add("repairs", rel, row + 1, key, kind)
    return out + appended


def truncate(data: bytes, rng: random.Random) -> bytes:
    """Cut a file inside a line (the export stopped mid-write)."""
    if len(data) < 4:
        return data[:1]
    cut = int(len(data) * rng.uniform(0.3, 0.8))
    while cut < len(data) - 1 and data[cut - 1:cut] == b"\n":
        cut += 1
    return data[:cut]


# --- CRM ----------------------------------------------------------------------------------------

def inject_crm(surveys: list[dict], history: list[dict], invoices: dict[str, dict], complaints: dict[str, dict],
               future_events: list, rng: random.Random, t1: int, manifest: Manifest, rate: float = 0.0) -> list:
    """Faults in the day's CRM writes; returns the future events (adjusted to keep the faults)."""
    new = sorted(k for k, v in complaints.items() if v["received_at"] >= t1 - 86400)  # received today
    if new:  # a complaint filed under a customer id the CRM does not have (every later version too)
        key = new[rng.randrange(len(new))]
        complaints[key] = {**complaints[key], "customer_id": "C9999997"}
        future_events = [(e[0], e[1], e[2], e[3], {**e[4], "customer_id": "C9999997"})
                         if e[1] == "complaint" and e[2] == key else e for e in future_events]
        manifest.add("crm", "crm.complaints", None, key, "unknown_customer")
    if surveys:
        kinds = ["unknown_enum", "future_timestamp", "unknown_customer"]
        picks = rng.sample(range(len(surveys)), min(max(3, round(rate * len(surveys))), len(surveys)))
        for n, i in enumerate(picks):
            kind = kinds[n % len(kinds)]
            s = surveys[i]
            if kind == "unknown_enum":
                s["channel"] = "fax"
            elif kind == "future_timestamp":
                s["surveyed_at"] = s["surveyed_at"] + FUTURE
            else:
                s["customer_id"] = "C9999998"
            manifest.add("crm", "crm.surveys", None, s["survey_id"], kind)
    for i in rng.sample(range(len(history)), min(max(1, round(rate * len(history))), len(history))):
        h = history[i]
        h["status"] = "pending"
        manifest.add("crm", "crm.complaint_status_history", None, h["complaint_id"], "unknown_enum")
    fresh = [k for k, v in invoices.items() if v["paid_at"] is None and v["invoiced_at"] < t1]
    if fresh:
        key = sorted(fresh)[rng.randrange(len(fresh))]
        inv = invoices[key]
        inv["paid_at"] = inv["invoiced_at"] - 2 * 86400
        manifest.add("crm", "crm.invoices", None, key, "end_before_start")
        future_events = [e for e in future_events if not (e[1] == "invoice" and e[2] == key)]
    return future_events


def day_rng_for_defects(seed: int, day: date, what: str) -> random.Random:
    """Randomness of defects (its own stream: defects never change the clean data)."""
    return random.Random(stable_int(seed, day, "defects", what))
