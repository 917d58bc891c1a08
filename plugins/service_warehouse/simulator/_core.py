"""``simulate()``: play the department one day at a time into the CRM and the landing folder."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from service_warehouse.config import get_settings
from service_warehouse.simulator import _defects as X
from service_warehouse.simulator._calls import QA_HEADER, simulate_calls
from service_warehouse.simulator._clock import Formatter, day_window
from service_warehouse.simulator._crm import customer_changes, daily_complaints, daily_invoices, initial_population
from service_warehouse.simulator._presets import SimulatorError, resolve_preset
from service_warehouse.simulator._repairs import daily_work_orders, spawn, work_order_line
from service_warehouse.simulator._store import (
    copy_rows,
    ensure_schema,
    load_agents,
    load_customers,
    load_state,
    save_day,
    store_events,
    take_events,
    upsert_rows,
)
from service_warehouse.simulator._world import Day

DEFAULT_START = date(2026, 8, 3)
SPAWN_KINDS = ("wo_rework", "complaint_new")


@dataclass
class DaySummary:
    """What one simulated day produced."""

    day: date
    new_customers: int = 0
    changed_customers: int = 0
    complaint_versions: int = 0
    status_history_rows: int = 0
    surveys: int = 0
    invoice_versions: int = 0
    queue_calls: int = 0
    answered: int = 0
    abandoned: int = 0
    cdr_rows: int = 0
    queue_log_lines: int = 0
    qa_evaluations: int = 0
    qa_encoding: str = "utf-8"
    work_order_lines: int = 0
    defects: int = 0
    seconds: float = 0.0


@dataclass
class SimulationSummary:
    """What a ``simulate()`` run produced: the configuration and one summary per day."""

    preset: str
    seed: int
    first: date
    last: date
    crm_url: str
    landing_dir: Path
    days: list[DaySummary] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, name: str) -> int:
        """Sum of one per-day count over the run."""
        return sum(getattr(d, name) for d in self.days)

    def line(self) -> str:
        """A one-line summary for humans."""
        return (
            f"simulated {len(self.days)} day(s) {self.first} … {self.last} (preset {self.preset}, seed {self.seed}) "
            f"in {self.seconds:.1f} s: {self.total('queue_calls')} queue calls, {self.total('cdr_rows')} CDR rows, "
            f"{self.total('work_order_lines')} work-order lines, {self.total('complaint_versions')} complaint versions, "
            f"{self.total('new_customers')} new customers, {self.total('defects')} defects injected"
        )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def simulate(
    days: int,
    start: date | None = None,
    preset: str | None = None,
    seed: int | None = None,
    defects: bool | X.DefectConfig = False,
    customers: int | None = None,
    calls_per_day: int | None = None,
    *,
    crm_url: str | None = None,
    landing_dir: Path | None = None,
    progress: Callable[[DaySummary], None] | None = None,
) -> SimulationSummary:
    """Simulate ``days`` days of the department into the CRM database and the landing folder.

    Args:
        days: how many days to generate (≥ 1).
        start: first day; None continues after the last simulated day (first run: 2026-08-03).
        preset: ``tiny``, ``demo`` or ``large``; None: as before (first run: ``demo``).
        seed: randomness seed; None: as before (first run: 42).
        defects: True (or a :class:`DefectConfig`) to inject bad input, recorded in the manifest.
        customers, calls_per_day: explicit counts instead of the preset's.
        crm_url, landing_dir: override the settings (default: ``crm_url()`` and the landing dir).
        progress: called with each finished day's summary.
    """
    if days < 1:
        raise SimulatorError(f"days must be at least 1, got {days}")
    if preset is not None:
        resolve_preset(preset, customers, calls_per_day)  # a bad option fails before any work
    from service_warehouse.warehouse import connect, ensure_ready
    from service_warehouse.warehouse import crm_url as default_crm_url

    settings = get_settings()
    if crm_url is None:
        ensure_ready(settings)
        crm_url = default_crm_url(settings)
    landing = Path(landing_dir) if landing_dir is not None else settings.landing_dir
    defect_cfg = X.DefectConfig() if defects is True else (defects or None)
    began = time.perf_counter()
    with connect(crm_url) as conn:
        ensure_schema(conn)
        conn.commit()
        if not conn.execute("select pg_try_advisory_lock(hashtext('svcwh.simulator.run'))").fetchone()[0]:
            raise SimulatorError("another `simulate` run is writing this CRM database: wait for it to finish")
        conn.commit()
        state = load_state(conn)
        if state.config is not None:
            if preset is not None and preset != state.config["preset"]["name"] or seed is not None and seed != state.config["seed"]:
                raise SimulatorError(
                    f"the CRM at {crm_url.rsplit('/', 1)[-1]} was simulated with preset {state.config['preset']['name']!r} "
                    f"and seed {state.config['seed']}: continue with the same ones (or start a fresh CRM database)"
                )
            if customers is not None or calls_per_day is not None:
                wanted = resolve_preset(state.config["preset"]["name"], customers, calls_per_day).as_dict()
                if wanted != state.config["preset"]:
                    raise SimulatorError("--customers / --calls-per-day differ from the simulated history's: leave them out to continue")
            config = state.config
            expected = state.last_day + timedelta(days=1)
            if start is not None and start != expected:
                raise SimulatorError(
                    f"the CRM holds simulated days up to {state.last_day}: the next day must be {expected}, not {start}"
                )
            start = expected
        else:
            config = {"preset": resolve_preset(preset or "demo", customers, calls_per_day).as_dict(),
                      "seed": 42 if seed is None else int(seed), "version": 1}
            start = start or DEFAULT_START
        summary = SimulationSummary(config["preset"]["name"], config["seed"], start, start + timedelta(days=days - 1),
                                    crm_url, landing)
        counters = dict(state.counters)
        customers = _CustomerCache()
        for i in range(days):
            day = start + timedelta(days=i)
            day_summary = _one_day(conn, config, counters, day, landing, settings, defect_cfg,
                                   first=state.config is None and i == 0, customers=customers)
            summary.days.append(day_summary)
            if progress:
                progress(day_summary)
    summary.seconds = time.perf_counter() - began
    return summary


def _forget_day(landing: Path, day: date) -> None:
    """A day written again (a fresh CRM, the same landing folder): unmark it and drop its old defects."""
    marker = landing / "_done" / day.isoformat()
    if not marker.exists():
        return
    marker.unlink()
    manifest = landing / "_manifest" / "defects.jsonl"
    if manifest.exists():
        tag = f'"date": "{day.isoformat()}"'
        kept = [line for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True) if tag not in line]
        _write(manifest, "".join(kept).encode("utf-8"))


class _CustomerCache:
    """The CRM's customers as the generators see them, kept between the days of one run.

    Loaded from the CRM on the first day of a run, then changed in memory exactly as the CRM is
    (new customers appended in id order, changed fields replaced), so a run that continues from
    the database sees the same list (the continuation test proves it).
    """

    FIELDS = ("customer_id", "customer_name", "customer_type", "phone", "status", "address", "region", "city",
              "size_class")

    def __init__(self) -> None:
        self.rows: list[tuple] | None = None
        self._index: dict[str, int] | None = None  #: customer_id → position, built once per run

    def get(self, conn) -> list[tuple]:
        if self.rows is None:
            self.rows = load_customers(conn)
        return self.rows

    def apply(self, new_rows: list[dict], updates: list[tuple[str, dict]]) -> None:
        if self.rows is None:
            return
        if self._index is None:
            self._index = {row[0]: i for i, row in enumerate(self.rows)}
        index = self._index
        for cid, changes in updates:
            row = list(self.rows[index[cid]])
            for name, value in changes.items():
                if name in self.FIELDS:
                    row[self.FIELDS.index(name)] = value
            self.rows[index[cid]] = tuple(row)
        for new in sorted(new_rows, key=lambda r: r["customer_id"]):
            index[new["customer_id"]] = len(self.rows)
            self.rows.append(tuple(new[f] for f in self.FIELDS))


def _one_day(conn, config: dict, counters: dict, day: date, landing: Path, settings, defect_cfg, first: bool,
             customers: _CustomerCache) -> DaySummary:
    """Generate, write and commit one day; the ``_done`` marker last."""
    from service_warehouse.simulator._presets import Preset

    began = time.perf_counter()
    _forget_day(landing, day)
    preset = Preset(**config["preset"])
    tz = settings.centre_tz
    fmt, cdr_fmt = Formatter(tz), Formatter(settings.cdr_tz)
    t0, t1 = day_window(day, tz)
    summary = DaySummary(day)
    agents_rows, customer_rows = [], []
    ctx = Day(day, config["seed"], preset, t0, t1, fmt, counters, [], [], is_first=first)
    if first:
        customer_rows, agents_rows = initial_population(ctx, ctx.rng("population"))
        copy_rows(conn, "agents", agents_rows, fmt)
        copy_rows(conn, "customers", customer_rows, fmt)
        summary.new_customers += len(customer_rows)
    init_events = ctx.events
    ctx = Day(day, config["seed"], preset, t0, t1, fmt, counters, customers.get(conn), load_agents(conn),
              events=init_events, is_first=first)
    # the day's new business
    new_customers, updates = customer_changes(ctx, ctx.rng("customers"))
    daily_invoices(ctx, ctx.rng("invoices"))
    daily_complaints(ctx, ctx.rng("complaints"))
    daily_work_orders(ctx, ctx.rng("repairs"))
    due = take_events(conn, t0, t1)
    spawn_rng = ctx.rng("spawn")
    for at, kind, _key, _seq, data in due:
        if kind in SPAWN_KINDS:
            spawn(ctx, spawn_rng, at, kind, data)
    done = 0
    while True:  # spawns planned today for today
        todo = [e for e in ctx.events[done:] if e[1] in SPAWN_KINDS and e[0] < t1]
        done = len(ctx.events)
        if not todo:
            break
        for at, kind, _key, _seq, data in todo:
            spawn(ctx, spawn_rng, at, kind, data)
    calls = simulate_calls(
        ctx,
        [(e[0], e[4]) for e in due if e[1] == "call"],
        [(e[0], e[3], e[4]["l"]) for e in due if e[1] == "carry_qlog"],
        [(e[0], e[3], bytes.fromhex(e[4]["h"])) for e in due if e[1] == "carry_cdr"],
        cdr_fmt,
    )
    # today's CRM changes: latest snapshot per entity, every history row and survey
    today = sorted([e for e in due if e[1] not in SPAWN_KINDS] + [e for e in ctx.events if e[0] < t1 and e[1] not in SPAWN_KINDS],
                   key=lambda e: (e[0], e[3]))
    future = [e for e in ctx.events if e[0] >= t1]
    complaints: dict[str, dict] = {}
    invoices: dict[str, dict] = {}
    orders: dict[str, dict] = {}
    history: list[dict] = []
    surveys: list[dict] = []
    for at, kind, key, _seq, data in today:
        if kind == "complaint":
            complaints[key] = data
            summary.complaint_versions += 1
        elif kind == "invoice":
            invoices[key] = data
            summary.invoice_versions += 1
        elif kind == "wo":
            orders[key] = data
        elif kind == "history":
            history.append(dict(data))
        elif kind == "survey":
            surveys.append(dict(data))
    invoices = {k: dict(v) for k, v in invoices.items()}
    complaints = {k: dict(v) for k, v in complaints.items()}
    # files
    rel_day = day.isoformat()
    manifest = X.Manifest(day)
    row_faults = defect_cfg is not None and defect_cfg.row_faults_on(day)
    file_faults = defect_cfg.file_faults_on(day) if defect_cfg is not None else []
    faulted = {(s, n): code for s, n, code in file_faults}
    seed = config["seed"]

    cdr = [r for _, _, r in calls.cdr]
    qlog = [t for _, _, t in calls.qlog]
    qa_rows = calls.qa_rows
    wo_lines = [work_order_line(s, fmt) for s in sorted(orders.values(), key=lambda s: (s["updated_at"], s["work_order_id"]))]
    qa_overrides: dict[int, str] = {}
    if row_faults:
        if ("calls", "Master.csv") not in faulted and cdr:
            cdr = X.inject_cdr(cdr, X.day_rng_for_defects(seed, day, "cdr"), defect_cfg.rate, manifest, f"calls/{rel_day}/Master.csv")
        if qlog:
            qlog = X.inject_queue_log(qlog, X.day_rng_for_defects(seed, day, "qlog"), defect_cfg.rate, manifest, f"calls/{rel_day}/queue_log")
        if ("calls", "qa_evaluations.csv") not in faulted and qa_rows:
            qa_rows, qa_overrides = X.inject_qa(qa_rows, calls.qa_encoding, X.day_rng_for_defects(seed, day, "qa"),
                                                defect_cfg.rate, manifest, f"calls/{rel_day}/qa_evaluations.csv")
        if ("repairs", "work_orders.jsonl") not in faulted and wo_lines:
            wo_lines = X.inject_work_orders(wo_lines, X.day_rng_for_defects(seed, day, "wo"), defect_cfg.rate, manifest,
                                            f"repairs/{rel_day}/work_orders.jsonl")
        future = X.inject_crm(surveys, history, invoices, complaints, future, X.day_rng_for_defects(seed, day, "crm"), t1, manifest,
                              defect_cfg.rate)
    files: dict[str, bytes] = {
        f"calls/{rel_day}/Master.csv": b"".join(cdr),
        f"calls/{rel_day}/hotline.csv": b"".join(r for r in cdr if r.startswith(b'"hotline"')),
        f"calls/{rel_day}/queue_log": "".join(line + "\n" for line in qlog).encode("utf-8", "surrogateescape"),
        f"calls/{rel_day}/qa_evaluations.csv": X.qa_bytes(QA_HEADER, qa_rows, calls.qa_encoding, calls.qa_newline, qa_overrides),
        f"repairs/{rel_day}/work_orders.jsonl": "".join(line + "\n" for line in wo_lines).encode(),
    }
    fault_rng = X.day_rng_for_defects(seed, day, "file")
    for source, name, code in file_faults:
        if code == "missing_day":
            for path in [p for p in files if p.startswith(f"{source}/")]:
                del files[path]
            manifest.add(source, f"{source}/{rel_day}", None, None, code)
            continue
        path = f"{source}/{rel_day}/{name}"
        if path not in files:
            raise SimulatorError(f"unknown file-level fault target {source}/{name} (on {day})")
        if code == "wrong_format" and name == "Master.csv":
            files[path] = b"".join(X.cdr_custom(cdr))
        elif code == "wrong_format":
            files[path] = b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(fault_rng.randrange(256) for _ in range(600))
        elif code == "truncated_file":
            files[path] = X.truncate(files[path], fault_rng)
        else:
            raise SimulatorError(f"unknown file-level fault {code!r} (on {day})")
        manifest.add(source, path, None, None, code)
    for source in ("calls", "repairs"):
        folder = landing / source / rel_day
        if folder.is_dir():  # a day written again (fresh CRM): start from an empty folder
            for old in folder.iterdir():
                old.unlink()
    for path, data in files.items():
        _write(landing / path, data)
    # CRM
    copy_rows(conn, "customers", new_customers, fmt)
    by_columns: dict[tuple[str, ...], list[tuple]] = {}  # one batched statement per set of changed columns
    for cid, changes in updates:
        cols = tuple(sorted(changes))
        values = [fmt.dt(changes[c]) if c == "updated_at" else changes[c] for c in cols]
        by_columns.setdefault(cols, []).append((*values, cid))
    for cols, params in by_columns.items():
        sets = ", ".join(f"{c} = %s" for c in cols)
        with conn.cursor() as cur:
            cur.executemany(f"update crm.customers set {sets} where customer_id = %s", params)
    write = copy_rows if first else upsert_rows  # the first day fills empty tables: plain COPY
    write(conn, "complaints", list(complaints.values()), fmt)
    copy_rows(conn, "complaint_status_history", history, fmt)
    write(conn, "surveys", surveys, fmt)
    write(conn, "invoices", list(invoices.values()), fmt)
    store_events(conn, future)
    customers.apply(new_customers, updates)
    summary.new_customers += len(new_customers)
    summary.changed_customers = len(updates)
    summary.status_history_rows = len(history)
    summary.surveys = len(surveys)
    summary.queue_calls, summary.answered, summary.abandoned = calls.queue_calls, calls.answered, calls.abandoned
    summary.cdr_rows, summary.queue_log_lines = len(cdr), len(qlog)
    summary.qa_evaluations, summary.qa_encoding = len(qa_rows), calls.qa_encoding
    summary.work_order_lines = len(wo_lines)
    summary.defects = len(manifest.entries)
    stats = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(summary).items() if k != "seconds"}
    save_day(conn, day, config, counters, stats)
    conn.commit()
    if manifest.entries:
        mpath = landing / "_manifest" / "defects.jsonl"
        mpath.parent.mkdir(parents=True, exist_ok=True)
        with mpath.open("a", encoding="utf-8") as fh:
            for entry in manifest.entries:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    _write(landing / "_done" / rel_day, b"")
    summary.seconds = time.perf_counter() - began
    return summary
