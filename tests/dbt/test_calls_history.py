"""The call-centre dbt models on a small simulated history, built the way the nightly run does.

One module-wide build: five days landed and built at once, then seven more landed one at a time,
each followed by an incremental dbt run into the build schema that is not live (marts_blue / marts_green in turn, so each schema is one
publication behind and must catch up), with a CRM change, QA forms that arrive a day late and a
day REPLACED by a corrected file on the way. Then the same schema is rebuilt with
``dbt build --full-refresh`` (every data test and unit test runs) and compared row for row;
the headline KPIs are checked against values computed here, independently, from the raw rows.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import psycopg
import pytest

from _calls_raw import AGENTS, TZ, RawWriter, default_customers, simulate
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

DAYS = [date(2026, 10, 1) + timedelta(days=n) for n in range(12)]
FIRST_BUILD = 4  # days 0..4 are landed before the first build (a schema catching up)
MY_MODELS = "+fct_calls +call_kpis_daily +agent_kpis_monthly"
COMPARED = {
    "intermediate.int_queue_calls_assembled": "intermediate",
    "fct_calls": "mart",
    "call_kpis_daily": "mart",
    "agent_kpis_monthly": "mart",
}


def _snapshot(conn, schema: str, into: str) -> None:
    conn.execute(f"drop schema if exists {into} cascade")
    conn.execute(f"create schema {into}")
    for table, kind in COMPARED.items():
        source = table if kind == "intermediate" else f"{schema}.{table}"
        conn.execute(f"create table {into}.{table.rsplit('.', 1)[-1]} as select * from {source}")


@pytest.fixture(scope="module")
def history(fresh_warehouse, tmp_path_factory):
    """Land and build day by day, snapshot, then full-refresh build; yields what the tests need."""
    target = tmp_path_factory.mktemp("dbt_target")
    files = simulate(DAYS, seed=11, calls_per_day=24)
    corrected = copy.deepcopy(files[DAYS[2]])
    dropped = {e.callid for e in corrected.events if e.event == "ENTERQUEUE"}
    dropped = set(sorted(dropped)[:4])  # the corrected file lacks four calls
    corrected.events = [e for e in corrected.events if e.callid not in dropped]
    corrected.cdr = [r for r in corrected.cdr if r["uniqueid"] not in dropped]
    schemas = []
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        writer = RawWriter(conn)
        writer.crm(DAYS[0])
        run_dbt(["seed"], build_schema="marts_blue", target_path=target)
        for n, day in enumerate(DAYS):
            # late in the history, so that calls of days already final are affected
            if n == 11:  # the CRM learns a member name and a customer's new number
                changed_customers = default_customers()
                changed_customers[3] = ("C000003", "13800000020")
                writer.crm(day, agents=AGENTS + [("A0106", "Temp 9", "SIP/8006")], customers=changed_customers)
            if n == 6:  # a corrected file for day 2 replaces its batch
                writer.replace("calls", DAYS[2])
                writer.day(DAYS[2], corrected)
            writer.day(day, files[day])
            if n < FIRST_BUILD:
                continue
            schema = ("marts_blue", "marts_green")[n % 2]
            schemas.append(schema)
            run_dbt(["run", "--select", MY_MODELS], build_schema=schema, as_of=day, target_path=target)
        last = schemas[-1]
        _snapshot(conn, last, "calls_incremental")
        run_dbt(
            ["build", "--full-refresh", "--indirect-selection", "cautious", "--select", MY_MODELS],
            build_schema=last, as_of=DAYS[-1], target_path=target,
        )
    yield {"url": fresh_warehouse, "schema": last, "dropped": dropped}


def test_calls_incremental_equals_full_refresh(history):
    with psycopg.connect(history["url"]) as conn:
        for table, kind in COMPARED.items():
            name = table.rsplit(".", 1)[-1]
            fresh = table if kind == "intermediate" else f"{history['schema']}.{name}"
            counts = conn.execute(f"select (select count(*) from {fresh}), (select count(*) from calls_incremental.{name})").fetchone()
            assert counts[0] == counts[1] and counts[0] > 0, f"{name}: full refresh {counts[0]} rows, incremental {counts[1]}"
            diff = conn.execute(
                f"select count(*) from ((select * from {fresh} except all select * from calls_incremental.{name}) "
                f"union all (select * from calls_incremental.{name} except all select * from {fresh})) as d"
            ).fetchone()[0]
            assert diff == 0, f"{name}: {diff} rows differ between the incremental and the full-refresh build"


def test_calls_replaced_day_and_crm_changes_reach_the_marts(history):
    with psycopg.connect(history["url"]) as conn:
        schema = history["schema"]
        gone = conn.execute(f"select count(*) from {schema}.fct_calls where callid = any(%s)", (list(history["dropped"]),)).fetchone()[0]
        temp9 = conn.execute(f"select count(*), count(*) filter (where agent_id = 'A0106') from {schema}.fct_calls where agent_member_name = 'Temp 9'").fetchone()
        moved = conn.execute(f"select count(*) from {schema}.fct_calls where customer_id = 'C000003' and caller_digits <> '13800000020'").fetchone()[0]
        incremental_temp9 = conn.execute("select count(*) filter (where agent_id is distinct from 'A0106') from calls_incremental.fct_calls where agent_member_name = 'Temp 9'").fetchone()[0]
    assert gone == 0, "calls of the replaced file are still in fct_calls"
    assert temp9[0] > 0 and temp9[0] == temp9[1], "calls of a member name the CRM learned later are not resolved"
    assert incremental_temp9 == 0, "the incremental build kept stale agent ids"
    assert moved == 0, "a customer's old phone number still matches calls"


# ---- independent KPI computation from the raw rows -------------------------------------------

EXITS = {"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW", "SYSCOMPAT"}
ENDS = {"COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _raw_calls(conn) -> list[dict]:
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


def test_call_kpis_daily_agree_with_raw(history):
    with psycopg.connect(history["url"]) as conn:
        calls = _raw_calls(conn)
        cur = conn.execute(f"select * from {history['schema']}.call_kpis_daily")
        names = [c.name for c in cur.description]
        mart = {(r["local_date"], r["queue"]): r for r in (dict(zip(names, row)) for row in cur.fetchall())}
    as_of = datetime.combine(DAYS[-1] + timedelta(days=1), time(0), TZ).timestamp()
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
    assert checked_fcr >= 6, "too few final days to check the FCR rate"
    first = sum(1 for c in calls if not c["has_repeat"] and c["connect"] is not None and not c["transferred"])
    with psycopg.connect(history["url"]) as conn:
        stored = conn.execute(f"select count(*) from {history['schema']}.fct_calls where is_first_contact_resolved").fetchone()[0]
    assert stored == first


def test_fct_calls_one_row_per_enterqueue(history):
    with psycopg.connect(history["url"]) as conn:
        raw = conn.execute(
            "select count(distinct (callid, queuename, event_epoch)) from raw.queue_log q join audit.load_batches b "
            "on b.batch_id = q._batch_id and b.status = 'loaded' where event = 'ENTERQUEUE'").fetchone()[0]
        mart = conn.execute(f"select count(*) from {history['schema']}.fct_calls").fetchone()[0]
    assert raw == mart > 0


def test_docs_generate_describes_every_call_mart_column(history, tmp_path):
    import json

    run_dbt(["docs", "generate", "--select", MY_MODELS], build_schema=history["schema"], as_of=DAYS[-1],
            target_path=tmp_path)
    catalog = json.loads((tmp_path / "catalog.json").read_text())["nodes"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())["nodes"]
    for name in ("fct_calls", "call_kpis_daily", "agent_kpis_monthly"):
        key = f"model.service_warehouse.{name}"
        built = {c.lower() for c in catalog[key]["columns"]}
        documented = {c for c, spec in manifest[key]["columns"].items() if spec["description"].strip()}
        assert built, f"{name} is not in the catalog"
        assert built <= documented, f"{name}: columns without a description: {sorted(built - documented)}"
        assert catalog[key]["metadata"]["schema"] == history["schema"]
