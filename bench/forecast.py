"""Forecasting and staffing benchmark: 20 queues + complaint and repair series over 365 days.

    .venv/bin/python bench/forecast.py [--queues 20] [--days 365] [--as-of 2026-10-31]

The history is generated in-process (no warehouse): per series a weekly pattern, a slow trend,
the holidays and 调休 working days of the calendar seed, Poisson noise; per queue an intraday
profile with a morning and an afternoon peak and talk times of about three minutes. The policy is
the one in the seeds (``forecast_policy.csv``, ``policy_thresholds.csv``). It times exactly what
the nightly step computes (:func:`service_warehouse.forecast.compute_vintage`: the backtest of
every method on every series, the 28-day forecasts, the intraday spread and Erlang C for every
queue × interval of 14 days) and prints, last, the line the benchmark suite reads:

    RESULT forecast_seconds=<float> series=<int> history_days=<int>

The database reads and the COPY of the vintage are left out (they cost well under a second at
this size: measured in the nightly step's log line).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from service_warehouse.forecast import QueueIntervals, Series, compute_vintage, policy_from_values  # noqa: E402

SEEDS = REPO / "dbt_project" / "seeds"
COMPLAINT_CATEGORIES = ["product_quality", "service_attitude", "billing", "delivery", "repair", "other"]
REPAIR_CATEGORIES = ["plumbing", "electrical", "hvac", "appliance", "elevator", "network", "general"]


def _seed_values(name: str) -> dict[str, float]:
    with (SEEDS / name).open(encoding="utf-8") as f:
        return {row["policy_key"]: float(row["policy_value"]) for row in csv.DictReader(f)}


def _day_types() -> dict[date, str]:
    with (SEEDS / "calendar_days.csv").open(encoding="utf-8") as f:
        return {date.fromisoformat(r["calendar_date"]): r["day_type"] for r in csv.DictReader(f)}


def _daily(rng: np.random.Generator, days: list[date], day_types: dict[date, str], level: float) -> np.ndarray:
    weekly = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45])
    kind = {"holiday": 0.35, "adjusted_workday": 1.0}
    mean = np.array([
        level * (1 + 0.0005 * i) * (kind.get(day_types.get(d, ""), 1.0)
                                    * (1.0 if day_types.get(d) == "adjusted_workday" else weekly[d.weekday()]))
        for i, d in enumerate(days)])
    return rng.poisson(mean).astype(float)


def synthetic(queues: int, history_days: int, as_of: date, interval_minutes: int, day_types: dict[date, str],
              seed: int = 7) -> tuple[list[Series], dict[str, QueueIntervals]]:
    """Series and recent intraday counts of a department of ``queues`` queues."""
    rng = np.random.default_rng(seed)
    days = [as_of - timedelta(days=history_days - 1 - i) for i in range(history_days)]
    series: list[Series] = []
    intervals: dict[str, QueueIntervals] = {}
    per_day = 1440 // interval_minutes
    t = (np.arange(per_day) + 0.5) * interval_minutes / 60.0
    shape = np.exp(-((t - 10) ** 2) / 3) + 0.8 * np.exp(-((t - 15) ** 2) / 4) + 0.02
    shape /= shape.sum()
    for q in range(queues):
        name = f"queue_{q + 1:02d}"
        values = _daily(rng, days, day_types, level=rng.uniform(300, 1500))
        series.append(Series(f"calls:{name}", "calls", days, values, queue=name))
        recent = QueueIntervals(talk_seconds=np.zeros(per_day), answered=np.zeros(per_day))
        for d, v in zip(days[-28:], values[-28:]):
            counts = rng.multinomial(int(v), shape).astype(float)
            recent.counts[d] = counts
            recent.answered += counts * 0.9
            recent.talk_seconds += counts * 0.9 * rng.uniform(150, 210)
        intervals[name] = recent
    for c in COMPLAINT_CATEGORIES:
        series.append(Series(f"complaints:{c}", "complaints", days, _daily(rng, days, day_types, rng.uniform(20, 120)),
                             category=c))
    for c in REPAIR_CATEGORIES:
        for urgency, level in (("routine", rng.uniform(30, 200)), ("emergency", rng.uniform(2, 20))):
            series.append(Series(f"repairs:{c}:{urgency}", "repairs", days, _daily(rng, days, day_types, level),
                                 category=c, urgency=urgency))
    return series, intervals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--days", type=int, default=365, help="days of history")
    parser.add_argument("--as-of", default="2026-10-31", help="the last day of history (YYYY-MM-DD)")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    policy = policy_from_values(_seed_values("forecast_policy.csv"), _seed_values("policy_thresholds.csv"))
    day_types = _day_types()
    series, intervals = synthetic(args.queues, args.days, as_of, policy.interval_minutes, day_types)

    # warm-up outside the timing: statsmodels' first import and fit (once per process in the DAG too)
    t0 = time.perf_counter()
    compute_vintage(as_of, series[:1], {}, policy, day_types, ZoneInfo("Asia/Shanghai"))
    warm = time.perf_counter() - t0

    started = time.perf_counter()
    vintage = compute_vintage(as_of, series, intervals, policy, day_types, ZoneInfo("Asia/Shanghai"))
    seconds = time.perf_counter() - started
    champions: dict[str, int] = {}
    for method in vintage.champions.values():
        champions[method] = champions.get(method, 0) + 1
    print(f"history: {args.days} days up to {as_of}; series: {len(series)} "
          f"({args.queues} queues, {len(COMPLAINT_CATEGORIES)} complaint categories, "
          f"{len(REPAIR_CATEGORIES) * 2} repair category × urgency); methods: {', '.join(policy.methods)}")
    print(f"backtest: {policy.backtest.origins} origins × {policy.backtest.horizon_days} days; "
          f"intraday: {policy.intraday_days} days × {1440 // policy.interval_minutes} intervals")
    print(f"rows: {len(vintage.daily)} daily, {len(vintage.backtest)} backtest, {len(vintage.intraday)} intraday")
    print(f"champions: {', '.join(f'{m} {n}' for m, n in sorted(champions.items()))}")
    print(f"first series (imports + warm-up): {warm:.2f} s; all series: {seconds:.2f} s "
          f"({seconds / len(series) * 1000:.0f} ms a series); goal < 60 s")
    print(f"RESULT forecast_seconds={seconds:.2f} series={len(series)} history_days={args.days}")


if __name__ == "__main__":
    main()
