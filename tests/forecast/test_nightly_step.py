"""The nightly forecast step on a tiny simulated warehouse: real loaders, dbt, GX gate.

Twenty-four simulated days (tiny preset) are landed and built; the step writes the vintage of
day 22, then (after day 23 is built) the vintage of day 23; the demand marts are built on them
and the mart suites must pass. Re-running a night rewrites only its own vintage, identically;
an earlier vintage is never rewritten.
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from service_warehouse.forecast import ForecastVintageError, run_forecast
from service_warehouse.orchestration._cosmos import DEMAND_MARTS
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

START, DAYS = date(2026, 9, 14), 24
NIGHT1 = START + timedelta(days=21)  # 2026-10-05: inside National Day
NIGHT2 = NIGHT1 + timedelta(days=1)
NOT_DEMAND = ["--exclude", DEMAND_MARTS, "resource_type:unit_test"]
DEMAND = ["build", "--select", DEMAND_MARTS]


def _load(day: date) -> None:
    from service_warehouse.loaders import load_pending

    results = load_pending(day)
    assert all(r.status == "loaded" for r in results), [(r.source, r.day, r.status) for r in results]


def _vintage(conn, day: date) -> dict[str, list[tuple]]:
    """Every row of the vintage ``day`` in the forecast schema (the run id left aside)."""
    keys = {"daily_forecasts": "series_id, method, local_date",
            "backtest_errors": "series_id, method, horizon_bucket, month",
            "intraday_forecasts": "queue, interval_start"}
    return {table: conn.execute(f"select * from forecast.{table} where forecast_made_on = %s order by {key}",
                                (day,)).fetchall()
            for table, key in keys.items()}


@pytest.fixture(scope="module")
def warehouse(fresh_warehouse, tmp_path_factory):
    from service_warehouse.simulator import simulate

    landing = tmp_path_factory.mktemp("landing")
    mp = pytest.MonkeyPatch()
    mp.setenv("SVCWH_LANDING_DIR", str(landing))
    mp.setenv("SVCWH_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
    mp.setenv("SVCWH_DBT_PROJECT_DIR", str(_project_copy(tmp_path_factory)))
    mp.delenv("SVCWH_DBT_TARGET_DIR", raising=False)  # the copy's own target/
    try:
        simulate(DAYS, start=START, preset="tiny", seed=11, landing_dir=landing)
        _load(NIGHT1)
        run_dbt(["build", *NOT_DEMAND], build_schema="marts_blue", as_of=NIGHT1)
        first = run_forecast("marts_blue", NIGHT1, "night-1")
        with psycopg.connect(fresh_warehouse) as conn:
            night1 = _vintage(conn, NIGHT1)
        yield {"url": fresh_warehouse, "first": first, "night1": night1}
    finally:
        mp.undo()


def _project_copy(tmp_path_factory):
    """The dbt project in a folder of the test's own (its target/ and manifest are the test's)."""
    import shutil
    from pathlib import Path

    dest = tmp_path_factory.mktemp("dbt") / "dbt_project"
    shutil.copytree(Path(__file__).resolve().parents[2] / "dbt_project", dest,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return dest


def test_first_night_forecasts_every_series_with_one_champion(warehouse):
    run = warehouse["first"]
    with psycopg.connect(warehouse["url"]) as conn:
        series = dict(conn.execute("select series_kind, count(distinct series_id) from forecast.daily_forecasts"
                                   " where forecast_made_on = %s group by 1", (NIGHT1,)).fetchall())
        queues = {q for (q,) in conn.execute("select distinct queue from marts_blue.call_kpis_daily").fetchall()}
        champions = conn.execute(
            "select series_id, count(distinct method) filter (where is_champion), count(distinct local_date)"
            " from forecast.daily_forecasts where forecast_made_on = %s group by 1", (NIGHT1,)).fetchall()
        intraday = conn.execute(
            "select queue, count(*), min(local_date), max(local_date) from forecast.intraday_forecasts"
            " where forecast_made_on = %s group by 1", (NIGHT1,)).fetchall()
    assert set(series) == {"calls", "complaints", "repairs"} and series["calls"] == len(queues) == 2
    assert run.series == sum(series.values())
    assert all(n == 1 and days == 28 for _, n, days in champions), champions
    # every queue: 14 days × 48 half-hours
    assert {q for q, *_ in intraday} == queues
    assert all(rows == 14 * 48 and first == NIGHT1 + timedelta(days=1) for _, rows, first, _ in intraday)


def test_rerunning_a_night_rewrites_only_its_own_vintage_identically(warehouse):
    run_forecast("marts_blue", NIGHT1, "night-1-again")
    with psycopg.connect(warehouse["url"]) as conn:
        again = _vintage(conn, NIGHT1)
        run_id = conn.execute("select run_id from forecast.vintages where forecast_made_on = %s",
                              (NIGHT1,)).fetchone()
    assert again == warehouse["night1"]
    assert run_id == ("night-1-again",)


@pytest.fixture(scope="module")
def second_night(warehouse):
    _load(NIGHT2)
    run_dbt(["build", *NOT_DEMAND], build_schema="marts_green", as_of=NIGHT2)
    run_forecast("marts_green", NIGHT2, "night-2")
    run_dbt(DEMAND, build_schema="marts_green", as_of=NIGHT2)
    return warehouse


def test_a_later_night_leaves_the_earlier_vintage_unchanged_and_cannot_rewrite_it(second_night):
    with psycopg.connect(second_night["url"]) as conn:
        assert _vintage(conn, NIGHT1) == second_night["night1"]
    with pytest.raises(ForecastVintageError, match="later one \\(2026-10-06\\) exists"):
        run_forecast("marts_green", NIGHT1, "night-1-late")
    with psycopg.connect(second_night["url"]) as conn:
        assert _vintage(conn, NIGHT1) == second_night["night1"]


def test_demand_marts_score_the_first_vintage_and_staff_every_interval(second_night):
    with psycopg.connect(second_night["url"]) as conn:
        vintages = conn.execute("select forecast_made_on, count(*) filter (where is_latest_vintage) > 0"
                                " from marts_green.demand_forecast_daily group by 1 order by 1").fetchall()
        # night 1's day-ahead forecast of NIGHT2, against what the calls mart says happened
        scored = conn.execute(
            "select a.n, a.mae, d.forecast, d.actual from marts_green.forecast_accuracy as a"
            " join marts_green.demand_forecast_daily as d on d.series_id = a.series_id and d.method = a.method"
            " and d.forecast_made_on = %s and d.local_date = %s"
            " where a.forecast_kind = 'published' and a.horizon_bucket = 1 and a.series_id like 'calls:%%'",
            (NIGHT1, NIGHT2)).fetchall()
        offered = conn.execute("select sum(offered) from marts_green.call_kpis_daily where local_date = %s",
                               (NIGHT2,)).fetchone()[0]
        past = conn.execute(
            "select count(*), sum(offered_calls), sum(agents_logged_in) > 0 from marts_green.staffing_requirements"
            " where is_past").fetchone()
        ahead = conn.execute("select count(*), min(local_date) from marts_green.staffing_requirements"
                             " where not is_past").fetchone()
    assert vintages == [(NIGHT1, False), (NIGHT2, True)]
    # (the mart rounds forecasts to 0.01; the accuracy is scored on the unrounded ones)
    assert scored and all(n == 1 and float(mae) == pytest.approx(abs(float(f) - float(a)), abs=0.006)
                          for n, mae, f, a in scored)
    # the past intervals are NIGHT2's (planned by night 1): their calls are the day's offered calls
    assert past[0] == 2 * 48 and past[1] == offered and past[2]
    assert ahead == (2 * 14 * 48, NIGHT2 + timedelta(days=1))


def test_the_gate_passes_the_demand_marts(second_night):
    from service_warehouse.quality import run_mart_suites
    from service_warehouse.transform import build_manifest

    build_manifest()
    verdict = run_mart_suites("marts_green", "forecast-gate", NIGHT2, raise_on_failure=False)
    demand = [o for o in verdict.outcomes
              if o.suite in ("mart.demand_forecast_daily", "mart.demand_forecast_intraday",
                             "mart.forecast_accuracy", "mart.staffing_requirements")]
    assert len(demand) > 40
    assert [o.describe() for o in demand if not o.success] == []
    assert verdict.status in ("passed", "warning"), [o.describe() for o in verdict.critical_failures]
