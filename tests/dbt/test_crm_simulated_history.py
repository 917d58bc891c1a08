"""Headline KPIs of the CRM / complaint / repair / customer marts on a small simulated history.

The simulator plays 30 days (2026-09-14 … 10-13: National Day and both of its 调休 working
weekend days), the real loaders land them, real dbt builds every mart of ours and its upstream
(all data and unit tests run). Then the KPIs are recomputed here, independently, from the raw
rows: latest versions deduplicated in Python, business time walked minute-free over the
chinese_calendar working days, grades, rework and points from the rules in marts.md.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import psycopg
import pytest

from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Shanghai")
START, DAYS = date(2026, 9, 14), 30
AS_OF = START + timedelta(days=DAYS - 1)
AS_OF_AT = datetime.combine(AS_OF + timedelta(days=1), time(0), TZ)
SCHEMA = "marts_green"
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
MARTS = ["fct_complaints", "complaint_kpis_daily", "fct_repairs", "repair_kpis_monthly", "technician_points_monthly",
         "dim_customer", "customer_kpis_monthly", "satisfaction_monthly", "service_level_monthly"]


def _seed(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


HOURS = [(time.fromisoformat(r["open_time"]), time.fromisoformat(r["close_time"])) for r in _seed("business_hours")]
SLA = {r["severity"]: r for r in _seed("complaint_sla_targets")}


def _intervals(day: date):
    if not chinese_calendar.is_workday(day):
        return []
    return [(datetime.combine(day, o, TZ), datetime.combine(day, c, TZ)) for o, c in HOURS]


def business_breach(start: datetime, hours: float) -> datetime:
    """Walk the working days from start until `hours` business hours are used up."""
    remaining = timedelta(hours=hours)
    day = start.astimezone(TZ).date()
    while True:
        for opening, closing in _intervals(day):
            begin = max(opening, start)
            if begin < closing:
                if remaining <= closing - begin:
                    return begin + remaining
                remaining -= closing - begin
        day += timedelta(days=1)


def business_hours_between(start: datetime, end: datetime) -> float:
    total = timedelta()
    day = start.astimezone(TZ).date()
    while day <= end.astimezone(TZ).date():
        for opening, closing in _intervals(day):
            overlap = min(closing, end) - max(opening, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def _latest(conn, table: str, key: str) -> dict[str, dict]:
    """The latest version per key from raw, in Python: greatest updated_at, then day, then line."""
    rows = conn.execute(
        f"select r.* from raw.{table} as r join audit.load_batches as b on b.batch_id = r._batch_id "
        "where b.status = 'loaded'"
    ).fetchall()
    best: dict[str, dict] = {}
    for row in rows:
        rank = (row["updated_at"], row["_logical_date"], row["_batch_id"], row["_line_number"])
        if row[key] not in best or rank > best[row[key]]["_rank"]:
            best[row[key]] = {**row, "_rank": rank}
    return best


@pytest.fixture(scope="module")
def world(fresh_warehouse, tmp_path_factory):
    """Simulate, load, build; return raw latest states and the marts."""
    from service_warehouse.loaders import load_pending
    from service_warehouse.simulator import simulate

    landing = tmp_path_factory.mktemp("landing")
    mp = pytest.MonkeyPatch()
    mp.setenv("SVCWH_LANDING_DIR", str(landing))
    try:
        simulate(DAYS, start=START, preset="tiny", seed=20261001, landing_dir=landing)
        for result in load_pending(AS_OF):
            result.raise_for_status()
        run_dbt(["build", "--indirect-selection", "cautious", "--select", *[f"+{m}" for m in MARTS]],
                build_schema=SCHEMA, as_of=AS_OF, target_path=tmp_path_factory.mktemp("dbt_target"))
    finally:
        mp.undo()
    with psycopg.connect(fresh_warehouse) as conn:
        conn.row_factory = psycopg.rows.dict_row
        out = {
            "complaints": _latest(conn, "crm_complaints", "complaint_id"),
            "customers": _latest(conn, "crm_customers", "customer_id"),
            "orders": _latest(conn, "work_orders", "work_order_id"),
            "invoices": _latest(conn, "crm_invoices", "invoice_id"),
            "surveys": _latest(conn, "crm_surveys", "survey_id"),
        }
        for mart in [*MARTS, "call_kpis_daily"]:
            out[mart] = conn.execute(f"select * from {SCHEMA}.{mart}").fetchall()
    return out


def test_simulated_complaints_reconcile_with_the_crm(world):
    assert len(world["fct_complaints"]) == len(world["complaints"]) > 20
    received = Counter(c["received_at"].astimezone(TZ).date() for c in world["complaints"].values()
                       if c["received_at"] < AS_OF_AT)
    kpi_received = Counter()
    for row in world["complaint_kpis_daily"]:
        kpi_received[row["local_date"]] += row["received"]
    assert +kpi_received == received


def test_simulated_complaint_sla_in_business_time(world):
    """Breach instants, business hours and 投诉处理及时率 agree with an independent walk."""
    marts = {r["complaint_id"]: r for r in world["fct_complaints"]}
    business_rows = met_total = resolved_total = 0
    for cid, raw in world["complaints"].items():
        target = SLA[raw["severity"]]
        hours, response_hours = float(target["resolution_target_hours"]), float(target["response_target_hours"])
        if target["is_business_time"] == "true":
            breach = business_breach(raw["received_at"], hours)
            response_breach = business_breach(raw["received_at"], response_hours)
            business_rows += 1
        else:
            breach = raw["received_at"] + timedelta(hours=hours)
            response_breach = raw["received_at"] + timedelta(hours=response_hours)
        mart = marts[cid]
        assert (mart["resolution_breach_at"], mart["response_breach_at"]) == (breach, response_breach), cid
        if raw["acknowledged_at"] is not None:
            expected = business_hours_between(raw["received_at"], raw["acknowledged_at"]) * 60
            assert abs(float(mart["first_response_business_minutes"]) - expected) < 0.01, cid
            assert mart["is_response_sla_met"] is (raw["acknowledged_at"] <= response_breach), cid
        if raw["resolved_at"] is not None:
            met = raw["resolved_at"] <= breach
            assert mart["is_resolution_sla_met"] is met, cid
            expected = business_hours_between(raw["received_at"], raw["resolved_at"])
            assert abs(float(mart["resolution_business_hours"]) - expected) < 0.001, cid
            if raw["resolved_at"] < AS_OF_AT:
                resolved_total += 1
                met_total += met
        else:
            assert mart["is_resolution_sla_met"] is (False if AS_OF_AT > breach else None), cid
    assert business_rows > 10
    kpis = world["complaint_kpis_daily"]
    assert sum(r["resolved"] for r in kpis) == resolved_total
    assert sum(r["resolved_within_sla"] for r in kpis) == met_total


def _repair_flags(order: dict, orders: list[dict]) -> dict:
    reported, arrived, completed = order["reported_at"], order["arrived_at"], order["completed_at"]
    if order["urgency"] == "emergency":
        timely = None if arrived is None else arrived - reported <= timedelta(minutes=30)
    elif completed is None:
        timely = None
    elif order["appointment_end"] is not None:
        timely = completed <= order["appointment_end"]
    else:
        timely = completed - reported <= timedelta(hours=48)
    rework = None
    if completed is not None:
        rework = any(o["work_order_id"] != order["work_order_id"] and o["customer_id"] == order["customer_id"]
                     and o["category"] == order["category"]
                     and completed < o["reported_at"] <= completed + timedelta(days=30) for o in orders)
    return {"is_timely": timely, "is_rework": rework}


def test_simulated_repairs_timeliness_rework_and_points(world):
    orders = list(world["orders"].values())
    marts = {r["work_order_id"]: r for r in world["fct_repairs"]}
    assert set(marts) == set(world["orders"]) and len(orders) > 20
    for order in orders:
        flags = _repair_flags(order, orders)
        assert (marts[order["work_order_id"]]["is_timely"], marts[order["work_order_id"]]["is_rework"]) == (
            flags["is_timely"], flags["is_rework"]), order["work_order_id"]
    points = {p["category"]: Decimal(p["work_points"]) for p in _seed("repair_category_points")}
    expected = defaultdict(Decimal)
    completed_by_month = Counter()
    for order in orders:
        if order["status"] == "completed" and order["completed_at"] < AS_OF_AT:
            month = order["completed_at"].astimezone(TZ).date().replace(day=1)
            completed_by_month[month] += 1
            if order["technician_id"]:
                expected[(order["technician_id"], month)] += points.get(order["category"], points["other"]) - (
                    2 if order["safety_incident"] else 0)
    got = {(r["technician_id"], r["month"]): r["points_after_penalty"] for r in world["technician_points_monthly"]}
    assert got == dict(expected)
    by_month = Counter()
    for row in world["repair_kpis_monthly"]:
        by_month[row["month"]] += row["completed"]
    assert +by_month == completed_by_month


def test_simulated_value_grades_and_csat(world):
    start = datetime.combine(AS_OF + timedelta(days=1), time(0), TZ).replace(year=AS_OF.year - 1)
    revenue = defaultdict(Decimal)
    for invoice in world["invoices"].values():
        if invoice["customer_id"] and start <= invoice["invoiced_at"] < AS_OF_AT:
            revenue[invoice["customer_id"]] += invoice["amount"]
    ranked = sorted(((-amount, cid) for cid, amount in revenue.items() if amount > 0))
    total = sum(revenue[cid] for _, cid in ranked)
    grades, before = {}, Decimal(0)
    for _, cid in ranked:
        share = before / total
        grades[cid] = "A" if share < Decimal("0.8") else "B" if share < Decimal("0.95") else "C"
        before += revenue[cid]
    got = {r["customer_id"]: r["value_grade"] for r in world["dim_customer"]}
    assert set(got) == set(world["customers"])
    assert got == {cid: grades.get(cid, "C") for cid in world["customers"]}
    assert Counter(got.values())["A"] >= 1
    # csat (top-2 box) per month and subject
    surveys = defaultdict(list)
    for survey in world["surveys"].values():
        if survey["surveyed_at"] < AS_OF_AT and survey["score_overall"] is not None:
            surveys[(survey["surveyed_at"].astimezone(TZ).date().replace(day=1), survey["subject_type"])].append(
                survey["score_overall"])
    got_csat = {(r["month"], r["subject_type"]): r["csat"] for r in world["satisfaction_monthly"]}
    assert set(got_csat) == set(surveys)
    for key, scores in surveys.items():
        assert abs(float(got_csat[key]) - sum(s >= 4 for s in scores) / len(scores)) < 1e-9, key


def test_simulated_overall_service_level(world):
    """客户服务水平 = met goals ÷ services, its complaint and repair parts from raw, calls from call_kpis_daily."""
    parts: dict[date, list[int]] = defaultdict(lambda: [0] * 6)
    for row in world["call_kpis_daily"]:
        month = row["local_date"].replace(day=1)
        parts[month][0] += row["answered_within_threshold"]
        parts[month][1] += row["offered"] - row["short_abandons"]
    marts = {r["complaint_id"]: r for r in world["fct_complaints"]}
    for cid, raw in world["complaints"].items():
        if raw["resolved_at"] is not None and raw["resolved_at"] < AS_OF_AT:
            month = raw["resolved_at"].astimezone(TZ).date().replace(day=1)
            parts[month][2] += bool(marts[cid]["is_resolution_sla_met"])
            parts[month][3] += 1
    orders = list(world["orders"].values())
    for order in orders:
        if order["status"] == "completed" and order["completed_at"] < AS_OF_AT:
            month = order["completed_at"].astimezone(TZ).date().replace(day=1)
            parts[month][4] += bool(_repair_flags(order, orders)["is_timely"])
            parts[month][5] += 1
    got = {r["month"]: r for r in world["service_level_monthly"]}
    assert set(got) == set(parts)
    for month, (calls_met, calls, complaints_met, complaints, repairs_met, repairs) in parts.items():
        row = got[month]
        assert (row["calls_within_threshold"], row["calls_offered_net"], row["complaints_resolved_within_sla"],
                row["complaints_resolved"], row["repairs_timely"], row["repairs_completed"]) == (
            calls_met, calls, complaints_met, complaints, repairs_met, repairs), month
        expected = (calls_met + complaints_met + repairs_met) / (calls + complaints + repairs)
        assert abs(float(row["overall_service_level"]) - expected) < 1e-9
