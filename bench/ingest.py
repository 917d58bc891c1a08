"""Ingest benchmark: the loaders on one `large` day and one month, against a bare COPY.

    .venv/bin/python bench/ingest.py [--days 30] [--port 55481] [--big]

Uses its own embedded server and data folder (``.warehouse/bench``), simulates the `large`
preset once (kept for later runs), then, in a fresh warehouse database:

1. loads day 1 (CRM, calls, repairs) in a child process and records its peak memory (RSS);
2. loads the rest of the month (each day its own batch) in another child process;
3. exports exactly the rows the loader put in raw and COPYs them, unchanged, into unindexed
   tables of the same shape on the same server: the "bare COPY" rate, the ceiling of what
   any loader can reach here;
4. with ``--big``: one calls day made of every day's Master.csv and queue_log concatenated,
   to show the loader's memory does not grow with the file size.

It prints rows/s per source next to the bare COPY rate of the same rows, their ratio, and
the loaders' peak RSS. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START = date(2026, 8, 3)
RAW = {
    "calls": ("cdr", "queue_log", "qa_evaluations"),
    "repairs": ("work_orders",),
    "crm": ("crm_customers", "crm_agents", "crm_complaints", "crm_complaint_status_history", "crm_surveys", "crm_invoices"),
}


def _env(args) -> None:
    os.environ["SVCWH_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ["SVCWH_PG_PORT"] = str(args.port)
    if not args.child:  # the children get the parent's fresh database through the environment
        os.environ.pop("WAREHOUSE_URL", None)
        os.environ.pop("CRM_URL", None)
    sys.path.insert(0, str(REPO / "plugins"))


def child(args) -> None:
    """Load in this process (``--child day|month|big``) and print the results and peak RSS as JSON."""
    from service_warehouse.loaders import load_day, load_pending

    started = time.perf_counter()
    if args.child == "day":
        results = load_pending(START, run_id="bench-day")
    elif args.child == "month":
        results = load_pending(START + timedelta(days=args.days - 1), run_id="bench-month")
    else:
        results = [load_day("calls", date(2030, 1, 1), run_id="bench-big")]
    wall = time.perf_counter() - started
    print(json.dumps({
        "wall": wall,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "results": [r.as_dict() for r in results],
    }, default=str))  # fmt: skip


def _run_child(args, which: str, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", which, "--days", str(args.days), "--port", str(args.port), "--data-dir", args.data_dir]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _bare_copy(conn, batch_ids: list[int], tables: tuple[str, ...]) -> tuple[int, float, int]:
    """(rows, seconds, bytes) of a bare COPY of the given batches' raw rows into unindexed tables."""
    rows = seconds = size = 0
    conn.execute("create schema if not exists bench_bare")
    for table in tables:
        cols = [
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = %s "
                "and column_name <> '_loaded_at' order by ordinal_position",
                (table,),
            )
        ]
        names = ", ".join(cols)
        conn.execute(f"drop table if exists bench_bare.{table}")
        conn.execute(f"create table bench_bare.{table} (like raw.{table} including defaults)")  # no indexes
        with tempfile.TemporaryFile() as spool:
            with conn.cursor().copy(
                f"copy (select {names} from raw.{table} where _batch_id = any(%s)) to stdout", (batch_ids,)
            ) as copy:
                for data in copy:
                    spool.write(data)
            size += spool.tell()
            spool.seek(0)
            began = time.perf_counter()
            with conn.transaction():
                with conn.cursor().copy(f"copy bench_bare.{table} ({names}) from stdin") as copy:
                    while chunk := spool.read(1 << 20):
                        copy.write(chunk)
            seconds += time.perf_counter() - began
        rows += conn.execute(f"select count(*) from bench_bare.{table}").fetchone()[0]
        conn.execute(f"drop table bench_bare.{table}")
    return rows, seconds, size


def _report(conn, label: str, run: dict) -> list[tuple]:
    lines = []
    for source, tables in RAW.items():
        batches = [r for r in run["results"] if r["source"] == source and r["status"] == "loaded"]
        if not batches:
            continue
        rows = sum(r["rows_read"] for r in batches)
        seconds = sum(r["seconds"] for r in batches)
        bare_rows, bare_seconds, size = _bare_copy(conn, [r["batch_id"] for r in batches], tables)
        loaded = sum(r["rows_loaded"] for r in batches)
        assert bare_rows == loaded, (source, bare_rows, loaded)
        loader_rate, bare_rate = rows / seconds, bare_rows / bare_seconds
        lines.append((label, source, len(batches), rows, seconds, loader_rate, bare_seconds, bare_rate, loader_rate / bare_rate, size))
    return lines


def _parse_only(landing: Path, day: date) -> dict[str, tuple[int, float]]:
    """Rows and seconds of the parsers alone (no database) on one day's files: the client's share."""
    from service_warehouse.config import get_settings
    from service_warehouse.loaders._landing import SOURCE_FILES
    from service_warehouse.loaders._load import PARSERS
    from service_warehouse.sources import ParseContext

    settings = get_settings()
    out = {}
    for source, files in SOURCE_FILES.items():
        rows, seconds = 0, 0.0
        for name, _, key in files:
            ctx = ParseContext(name, day, settings.centre_tz, settings.cdr_tz)
            began = time.perf_counter()
            with (landing / source / day.isoformat() / name).open("rb") as stream:
                rows += sum(1 for _ in PARSERS[key][0](stream, ctx))
            seconds += time.perf_counter() - began
        out[source] = (rows, seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="days in the month (default 30)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SVCWH_BENCH_PG_PORT", "55481")))
    parser.add_argument("--data-dir", default=str(REPO / ".warehouse" / "bench"))
    parser.add_argument("--big", action="store_true", help="also load one calls day of every day's files concatenated")
    parser.add_argument("--child", choices=("day", "month", "big"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    _env(args)
    if args.child:
        child(args)
        return

    import psycopg

    from service_warehouse.config import get_settings
    from service_warehouse.simulator import simulate
    from service_warehouse.warehouse import embedded, ensure_ready

    settings = get_settings()
    ensure_ready()
    landing = settings.landing_dir
    have = sum((landing / "_done" / (START + timedelta(days=i)).isoformat()).exists() for i in range(args.days))
    if have < args.days:
        print(f"simulating {args.days} days of the large preset into {landing} (kept for later runs) …", flush=True)
        began = time.perf_counter()
        simulate(args.days, start=START, preset="large", seed=1, defects=False)
        print(f"  simulated in {time.perf_counter() - began:.0f} s", flush=True)
    # a fresh warehouse database for every run; the CRM is the simulated one
    server = embedded.start()
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as admin:
        admin.execute("drop database if exists bench_wh with (force)")
        admin.execute("create database bench_wh")
    os.environ["WAREHOUSE_URL"] = server.dsn("bench_wh")
    os.environ["CRM_URL"] = server.dsn(settings.crm_db)
    ensure_ready()

    runs = {"day": _run_child(args, "day"), "month": _run_child(args, "month")}
    parse_only = _parse_only(landing, START)
    big_size = None
    if args.big:
        big_landing = Path(args.data_dir) / "big_landing"
        folder = big_landing / "calls" / "2030-01-01"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("Master.csv", "queue_log", "qa_evaluations.csv"):
            with (folder / name).open("wb") as out:
                days = range(args.days) if name != "qa_evaluations.csv" else range(1)
                for i in days:
                    out.write((landing / "calls" / (START + timedelta(days=i)).isoformat() / name).read_bytes())
        (big_landing / "_done").mkdir(exist_ok=True)
        (big_landing / "_done" / "2030-01-01").touch()
        big_size = sum(f.stat().st_size for f in folder.iterdir())
        runs["big"] = _run_child(args, "big", {"SVCWH_LANDING_DIR": str(big_landing)})

    with psycopg.connect(os.environ["WAREHOUSE_URL"], autocommit=True) as conn:
        lines = []
        for label, run in runs.items():
            lines += _report(conn, label, run)
    failed = [r for run in runs.values() for r in run["results"] if r["status"] != "loaded"]
    print()
    print(f"{'run':6} {'source':8} {'batches':>7} {'rows':>10} {'loader s':>9} {'loader rows/s':>14} "
          f"{'bare s':>7} {'bare COPY rows/s':>17} {'ratio':>6} {'MB':>7}")  # fmt: skip
    for label, source, n, rows, seconds, rate, bare_s, bare_rate, ratio, size in lines:
        print(f"{label:6} {source:8} {n:7d} {rows:10d} {seconds:9.2f} {rate:14,.0f} {bare_s:7.2f} {bare_rate:17,.0f} "
              f"{ratio:6.0%} {size / 1e6:7.1f}")  # fmt: skip
    print()
    for source, (rows, seconds) in parse_only.items():
        print(f"parsers alone, day 1 {source:8}: {rows:9d} rows in {seconds:6.2f} s = {rows / seconds:10,.0f} rows/s (no database)")
    print()
    for label, run in runs.items():
        extra = f" (calls files {big_size / 1e6:.0f} MB)" if label == "big" and big_size else ""
        print(f"loader peak RSS, {label:5}: {run['peak_rss_mb']:6.0f} MB  (wall {run['wall']:.1f} s){extra}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine slows both rates)")
    if failed:
        print(f"NOTE: {len(failed)} batch(es) did not load: {[(r['source'], r['logical_date'], r['error']) for r in failed]}")


if __name__ == "__main__":
    main()
