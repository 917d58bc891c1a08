"""The benchmark suite (issue 7): the nightly at scale, each figure beside its reference.

    make bench [BENCH_ARGS="--days 365 --short 90"]      (or: svcwh bench -- --days 365 …)
    .venv/bin/python bench/suite.py [--days 365] [--short 90] [--preset large] [--fresh]
                                    [--parts ingest,nightly,full,dag,queries] [--port 55534]

Builds its own data in ``--data-dir`` (default ``.warehouse/bench-suite``, its own embedded
server on ``--port``) with the simulator's ``--preset`` (default ``large``: ≈ 200 000 customers,
20 000 queue calls a weekday), starting ``--start`` (default 2025-11-01, so a year stays inside
the holiday calendar seed). The data (landing files, CRM, raw, marts) is kept between runs;
``--fresh`` throws it away first. Every phase is resumable: what is loaded stays loaded.

The parts, each printed beside its reference measured in the same run:

1. ``ingest``: ``bench/ingest.py`` in a subprocess (its own data folder): loader rows/s per
   source beside a bare COPY of the same rows, peak memory.
2. ``nightly``: one new day (land, raw suites, dbt build, forecast, demand marts, mart suites,
   publish: the DAG's steps), timed per step,
   with ``--short`` days of history and with ``--days`` − 1 days; the ratio long/short. Each is
   the steady state: history loaded and built into both blue/green schemas before the timed night.
   The short history has its own data dir and simulation (``--short-data-dir``, a subprocess on
   port+3): the loaders extract the CRM by ``updated_at``, so a CRM simulated a year ahead would
   not be the CRM of day ``--short``.
3. ``full``: ``dbt build --full-refresh`` of every model from all raw, beside one plain SQL pass
   reading every raw row once (the floor no build can beat).
4. (from 2 and 3) the nightly build (dbt, forecast, demand marts) ÷ the full refresh at the longest
   history.
5. ``dag``: parse time of ``dags/`` (fresh interpreter), and one nightly DAG run (``dag.test``,
   Cosmos per-model tasks) for day ``--days``: its dbt tasks beside the direct ``dbt build``.
6. ``queries``: the dashboards' typical queries on ``marts`` as ``bi_reader``: p50 / p95 ms.

Each figure is also printed as a ``RESULT`` line (parseable) and appended to
``<data-dir>/results.jsonl`` with the machine's load average at the time it was measured.
Figures, not a pass/fail test: the goals are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARTS = ("ingest", "nightly", "dag", "full", "queries")
HIDDEN_PARTS = ("night",)  # one history alone: what ``nightly`` runs in a subprocess for the short one
SOURCES = ("crm", "calls", "repairs")
RAW_TABLES = (
    "crm_customers", "crm_agents", "crm_complaints", "crm_complaint_status_history", "crm_surveys",
    "crm_invoices", "cdr", "queue_log", "qa_evaluations", "work_orders",
)


def loadavg() -> float:
    return os.getloadavg()[0]


@dataclass
class Figure:
    """One measured figure, its reference (measured in the same run, or the goal), and the load."""

    part: str
    what: str
    value: float
    unit: str
    reference: str = ""
    ratio: str = ""
    goal: str = ""
    load: float = field(default_factory=loadavg)

    def result_line(self) -> str:
        key = re.sub(r"[^a-z0-9]+", "_", self.what.lower()).strip("_")
        return f"RESULT {self.part} {key}={self.value:.4g} unit={self.unit} load={self.load:.1f}"


def print_growth(short_run: Path, long_run: Path, top: int = 15) -> None:
    """The dbt nodes whose time grew most from the short night to the long one (run_results.json):
    what still grows with history."""
    def times(path: Path) -> dict[str, float]:
        return {r["unique_id"].split(".", 2)[-1]: r["execution_time"] for r in json.loads(path.read_text())["results"]}

    short, long = times(short_run), times(long_run)
    total_short, total_long = sum(short.values()), sum(long.values())
    grown = sorted(long, key=lambda n: -(long[n] - short.get(n, 0.0)))[:top]
    print(f"  what grew from the short night to the long one (sum of node times {total_short:.0f} s → {total_long:.0f} s):")
    for name in grown:
        print(f"    {name}: {short.get(name, 0.0):.1f} s → {long[name]:.1f} s")


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.figures: list[Figure] = []
        self.data_dir = Path(args.data_dir).resolve()
        self.first = date.fromisoformat(args.start)
        self.target = self.data_dir / "dbt-target"  # dbt's target folder for the suite's direct runs
        self.nights: dict[int, dict[str, float]] = {}

    # -- bookkeeping ----------------------------------------------------------------------------

    def day(self, n: int) -> date:
        """The n-th simulated day (1-based)."""
        return self.first + timedelta(days=n - 1)

    def add(self, fig: Figure) -> Figure:
        self.figures.append(fig)
        print(f"  {fig.result_line()}", flush=True)
        with (self.data_dir / "results.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                  "preset": self.args.preset, **fig.__dict__}) + "\n")
        return fig

    @contextmanager
    def step(self, label: str):
        began, load = time.perf_counter(), loadavg()
        print(f"- {label} (load {load:.1f}) …", flush=True)
        timing = {"seconds": 0.0}
        yield timing
        timing["seconds"] = time.perf_counter() - began
        print(f"  {label}: {timing['seconds']:.1f} s (load {loadavg():.1f})", flush=True)

    # -- environment ------------------------------------------------------------------------------

    def setup(self) -> None:
        if self.args.fresh and self.data_dir.exists():
            self._stop_server()
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.environ["SVCWH_DATA_DIR"] = str(self.data_dir)
        os.environ["SVCWH_PG_PORT"] = str(self.args.port)
        for name in ("WAREHOUSE_URL", "CRM_URL", "SVCWH_LANDING_DIR", "SVCWH_REPORTS_DIR", "SVCWH_BUILD_SCHEMA"):
            os.environ.pop(name, None)  # the suite's own embedded server, never a configured one
        sys.path.insert(0, str(REPO / "plugins"))
        from service_warehouse.warehouse import ensure_ready

        ensure_ready()

    def _stop_server(self) -> None:
        subprocess.run([sys.executable, "-m", "service_warehouse", "warehouse", "stop"], check=False,
                       env={**os.environ, "SVCWH_DATA_DIR": str(self.data_dir), "SVCWH_PG_PORT": str(self.args.port),
                            "PYTHONPATH": str(REPO / "plugins")})

    def landed(self) -> int:
        """How many consecutive days from ``--start`` have fully landed."""
        done = self.data_dir / "landing" / "_done"
        n = 0
        while (done / self.day(n + 1).isoformat()).exists():
            n += 1
        return n

    def ensure_simulated(self, days: int) -> None:
        from service_warehouse.simulator import simulate

        have = self.landed()
        if have >= days:
            return
        with self.step(f"simulate days {have + 1}…{days} of preset {self.args.preset} (kept for later runs)"):
            simulate(days - have, start=self.day(have + 1), preset=self.args.preset, seed=self.args.seed)

    # -- the pipeline's steps, called as the DAG's tasks call them --------------------------------

    def load(self, up_to: date, run_id: str) -> dict[str, list[int]]:
        from service_warehouse.loaders import load_pending

        batches: dict[str, list[int]] = {}
        for source in SOURCES:
            results = load_pending(up_to, sources=(source,), run_id=run_id)
            for r in results:
                r.raise_for_status()
            batches[source] = [r.batch_id for r in results if r.status == "loaded"]
        return batches

    def build(self, day: date, *, full_refresh: bool = False, run_id: str = "bench",
              timings: dict[str, float] | None = None) -> str:
        """As the DAG: dbt builds every model but the demand marts, then `forecast` writes the
        vintage and `demand_marts` builds them on it. ``timings`` gets each step's seconds."""
        from service_warehouse.orchestration import _tasks
        from service_warehouse.orchestration._cosmos import DEMAND_MARTS
        from service_warehouse.publish import choose_build_schema
        from service_warehouse.transform import run_dbt

        schema = choose_build_schema()
        refresh = ["--full-refresh"] if full_refresh else []
        took = timings if timings is not None else {}
        t = time.perf_counter()
        run_dbt(["build", "--exclude", DEMAND_MARTS, *refresh], build_schema=schema, as_of=day,
                target_path=self.target)
        took["dbt build"] = time.perf_counter() - t
        # each build's per-node times, kept beside the figures (the profile of docs/benchmarks.md)
        label = f"{'full-refresh' if full_refresh else 'build'}-{day}"
        shutil.copyfile(self.target / "run_results.json", self.data_dir / f"run_results-{label}.json")
        t = time.perf_counter()
        _tasks.forecast(schema, day.isoformat(), run_id)
        took["forecast"] = time.perf_counter() - t
        t = time.perf_counter()
        _tasks.demand_marts(schema, day.isoformat(), full_refresh)
        took["demand marts"] = time.perf_counter() - t
        return schema

    def gate_and_publish(self, schema: str, day: date, run_id: str) -> tuple[float, float]:
        from service_warehouse.publish import publish
        from service_warehouse.quality import run_mart_suites

        began = time.perf_counter()
        verdict = run_mart_suites(schema, run_id, day)
        gated = time.perf_counter()
        publish(schema, run_id, day, verdict.validation_run_id)
        return gated - began, time.perf_counter() - gated

    def published_day(self) -> date | None:
        from service_warehouse.orchestration._tasks import last_published_day
        from service_warehouse.warehouse import connect

        with connect() as conn:
            return last_published_day(conn)

    def night(self, n: int, *, timed: bool) -> dict[str, float]:
        """The nightly sequence for day n (land, raw suites, dbt build, forecast, demand marts, mart
        suites, publish)."""
        from service_warehouse.quality import run_raw_suite

        day, run_id = self.day(n), f"bench-night-{self.day(n)}"
        steps: dict[str, float] = {}
        t = time.perf_counter()
        batches = self.load(day, run_id)
        steps["land"] = time.perf_counter() - t
        t = time.perf_counter()
        for source, ids in batches.items():
            if ids:
                run_raw_suite(source, ids, run_id, day)
        steps["raw suites"] = time.perf_counter() - t
        schema = self.build(day, run_id=run_id, timings=steps)
        steps["mart suites"], steps["publish"] = self.gate_and_publish(schema, day, run_id)
        steps["total"] = sum(steps.values())
        kind = "timed" if timed else "warm-up (builds the other blue/green schema)"
        if timed:
            self.print_slowest_nodes()
        print(f"  night {day} ({n} days of history, {kind}): "
              + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()) + f" (load {loadavg():.1f})", flush=True)
        return steps

    def print_slowest_nodes(self, top: int = 8) -> None:
        """The dbt nodes that took longest in the last build (its run_results.json): the profile."""
        results = self.target / "run_results.json"
        if not results.is_file():
            return
        nodes = sorted(json.loads(results.read_text())["results"], key=lambda r: -r["execution_time"])
        print("  slowest dbt nodes: " + ", ".join(
            f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f} s" for r in nodes[:top]), flush=True)

    def history(self, n: int) -> None:
        """Days 1…n−2 loaded and built, day n−1 run as a night: both blue/green schemas are then
        built, so night n is the steady state (its build schema is one publication behind)."""
        self.ensure_simulated(n)  # night n's own day too, also when the history is already built
        published = self.published_day()
        if published is not None and published >= self.day(n - 1):
            return
        if published is None or published < self.day(n - 2):
            with self.step(f"history: load days 1…{n - 2} (each day its own batch)"):
                self.load(self.day(n - 2), f"bench-history-{n}")
            with self.step(f"history: dbt build as of day {n - 2}, gate, publish"):
                schema = self.build(self.day(n - 2), run_id=f"bench-history-{n}")
                self.gate_and_publish(schema, self.day(n - 2), f"bench-history-{n}")
        self.seed_other_schema()
        with self.step(f"history: night {n - 1} (warm-up)"):
            self.night(n - 1, timed=False)

    def seed_other_schema(self) -> None:
        """Copy the live schema's incremental marts into the other blue/green schema when it has none.

        In production the other schema was built the night before; here it would otherwise be
        built from nothing by the warm-up night (a full build, not what a night costs). A copy
        with the same indexes is that state; its own high-water batch then drives the next build.
        """
        from service_warehouse.publish import choose_build_schema, live_schema
        from service_warehouse.warehouse import connect

        manifest = json.loads((self.target / "manifest.json").read_text())
        incremental = sorted(n["name"] for n in manifest["nodes"].values()
                             if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
                             and "marts" in n["fqn"])
        live, other = live_schema(), choose_build_schema()
        with connect() as conn:
            for name in incremental:
                have = conn.execute("select to_regclass(%s)", (f"{other}.{name}",)).fetchone()[0]
                if have is None:
                    began = time.perf_counter()
                    conn.execute(f"create table {other}.{name} (like {live}.{name} including all)")
                    conn.execute(f"insert into {other}.{name} select * from {live}.{name}")
                    conn.commit()
                    print(f"  seeded {other}.{name} from {live} in {time.perf_counter() - began:.1f} s", flush=True)

    # -- the parts ---------------------------------------------------------------------------------

    def part_ingest(self) -> None:
        script = REPO / "bench" / "ingest.py"
        cmd = [sys.executable, str(script), "--days", str(self.args.ingest_days), "--port", str(self.args.port + 1),
               "--data-dir", str(self.data_dir.parent / "bench-ingest")]
        with self.step(f"ingest: {' '.join(cmd[1:])}"):
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
        results = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ingest ")]
        if proc.returncode != 0:
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
            print("  ingest benchmark failed (output above)")
            return
        if not results:  # an older ingest.py: show its own table
            print(proc.stdout)
            return
        for line in results:
            kv = dict(item.split("=", 1) for item in line.split()[2:])
            label = f"{kv['source']} ({kv['scale']}, {int(kv['rows']):,} rows)"
            self.add(Figure("1 ingest", f"{label} loader rows/s", float(kv["loader_rows_per_s"]), "rows/s",
                            reference=f"bare COPY {float(kv['copy_rows_per_s']):,.0f} rows/s",
                            ratio=f"{float(kv['ratio']):.0%}", goal="≥ 70 %"))
            self.add(Figure("1 ingest", f"{label} loader peak memory", float(kv["peak_mb"]), "MB",
                            goal="< 500 MB"))
        forecast = REPO / "bench" / "forecast.py"
        if not forecast.exists():
            print("forecast: not built in this checkout")
            return
        with self.step("forecast: bench/forecast.py"):
            proc = subprocess.run([sys.executable, str(forecast)], capture_output=True, text=True, check=False,
                                  cwd=REPO, env={**os.environ, "SVCWH_PG_PORT": str(self.args.port + 2),
                                                 "SVCWH_DATA_DIR": str(self.data_dir.parent / "bench-forecast")})
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT forecast"):
                kv = dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)
                self.add(Figure("1 forecast", f"forecast {kv.get('series', '?')} series, "
                                f"{kv.get('history_days', '?')} days", float(kv["forecast_seconds"]), "s"))
        if proc.returncode != 0:
            print(f"  forecast benchmark failed: {proc.stderr[-1500:]}")

    def kept_nights(self) -> dict[int, dict]:
        """Timed nights of earlier runs on the kept data (a night runs once): n -> steps, at, load."""
        kept_file = self.data_dir / "nights.json"
        return {int(k): v for k, v in json.loads(kept_file.read_text()).items()} if kept_file.exists() else {}

    def timed_night(self, n: int) -> dict[str, float] | None:
        """History up to day n − 1 in this data dir, then night n timed once (kept in nights.json)."""
        kept_file = self.data_dir / "nights.json"
        kept = self.kept_nights()
        self.history(n)
        if self.published_day() >= self.day(n):
            if n in kept:  # a night runs once on the kept data: reuse its figures, say so
                print(f"  night {n}: timed in an earlier run at {kept[n]['at']} (load {kept[n]['load']:.1f});"
                      " --fresh times it again")
                return kept[n]["steps"]
            print(f"  night {n} was run before without timing: use --fresh to time it")
            return None
        steps = self.night(n, timed=True)
        kept[n] = {"steps": steps, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "load": loadavg()}
        kept_file.write_text(json.dumps(kept, indent=1))
        for step, seconds in steps.items():
            self.add(Figure("2 nightly", f"night {n} days history {step}", seconds, "s"))
        return steps

    def part_night(self) -> None:
        """One history alone: ``--days`` days, the last one timed (what ``nightly`` runs per history)."""
        self.nights[self.args.days] = self.timed_night(self.args.days)

    def part_nightly(self) -> None:
        """The short history in its own data dir (a subprocess: its own server and simulation, so
        its CRM is the CRM as it was on day ``--short``), then the long one here."""
        short_dir = Path(self.args.short_data_dir or self.data_dir.parent / f"{self.data_dir.name}-short").resolve()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--parts", "night", "--days", str(self.args.short),
               "--preset", self.args.preset, "--seed", str(self.args.seed), "--start", self.args.start,
               "--port", str(self.args.port + 3), "--data-dir", str(short_dir)]
        with self.step(f"nightly, short history: {' '.join(cmd[1:])}"):
            proc = subprocess.run(cmd, check=False, cwd=REPO)
        if proc.returncode != 0:
            print(f"  the short history failed (exit {proc.returncode}; its output is above)")
        kept_short = json.loads((short_dir / "nights.json").read_text()) if (short_dir / "nights.json").exists() else {}
        if str(self.args.short) in kept_short:
            self.nights[self.args.short] = kept_short[str(self.args.short)]["steps"]
        self.nights[self.args.days - 1] = self.timed_night(self.args.days - 1)
        short, long = self.nights.get(self.args.short), self.nights.get(self.args.days - 1)
        short_run = short_dir / f"run_results-build-{self.day(self.args.short)}.json"
        long_run = self.data_dir / f"run_results-build-{self.day(self.args.days - 1)}.json"
        if short_run.is_file() and long_run.is_file():
            print_growth(short_run, long_run)
        if short and long:
            for step in ("dbt build", "total"):
                self.add(Figure("2 nightly", f"night {self.args.days - 1} days / {self.args.short} days {step}",
                                long[step] / short[step], "x",
                                reference=f"{long[step]:.1f} s vs {short[step]:.1f} s", goal="≤ 1.3"))

    def raw_floor(self) -> tuple[float, int]:
        """One plain SQL pass reading every raw row once (every column): seconds, rows."""
        from service_warehouse.warehouse import connect

        rows, began = 0, time.perf_counter()
        with connect() as conn:
            for table in RAW_TABLES:
                rows += conn.execute(f"select count(*), sum(pg_column_size(t.*)) from raw.{table} as t").fetchone()[0]
        return time.perf_counter() - began, rows

    def part_full(self) -> None:
        n = self.args.days
        if self.published_day() is None:
            self.history(n)
        day = self.published_day()
        with self.step(f"full refresh: dbt build --full-refresh as of {day}") as full:
            self.build(day, full_refresh=True)
        floor, rows = self.raw_floor()
        self.add(Figure("3 full rebuild", f"dbt build --full-refresh of every model, as of {day}", full["seconds"], "s",
                        reference=f"one SQL pass over {rows:,} raw rows {floor:.1f} s",
                        ratio=f"{full['seconds'] / floor:.1f} x"))
        long = self.nights.get(self.args.days - 1) or self.kept_nights().get(self.args.days - 1, {}).get("steps")
        if long:
            nightly = sum(long.get(k, 0.0) for k in ("dbt build", "forecast", "demand marts"))
            self.add(Figure("4 incremental", "nightly build (dbt, forecast, demand marts) / full refresh",
                            nightly / full["seconds"], "x",
                            reference=f"{nightly:.1f} s vs {full['seconds']:.1f} s", goal="≤ 0.1"))

    def part_dag(self) -> None:
        from service_warehouse.orchestration._env import child_env
        from service_warehouse.transform import build_manifest

        build_manifest()
        code = (
            "import time; t0 = time.perf_counter()\n"
            "from airflow.dag_processing.dagbag import DagBag\n"
            "t1 = time.perf_counter(); bag = DagBag(dag_folder=%r); t2 = time.perf_counter()\n"
            "assert not bag.import_errors, bag.import_errors\n"
            "print(t1 - t0, t2 - t1, len(bag.dags))\n"
        ) % str(REPO / "dags")
        parses = []
        for _ in range(3):
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), check=True)
            parses.append([float(x) for x in proc.stdout.split()[-3:]])
        best = min(parses, key=lambda p: p[1])
        self.add(Figure("5 DAG", f"parse of dags/ ({int(best[2])} DAGs), best of 3", best[1], "s",
                        reference=f"import airflow {best[0]:.1f} s", goal="< 2 s"))

        n = self.args.days
        self.ensure_simulated(n)
        if self.published_day() is None or self.published_day() < self.day(n - 1):
            print("  DAG run skipped: run the nightly part first (history up to the day before)")
            return
        if self.published_day() >= self.day(n):
            print(f"  DAG run for day {n} already done in an earlier run: its figures are in results.jsonl")
            return
        from service_warehouse.orchestration import _airflow_cli

        _airflow_cli.migrate()
        log_file = self.data_dir / "dag-run.log"
        with self.step(f"DAG run (dag.test) for {self.day(n)}") as wall:
            results = _airflow_cli.run_dag_days(self.day(n), self.day(n), {}, log_file=log_file)
        if not results or results[-1][1] != "success":
            print(f"  the DAG run failed ({results}); log: {log_file}")
            return
        tasks = self.task_times(self.day(n))
        dbt = [t for t in tasks if t[0].startswith("transform.")]
        if not dbt:  # e.g. a day before the DAG's start_date: Airflow creates the run, runs no task
            print(f"  the DAG run for {self.day(n)} ran no dbt task ({len(tasks)} tasks ran): is the day before the"
                  " DAG's start_date (dags/service_warehouse_nightly.py)? The default --start and --days 365 end after it.")
            return
        span = (max(t[2] for t in dbt) - min(t[1] for t in dbt)).total_seconds()
        busy = sum((t[2] - t[1]).total_seconds() for t in dbt)
        night = self.nights.get(n - 1) or self.kept_nights().get(n - 1, {}).get("steps", {})
        direct = night.get("dbt build")
        ref = f"direct dbt build (night {n - 1}) {direct:.1f} s" if direct else "no direct night before it was timed"
        self.add(Figure("5 DAG", f"DAG run wall for one night ({len(tasks)} tasks)", wall["seconds"], "s",
                        reference=f"direct night {n - 1} {night['total']:.1f} s" if direct else ""))
        self.add(Figure("5 DAG", f"Cosmos dbt tasks first start to last end ({len(dbt)} tasks)", span, "s",
                        reference=ref, ratio=f"{span / direct:.1f} x" if direct else ""))
        if direct:
            self.add(Figure("5 DAG", "Cosmos overhead per dbt task", (span - direct) / len(dbt), "s",
                            reference=f"sum of task durations {busy:.1f} s"))

    def task_times(self, day: date) -> list[tuple[str, datetime, datetime]]:
        """(task id, start, end) of the DAG run for ``day`` from Airflow's metadata database."""
        import psycopg

        from service_warehouse.orchestration import DAG_ID
        from service_warehouse.orchestration._calendar import local_day
        from service_warehouse.warehouse import embedded

        with psycopg.connect(embedded.start().dsn("airflow")) as conn:
            runs = conn.execute("select run_id, logical_date from dag_run where dag_id = %s order by id desc", (DAG_ID,)).fetchall()
            run_id = next(r for r, logical in runs if logical is not None and local_day(logical) == day)
            return conn.execute(
                "select task_id, start_date, end_date from task_instance where dag_id = %s and run_id = %s"
                " and start_date is not null and end_date is not null", (DAG_ID, run_id)).fetchall()

    QUERIES = {
        "complaint KPIs by category, last month": """
            select category, sum(received) as received, sum(resolved) as resolved,
                   sum(resolved_within_sla)::numeric / nullif(sum(resolved), 0) as timely_rate,
                   avg(median_resolution_hours) as median_hours
            from marts.complaint_kpis_daily
            where local_date > %(last)s::date - 30 and local_date <= %(last)s::date
            group by category order by category""",
        "call KPIs by queue, last year": """
            select queue, sum(offered) as offered, sum(answered) as answered,
                   sum(answered_within_threshold)::numeric / nullif(sum(offered - short_abandons), 0) as service_level,
                   sum(abandoned)::numeric / nullif(sum(offered - short_abandons), 0) as abandon_rate,
                   sum(aht_seconds * answered) / nullif(sum(answered), 0) as aht
            from marts.call_kpis_daily
            where local_date > %(last)s::date - 365 and local_date <= %(last)s::date
            group by queue order by queue""",
        "at-risk customer list": """
            select customer_id, customer_name, region, value_grade, risk_reasons, complaints_90d,
                   open_critical_complaints
            from marts.dim_customer
            where is_at_risk
            order by value_grade, complaints_90d desc, customer_id""",
        "calls of one queue on one day (drill-down)": """
            select call_id, entered_at, agent_id, outcome, wait_seconds, talk_seconds
            from marts.fct_calls
            where local_date = %(last)s::date and queue = (select min(queue) from marts.call_kpis_daily)
            order by entered_at""",
        "one customer's last 12 months": """
            select * from marts.customer_monthly
            where customer_id = (select min(customer_id) from marts.dim_customer where is_at_risk)
                and month > %(last)s::date - interval '12 months'
            order by 1""",
    }

    def part_queries(self) -> None:
        from service_warehouse.warehouse import connect

        last = self.published_day()
        if last is None:
            print("  queries skipped: nothing published yet (run the nightly part first)")
            return
        with connect() as conn:
            conn.execute("set role bi_reader")  # what the dashboards are allowed to read
            for label, sql in self.QUERIES.items():
                times, rows = [], 0
                for i in range(self.args.repeat + 2):
                    began = time.perf_counter()
                    rows = len(conn.execute(sql, {"last": last}).fetchall())
                    if i >= 2:  # two warm-up runs: a dashboard's cache is warm
                        times.append((time.perf_counter() - began) * 1000)
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                self.add(Figure("6 dashboard", f"{label} p50", statistics.median(times), "ms",
                                reference=f"{rows:,} rows, as of {last}", goal="p95 < 200 ms"))
                self.add(Figure("6 dashboard", f"{label} p95", p95, "ms", goal="< 200 ms"))
            sizes = conn.execute("select count(*) from marts.fct_calls").fetchone()[0]
        print(f"  (marts.fct_calls holds {sizes:,} calls)")

    # -- the table ---------------------------------------------------------------------------------

    def print_table(self) -> None:
        print()
        print(f"Benchmark suite, preset {self.args.preset}, {platform.node()}: {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
        head = ("part", "what", "figure", "reference (same run)", "ratio", "goal", "load")
        rows = [(f.part, f.what, f"{f.value:,.3g} {f.unit}" if f.value < 100 else f"{f.value:,.0f} {f.unit}",
                 f.reference, f.ratio, f.goal, f"{f.load:.1f}") for f in self.figures]
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        for r in [head, tuple("-" * w for w in widths), *rows]:
            print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="the long history, in days (default 365)")
    parser.add_argument("--short", type=int, default=90, help="the short history, in days (default 90)")
    parser.add_argument("--preset", default="large", help="simulator preset (default large)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", default="2025-11-01", help="first simulated day (default 2025-11-01)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--ingest-days", type=int, default=7, help="days bench/ingest.py loads (default 7)")
    parser.add_argument("--repeat", type=int, default=30, help="runs of each dashboard query (default 30)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SVCWH_BENCH_PG_PORT", "55534")),
                        help="the suite's embedded server (ingest uses port+1, forecast port+2)")
    parser.add_argument("--data-dir", default=str(REPO / ".warehouse" / "bench-suite"))
    parser.add_argument("--short-data-dir", default=None,
                        help="the short history's data dir (default: <data-dir>-short; port+3)")
    parser.add_argument("--fresh", action="store_true", help="throw away the kept data and start again")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS) - set(HIDDEN_PARTS))
    if unknown:
        parser.error(f"--parts: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    if not 3 <= args.short < args.days - 1 and "night" not in parts:  # `night`: one history, no --short
        parser.error(f"--short {args.short} must be at least 3 and below --days − 1 ({args.days - 1})")

    suite = Suite(args)
    suite.setup()
    print(f"bench suite: data in {suite.data_dir} (port {args.port}), days {suite.day(1)} … {suite.day(args.days)}, "
          f"load {loadavg():.1f} on {os.cpu_count()} cores", flush=True)
    try:
        for part in (*PARTS, *HIDDEN_PARTS):
            if part in parts:
                getattr(suite, f"part_{part}")()
    finally:
        suite.print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
