"""The repair marts built by real dbt on hand-made work-order rows.

Covers the latest-state tie rule (instants, then the later day's file, then the later line),
a batch that was replaced, the punctuality / timeliness / rework flags as stored in the mart,
repair_kpis_monthly and technician_points_monthly. As of 2026-10-31.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from _cs_raw import CsWriter, local
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

AS_OF = date(2026, 10, 31)
SCHEMA = "marts_green"
D1, D2 = date(2026, 10, 1), date(2026, 10, 2)
OCT = date(2026, 10, 1)


def _order(wid: str, updated: str, status: str, **extra) -> dict:
    row = dict(work_order_id=wid, customer_id="C1", technician_id="T1", category="plumbing", urgency="routine",
               source_channel="phone", reported_at=local("2026-10-01 09:00"), status=status,
               updated_at=local(updated))
    row.update(extra)
    return row


DONE = dict(arrived_at=local("2026-10-01 10:05"), completed_at=local("2026-10-01 12:00"),
            appointment_start=local("2026-10-01 10:00"), appointment_end=local("2026-10-01 12:00"))


@pytest.fixture(scope="module")
def built(fresh_warehouse, tmp_path_factory):
    """Raw work orders over two days' files, then `dbt build` of the repair marts."""
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        raw = CsWriter(conn)
        raw.insert("crm_customers", [
            dict(customer_id="C1", customer_type="individual", region="East", status="active",
                 created_at=local("2025-01-01 09:00"), updated_at=local("2025-01-01 09:00"))], D1)
        raw.insert("crm_agents", [
            dict(agent_id="T1", role="technician", updated_at=local("2024-01-01 09:00")),
            dict(agent_id="T2", role="technician", updated_at=local("2024-01-01 09:00"))], D1)
        raw.insert("work_orders", [
            _order("W1", "2026-10-01 18:00", "dispatched"),
            _order("W2", "2026-10-01 18:00", "dispatched"),
            _order("W2", "2026-10-01 18:00", "in_progress"),                 # same instant, later line
            _order("W3", "2026-10-02 01:00", "completed", **DONE, inspection_result="pass",
                   fee_amount=Decimal("120.00"), fee_paid=True, callback_called_at=local("2026-10-03 10:00"),
                   callback_satisfied=True),
        ], D1)
        raw.insert("work_orders", [
            _order("W1", "2026-10-01 18:00", "completed", **DONE, inspection_result="fail",
                   fee_amount=Decimal("80.00"), fee_paid=False),               # same instant, later day's file
            _order("W3", "2026-10-01 17:00", "in_progress"),                 # earlier instant in a later file
            # emergency: arrived 31 min after the report (not timely), a safety incident
            _order("W4", "2026-10-02 12:00", "completed", urgency="emergency", technician_id="T2",
                   category="elevator", reported_at=local("2026-10-02 08:00"), arrived_at=local("2026-10-02 08:31"),
                   completed_at=local("2026-10-02 11:00"), safety_incident=True),
            # same customer and category as W1/W3, reported 29 days after they completed: rework
            _order("W5", "2026-10-30 09:00", "reported", reported_at=local("2026-10-30 09:00")),
        ], D2)
        raw.insert("work_orders", [_order("W6", "2026-10-02 09:00", "completed", **DONE)], D2, status="replaced")
    target = tmp_path_factory.mktemp("dbt_target")
    run_dbt(["build", "--indirect-selection", "cautious", "--select",
             "+fct_repairs", "+repair_kpis_monthly", "+technician_points_monthly"],
            build_schema=SCHEMA, as_of=AS_OF, target_path=target)
    with psycopg.connect(fresh_warehouse) as conn:
        conn.row_factory = psycopg.rows.dict_row
        repairs = {r["work_order_id"]: r for r in conn.execute(f"select * from {SCHEMA}.fct_repairs")}
        kpis = conn.execute(f"select * from {SCHEMA}.repair_kpis_monthly order by category, urgency").fetchall()
        points = {r["technician_id"]: r for r in conn.execute(f"select * from {SCHEMA}.technician_points_monthly")}
    return repairs, kpis, points


def test_fct_repairs_latest_state_tie_rule(built):
    repairs = built[0]
    assert sorted(repairs) == ["W1", "W2", "W3", "W4", "W5"]  # W6 only in a replaced batch
    assert repairs["W1"]["status"] == "completed"  # tie on the instant: the later day's file
    assert repairs["W2"]["status"] == "in_progress"  # tie within a file: the later line
    assert repairs["W3"]["status"] == "completed"  # the greater instant wins over the later file


def test_fct_repairs_flags(built):
    repairs = built[0]
    w1, w4, w5 = repairs["W1"], repairs["W4"], repairs["W5"]
    assert (w1["is_punctual"], w1["is_timely"], w1["is_rework"]) == (True, True, True)
    assert (w4["is_timely"], w4["is_punctual"], w4["safety_incident"]) == (False, None, True)
    assert (w5["is_timely"], w5["is_rework"], w5["work_points"]) == (None, None, 0)
    assert w1["turnaround_hours"] == Decimal("3.0000") and w1["on_site_hours"] == Decimal("1.9167")
    assert w4["work_points"] == Decimal("2.0") and w4["region"] == "East"


def test_repair_kpis_monthly(built):
    rows = {(r["category"], r["urgency"]): r for r in built[1]}
    plumbing = rows[("plumbing", "routine")]
    assert plumbing["month"] == OCT
    assert (plumbing["orders"], plumbing["completed"]) == (4, 2)  # W1, W2, W3, W5 reported; W1, W3 completed
    assert plumbing["timely_rate"] == 1 and plumbing["punctuality_rate"] == 1
    assert plumbing["pass_rate"] == Decimal("0.5")  # one pass, one fail
    assert plumbing["rework_rate"] == 1 and plumbing["first_time_fix_rate"] == 0  # W5 follows both
    assert plumbing["callback_rate"] == Decimal("0.5") and plumbing["callback_satisfaction_rate"] == 1
    assert plumbing["paid_revenue"] == Decimal("120.00")
    elevator = rows[("elevator", "emergency")]
    assert (elevator["completed"], elevator["timely_rate"], elevator["punctuality_rate"]) == (1, 0, None)


def test_technician_points_monthly(built):
    points = built[2]
    t1, t2 = points["T1"], points["T2"]
    assert (t1["orders"], t1["work_points"], t1["points_after_penalty"]) == (2, Decimal("2.0"), Decimal("2.0"))
    assert (t2["work_points"], t2["safety_incidents"], t2["points_after_penalty"]) == (Decimal("2.0"), 1, Decimal("0.0"))
    assert t1["bonus_amount"] == 0 and t1["quarter_rank"] == 1 and t2["quarter_rank"] == 2
