"""Ingest benchmark: the loaders on one `large` day and one month, against a bare COPY.

    .venv/bin/python bench/ingest.py [--days 30] [--port 55524] [--big]

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
the loaders' peak memory (``VmHWM`` of the loading process: ``ru_maxrss`` would include the
parent's simulation, which Linux carries over ``exec``). Beside the wall-clock rates it prints
the CPU seconds each side spent — the loader process, and the server's processes (the CRM
extraction included) — because on a shared machine the wall-clock ratio mostly measures who
else is running: the CPU figures say what the loader costs whatever the load.

One machine-readable line per source and scale (day, month) closes the output, for
``bench/suite.py``::

    RESULT ingest source=calls scale=day rows=… loader_rows_per_s=… copy_rows_per_s=… ratio=… peak_mb=…
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


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ``ru_maxrss`` where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu(data_dir: str) -> float | None:
    """CPU seconds the embedded server has used so far: the postmaster, its reaped children and
    its live backends (None where /proc is missing). Clock-tick resolution (10 ms)."""
    try:
        postmaster = int((Path(data_dir) / "pgdata" / "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile: its time is in the postmaster's cutime
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == postmaster:
                total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
            elif ppid == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


def child(args) -> None:
    """Load in this process (``--child day|month|big``) and print the results, CPU and peak RSS as JSON."""
    from service_warehouse.loaders import SOURCES, load_day, load_pending

    started = time.perf_counter()
    results, cpu = [], {}
    for source in SOURCES if args.child != "big" else ("calls",):
        own, server = _own_cpu(), server_cpu(args.data_dir)
        if args.child == "day":
            results += load_pending(START, sources=source, run_id="bench-day")
        elif args.child == "month":
            results += load_pending(START + timedelta(days=args.days - 1), sources=source, run_id="bench-month")
        else:
            results.append(load_day("calls", date(2030, 1, 1), run_id="bench-big"))
        after = server_cpu(args.data_dir)
        cpu[source] = {"client": _own_cpu() - own, "server": after - server if after is not None and server is not None else None}
    wall = time.perf_counter() - started
    print(json.dumps({
        "wall": wall,
        "peak_rss_mb": _peak_rss_mb(),
        "cpu": cpu,
        "results": [r.as_dict() for r in results],
    }, default=str))  # fmt: skip


def _run_child(args, which: str, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", which, "--days", str(args.days), "--port", str(args.port), "--data-dir", args.data_dir]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _bare_copy(conn, batch_ids: list[int], tables: tuple[str, ...], data_dir: str) -> tuple[int, float, int, float | None]:
    """(rows, seconds, bytes, server CPU s) of a bare COPY of the batches' raw rows into unindexed tables."""
    rows = seconds = size = 0
    cpu: float | None = 0.0
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
            server = server_cpu(data_dir)
            began = time.perf_counter()
            with conn.transaction():
                with conn.cursor().copy(f"copy bench_bare.{table} ({names}) from stdin") as copy:
                    while chunk := spool.read(1 << 20):
                        copy.write(chunk)
            seconds += time.perf_counter() - began
            after = server_cpu(data_dir)
            cpu = cpu + (after - server) if cpu is not None and server is not None and after is not None else None
        rows += conn.execute(f"select count(*) from bench_bare.{table}").fetchone()[0]
        conn.execute(f"drop table bench_bare.{table}")
    return rows, seconds, size, cpu


def _report(conn, label: str, run: dict, data_dir: str) -> list[tuple]:
    lines = []
    for source, tables in RAW.items():
        batches = [r for r in run["results"] if r["source"] == source and r["status"] == "loaded"]
        if not batches:
            continue
        rows = sum(r["rows_read"] for r in batches)
        seconds = sum(r["seconds"] for r in batches)
        bare_rows, bare_seconds, size, bare_cpu = _bare_copy(conn, [r["batch_id"] for r in batches], tables, data_dir)
        loaded = sum(r["rows_loaded"] for r in batches)
        assert bare_rows == loaded, (source, bare_rows, loaded)
        loader_rate, bare_rate = rows / seconds, bare_rows / bare_seconds
        cpu = run.get("cpu", {}).get(source, {})
        lines.append({
            "label": label, "source": source, "batches": len(batches), "rows": rows, "seconds": seconds,
            "rate": loader_rate, "bare_seconds": bare_seconds, "bare_rate": bare_rate, "ratio": loader_rate / bare_rate,
            "size": size, "client_cpu": cpu.get("client"), "server_cpu": cpu.get("server"), "bare_cpu": bare_cpu,
            "peak_mb": run["peak_rss_mb"],
        })  # fmt: skip
    return lines


def _us(cpu: float | None, rows: int) -> str:
    return f"{cpu / rows * 1e6:6.1f}" if cpu is not None and rows else "     -"


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
    parser.add_argument("--port", type=int, default=int(os.environ.get("SVCWH_BENCH_PG_PORT", "55524")))
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
            lines += _report(conn, label, run, args.data_dir)
    failed = [r for run in runs.values() for r in run["results"] if r["status"] != "loaded"]
    print()
    print(f"{'run':6} {'source':8} {'batches':>7} {'rows':>10} {'loader s':>9} {'loader rows/s':>14} "
          f"{'bare s':>7} {'bare COPY rows/s':>17} {'ratio':>6} {'MB':>7}")  # fmt: skip
    for x in lines:
        print(f"{x['label']:6} {x['source']:8} {x['batches']:7d} {x['rows']:10d} {x['seconds']:9.2f} {x['rate']:14,.0f} "
              f"{x['bare_seconds']:7.2f} {x['bare_rate']:17,.0f} {x['ratio']:6.0%} {x['size'] / 1e6:7.1f}")  # fmt: skip
    print()
    print("CPU µs per row: the loader process, the server while loading, the server during the bare COPY")
    print(f"{'run':6} {'source':8} {'loader':>7} {'server':>7} {'bare':>7} {'bare / (loader + server)':>25}")
    for x in lines:
        spent = None if x["client_cpu"] is None or x["server_cpu"] is None else x["client_cpu"] + x["server_cpu"]
        share = f"{x['bare_cpu'] / spent:25.0%}" if spent and x["bare_cpu"] is not None else f"{'-':>25}"
        print(f"{x['label']:6} {x['source']:8} {_us(x['client_cpu'], x['rows'])} {_us(x['server_cpu'], x['rows'])} "
              f"{_us(x['bare_cpu'], x['rows'])} {share}")  # fmt: skip
    print()
    for source, (rows, seconds) in parse_only.items():
        print(f"parsers alone, day 1 {source:8}: {rows:9d} rows in {seconds:6.2f} s = {rows / seconds:10,.0f} rows/s (no database)")
    print()
    for label, run in runs.items():
        extra = f" (calls files {big_size / 1e6:.0f} MB)" if label == "big" and big_size else ""
        print(f"loader peak RSS, {label:5}: {run['peak_rss_mb']:6.0f} MB  (wall {run['wall']:.1f} s){extra}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine slows both rates)")
    for x in lines:
        if x["label"] in ("day", "month"):
            print(f"RESULT ingest source={x['source']} scale={x['label']} rows={x['rows']} "
                  f"loader_rows_per_s={x['rate']:.1f} copy_rows_per_s={x['bare_rate']:.1f} ratio={x['ratio']:.3f} "
                  f"peak_mb={x['peak_mb']:.1f}")  # fmt: skip
    if failed:
        print(f"NOTE: {len(failed)} batch(es) did not load: {[(r['source'], r['logical_date'], r['error']) for r in failed]}")


if __name__ == "__main__":
    main()
