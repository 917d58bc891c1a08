"""The call-centre marts on the product's own simulator, landed by the real loaders.

Nine simulated days (2026-09-28 … 10-06, across National Day) are landed and built the way the
nightly run does it, alternating build schemas so that each build catches up from its own
high-water mark; then a ``dbt build --full-refresh`` (every data and unit test) must give the
same rows, and the daily KPIs must equal values recomputed from the raw rows in Python.
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from _calls_raw import assert_same_rows, check_call_kpis, snapshot_call_models
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

START, DAYS = date(2026, 9, 28), 9
LAST = START + timedelta(days=DAYS - 1)
MY_MODELS = "+fct_calls +call_kpis_daily +agent_kpis_monthly"


@pytest.fixture(scope="module")
def simulated(fresh_warehouse, tmp_path_factory):
    from service_warehouse.loaders import load_pending
    from service_warehouse.simulator import simulate

    landing = tmp_path_factory.mktemp("landing")
    target = tmp_path_factory.mktemp("dbt_target")
    mp = pytest.MonkeyPatch()
    mp.setenv("SVCWH_LANDING_DIR", str(landing))
    try:
        simulate(DAYS, start=START, preset="tiny", seed=20260928, landing_dir=landing)
        builds = [(START + timedelta(days=5), "marts_blue"), (START + timedelta(days=6), "marts_green"),
                  (START + timedelta(days=7), "marts_blue"), (LAST, "marts_green")]
        for day, schema in builds:
            results = load_pending(day)
            assert all(r.status == "loaded" for r in results), [(r.source, r.day, r.status) for r in results]
            if day == builds[0][0]:  # the first build also loads the seeds
                args = ["build", "--select", "resource_type:seed", *MY_MODELS.split(),
                        "--exclude", "resource_type:test", "resource_type:unit_test"]
            else:
                args = ["run", "--select", MY_MODELS]
            run_dbt(args, build_schema=schema, as_of=day, target_path=target)
        with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
            snapshot_call_models(conn, "marts_green", "calls_incremental")
        run_dbt(["build", "--full-refresh", "--indirect-selection", "cautious", "--select", MY_MODELS],
                build_schema="marts_green", as_of=LAST, target_path=target)
    finally:
        mp.undo()
    return fresh_warehouse


def test_simulated_calls_incremental_equals_full_refresh(simulated):
    with psycopg.connect(simulated) as conn:
        assert_same_rows(conn, "marts_green", "calls_incremental")


def test_simulated_call_kpis_agree_with_raw(simulated):
    with psycopg.connect(simulated) as conn:
        assert check_call_kpis(conn, "marts_green", LAST) > 0
        calls = conn.execute("select count(*), count(agent_id), count(*) filter (where is_answered) from marts_green.fct_calls").fetchone()
        unknown = conn.execute("select count(*) from marts_green.fct_calls where is_unknown_agent").fetchone()[0]
    assert calls[0] > 100, "the simulated history is too small to say anything"
    # every answered call of the simulator's staff resolves to a CRM agent (member names and interfaces)
    assert calls[1] == calls[2] - unknown and unknown == 0
