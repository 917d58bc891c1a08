"""The nightly forecast step: read the actuals of the build, forecast, staff, write the vintage.

``run_forecast(build_schema, as_of_date, run_id)`` runs after dbt has built the marts into the
build schema and before the demand marts are built (they read the vintages as the dbt source
``forecast``). The computation (:func:`compute_vintage`) is separate from the database, so the
benchmark and the tests can feed it series directly.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from service_warehouse.config import require_build_schema
from service_warehouse.errors import ServiceWarehouseError
from service_warehouse.forecast._accuracy import backtest, forecast_days, future_days
from service_warehouse.forecast._erlang import agents_needed
from service_warehouse.forecast._intraday import interval_aht, interval_profile
from service_warehouse.forecast._methods import METHODS, MethodNotApplicable
from service_warehouse.forecast._policy import SEEDS_SCHEMA, Policy, load_policy

log = logging.getLogger(__name__)

class ForecastVintageError(ServiceWarehouseError):
    """A vintage cannot be written (e.g. it would rewrite one older than the latest)."""


@dataclass(frozen=True)
class Series:
    """One daily demand series: its identity and its history (oldest first, zeros filled)."""

    series_id: str
    kind: str  # calls | complaints | repairs
    days: list[date]
    values: np.ndarray
    queue: str | None = None
    category: str | None = None
    urgency: str | None = None


@dataclass
class QueueIntervals:
    """A queue's recent calls per day and interval, and its answered calls' talk time per interval."""

    counts: dict[date, np.ndarray] = field(default_factory=dict)
    talk_seconds: np.ndarray | None = None
    answered: np.ndarray | None = None


@dataclass
class Vintage:
    """Every row of one night's forecast, ready to write."""

    daily: list[tuple] = field(default_factory=list)
    backtest: list[tuple] = field(default_factory=list)
    intraday: list[tuple] = field(default_factory=list)
    champions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ForecastRun:
    """What one run of the step wrote."""

    forecast_made_on: date
    build_schema: str
    series: int
    daily_rows: int
    intraday_rows: int
    seconds: float
    champions: dict[str, str]


# -- the computation ---------------------------------------------------------------------------


def _ident(s: Series) -> tuple:
    return (s.series_id, s.kind, s.queue, s.category, s.urgency)


def forecast_series(s: Series, as_of: date, policy: Policy, day_types: Mapping[date, str], vintage: Vintage
                    ) -> dict[str, np.ndarray]:
    """Backtest, pick the champion and forecast one series; append its rows. The champion's means."""
    bt = backtest(s.values, s.days, day_types, policy.methods, policy.method_params, policy.backtest)
    target = future_days(as_of, policy.horizon_days)
    forecasts = {}
    for method in policy.methods:
        try:
            forecasts[method] = forecast_days(s.values, s.days, target, day_types, method, policy.method_params)
        except MethodNotApplicable as exc:
            log.debug("%s: %s", s.series_id, exc)
    if not forecasts:
        raise ForecastVintageError(f"series {s.series_id}: no method could forecast it ({len(s.values)} days)")
    champion = bt.champion if bt.champion in forecasts else next(m for m in METHODS if m in forecasts)
    vintage.champions[s.series_id] = champion
    ident = _ident(s)
    for method, fc in forecasts.items():
        for i, day in enumerate(target):
            lower = None if fc.lower is None else float(fc.lower[i])
            upper = None if fc.upper is None else float(fc.upper[i])
            vintage.daily.append((as_of, *ident, method, day, i + 1, float(fc.mean[i]), lower, upper,
                                  method == champion))
    for method, groups in bt.by_group.items():
        for (bucket, month), e in sorted(groups.items()):
            vintage.backtest.append((as_of, *ident, method, bucket, month, e.n, e.sum_error, e.sum_abs_error,
                                     e.sum_sq_error, e.sum_actual, e.sum_abs_pct_error, e.n_pct))
    return {"days": np.array(target), "mean": forecasts[champion].mean}


def staff_queue(queue: str, as_of: date, daily_mean: np.ndarray, recent: QueueIntervals, policy: Policy,
                day_types: Mapping[date, str], tz: ZoneInfo, vintage: Vintage) -> None:
    """Spread a queue's champion forecast over the intervals of the next days and staff each one."""
    per_day = 1440 // policy.interval_minutes
    interval_seconds = policy.interval_minutes * 60.0
    talk = recent.talk_seconds if recent.talk_seconds is not None else np.zeros(per_day)
    answered = recent.answered if recent.answered is not None else np.zeros(per_day)
    aht = interval_aht(talk, answered, min_calls=policy.aht_min_calls, default=policy.default_aht_seconds)
    step = timedelta(minutes=policy.interval_minutes)
    for d in range(policy.intraday_days):
        day = as_of + timedelta(days=d + 1)
        shares = interval_profile(recent.counts, day, day_types, per_day)
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        for i in range(per_day):
            calls = float(daily_mean[d]) * float(shares[i])
            st = agents_needed(calls, float(aht[i]), interval_seconds,
                               threshold_seconds=policy.service_level_threshold_seconds,
                               target_share=policy.service_level_target, max_occupancy=policy.occupancy_cap)
            headcount = int(np.ceil(st.agents / (1 - policy.shrinkage) - 1e-9)) if st.agents else 0
            vintage.intraday.append((
                as_of, queue, start + i * step, day, policy.interval_minutes, calls, float(aht[i]),
                st.traffic_erlangs, st.agents, st.service_level, st.asa_seconds, st.occupancy, headcount,
                policy.service_level_target, policy.service_level_threshold_seconds, policy.occupancy_cap,
                policy.shrinkage))


def compute_vintage(as_of: date, series: list[Series], queues: Mapping[str, QueueIntervals], policy: Policy,
                    day_types: Mapping[date, str], tz: ZoneInfo) -> Vintage:
    """Every row of the vintage ``as_of``: daily forecasts, backtest errors, intraday staffing.

    BLAS runs single-threaded here: the fits are thousands of tiny optimisations, and OpenBLAS
    threads fighting over two shared cores made them 5–8× slower (measured: bench/forecast.py).
    """
    from threadpoolctl import threadpool_limits

    vintage = Vintage()
    with threadpool_limits(limits=1, user_api="blas"):
        for s in series:
            champion = forecast_series(s, as_of, policy, day_types, vintage)
            if s.kind == "calls" and s.queue is not None:
                staff_queue(s.queue, as_of, champion["mean"], queues.get(s.queue, QueueIntervals()), policy,
                            day_types, tz, vintage)
    return vintage


# -- reading the build, writing the vintage ------------------------------------------------------


def _series_from_rows(kind: str, rows: list[tuple], first: date, as_of: date) -> list[Series]:
    """Zero-filled daily series from (local_date, key…, count) rows."""
    days = [first + timedelta(days=i) for i in range((as_of - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    values: dict[tuple, np.ndarray] = {}
    for day, *key, count in rows:
        values.setdefault(tuple(key), np.zeros(len(days)))[index[day]] += float(count)
    out = []
    for key, v in sorted(values.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        if kind == "calls":
            out.append(Series(f"calls:{key[0]}", kind, days, v, queue=key[0]))
        elif kind == "complaints":
            out.append(Series(f"complaints:{key[0]}", kind, days, v, category=key[0]))
        else:
            out.append(Series(f"repairs:{key[0]}:{key[1]}", kind, days, v, category=key[0], urgency=key[1]))
    return out


def read_series(conn, build_schema: str, as_of: date, policy: Policy, tz: str) -> list[Series]:
    """The demand series of the build: calls by queue, complaints by category, repairs by category × urgency."""
    start = as_of - timedelta(days=policy.history_days - 1)
    queries = {
        "calls": f"select local_date, queue, offered from {build_schema}.call_kpis_daily"
                 " where local_date between %(start)s and %(as_of)s",
        "complaints": f"select (received_at at time zone %(tz)s)::date as d, coalesce(category, 'unknown'), count(*)"
                      f" from {build_schema}.fct_complaints"
                      " where (received_at at time zone %(tz)s)::date between %(start)s and %(as_of)s group by 1, 2",
        "repairs": f"select (reported_at at time zone %(tz)s)::date as d, coalesce(category, 'unknown'),"
                   f" coalesce(urgency, 'unknown'), count(*) from {build_schema}.fct_repairs"
                   " where (reported_at at time zone %(tz)s)::date between %(start)s and %(as_of)s group by 1, 2, 3",
    }
    args = {"start": start, "as_of": as_of, "tz": tz}
    series = []
    for kind, sql in queries.items():
        rows = conn.execute(sql, args).fetchall()
        if rows:
            first = min(r[0] for r in rows)
            series += _series_from_rows(kind, rows, first, as_of)
    return series


def read_queue_intervals(conn, build_schema: str, as_of: date, policy: Policy, tz: str) -> dict[str, QueueIntervals]:
    """Recent calls per queue, day and interval (the profile) and talk time per interval (the AHT)."""
    days = max(policy.profile_days, policy.aht_days)
    per_day = 1440 // policy.interval_minutes
    rows = conn.execute(
        f"select queue, local_date,"
        f" (extract(hour from entered_at at time zone %(tz)s) * 60"
        f"  + extract(minute from entered_at at time zone %(tz)s))::int / %(minutes)s as slot,"
        f" count(*), coalesce(sum(talk_seconds) filter (where outcome = 'answered'), 0),"
        f" count(talk_seconds) filter (where outcome = 'answered')"
        f" from {build_schema}.fct_calls where local_date between %(start)s and %(as_of)s group by 1, 2, 3",
        {"tz": tz, "minutes": policy.interval_minutes, "start": as_of - timedelta(days=days - 1),
         "as_of": as_of}).fetchall()
    out: dict[str, QueueIntervals] = {}
    aht_from = as_of - timedelta(days=policy.aht_days - 1)
    profile_from = as_of - timedelta(days=policy.profile_days - 1)
    for queue, day, slot, calls, talk, answered in rows:
        q = out.setdefault(queue, QueueIntervals(talk_seconds=np.zeros(per_day), answered=np.zeros(per_day)))
        if day >= profile_from:
            q.counts.setdefault(day, np.zeros(per_day))[slot] += calls
        if day >= aht_from:
            q.talk_seconds[slot] += float(talk)
            q.answered[slot] += answered
    return out


def read_day_types(conn) -> dict[date, str]:
    """The calendar seed: local date → workday | weekend | holiday | adjusted_workday."""
    return dict(conn.execute(f"select calendar_date::date, day_type from {SEEDS_SCHEMA}.calendar_days").fetchall())


_DAILY_COLS = ("forecast_made_on", "series_id", "series_kind", "queue", "category", "urgency", "method", "local_date",
               "horizon_days", "forecast", "lower_80", "upper_80", "is_champion")
_BACKTEST_COLS = ("forecast_made_on", "series_id", "series_kind", "queue", "category", "urgency", "method",
                  "horizon_bucket", "month", "n", "sum_error", "sum_abs_error", "sum_sq_error", "sum_actual",
                  "sum_abs_pct_error", "n_pct")
_INTRADAY_COLS = ("forecast_made_on", "queue", "interval_start", "local_date", "interval_minutes", "forecast_calls",
                  "forecast_aht_seconds", "traffic_erlangs", "agents_required", "forecast_service_level",
                  "forecast_asa_seconds", "occupancy", "scheduled_headcount", "service_level_target",
                  "service_level_threshold_seconds", "occupancy_cap", "shrinkage")


def write_vintage(conn, as_of: date, run_id: str, build_schema: str, policy: Policy, n_series: int,
                  vintage: Vintage) -> None:
    """Replace the vintage ``as_of`` (and only it) in one transaction; refuse to rewrite an older one."""
    with conn.transaction():
        conn.execute("lock table forecast.vintages in share row exclusive mode")
        (latest,) = conn.execute("select max(forecast_made_on) from forecast.vintages").fetchone()
        if latest is not None and latest > as_of:
            raise ForecastVintageError(
                f"forecast vintage {as_of} would be rewritten, but a later one ({latest}) exists: earlier vintages "
                "are never changed (forecasts are kept as they were published)")
        conn.execute("delete from forecast.vintages where forecast_made_on = %s", (as_of,))
        conn.execute(
            "insert into forecast.vintages (forecast_made_on, run_id, build_schema, series, policy)"
            " values (%s, %s, %s, %s, %s)", (as_of, run_id, build_schema, n_series, json.dumps(policy.as_dict())))
        with conn.cursor() as cur:
            for table, cols, rows in (("daily_forecasts", _DAILY_COLS, vintage.daily),
                                      ("backtest_errors", _BACKTEST_COLS, vintage.backtest),
                                      ("intraday_forecasts", _INTRADAY_COLS, vintage.intraday)):
                with cur.copy(f"copy forecast.{table} ({', '.join(cols)}) from stdin") as copy:
                    for row in rows:
                        copy.write_row(row)


def run_forecast(build_schema: str, as_of_date: date | str, run_id: str, *, url: str | None = None) -> ForecastRun:
    """Forecast every demand series from the marts built in ``build_schema`` and write the vintage.

    Args:
        build_schema: ``marts_blue`` or ``marts_green``, where dbt just built the marts.
        as_of_date: the last loaded local day; the vintage's ``forecast_made_on``.
        run_id: the Airflow run (kept with the vintage).
        url: the warehouse (default: ``WAREHOUSE_URL`` / the embedded server).

    Raises:
        ValueError: a build schema or date that is not one.
        ForecastVintageError: a later vintage exists (earlier vintages are never rewritten).
        ForecastPolicyError: a missing or out-of-range policy value (names the seed and key).
    """
    from service_warehouse.config import get_settings
    from service_warehouse.warehouse import connect

    require_build_schema(build_schema)
    try:
        as_of = as_of_date if isinstance(as_of_date, date) else date.fromisoformat(str(as_of_date))
    except ValueError:
        raise ValueError(f"run_forecast: as_of_date {as_of_date!r} is not a date (YYYY-MM-DD)") from None
    started = time.perf_counter()
    tz = get_settings().centre_tz
    with connect(url) as conn:
        policy = load_policy(conn)
        day_types = read_day_types(conn)
        series = read_series(conn, build_schema, as_of, policy, str(tz))
        queues = read_queue_intervals(conn, build_schema, as_of, policy, str(tz))
        conn.commit()
        vintage = compute_vintage(as_of, series, queues, policy, day_types, tz)
        write_vintage(conn, as_of, run_id, build_schema, policy, len(series), vintage)
    seconds = time.perf_counter() - started
    log.info("forecast vintage %s: %d series, %d daily rows, %d intraday rows in %.1f s",
             as_of, len(series), len(vintage.daily), len(vintage.intraday), seconds)
    return ForecastRun(as_of, build_schema, len(series), len(vintage.daily), len(vintage.intraday),
                       round(seconds, 2), dict(vintage.champions))
