"""The complaint marts built by real dbt on hand-made CRM rows (marts.md "Exact boundaries").

As of 2026-10-09 (as of = 2026-10-10 00:00 local). Business hours 09:00–12:00, 13:00–18:00;
National Day 10-01…07 holidays (calendar seed). Four complaints:
K1 medium, received Wed 09-30 17:00, acknowledged 10-08 12:30, resolved 10-09 11:00 (11 business
   hours), a satisfied callback on 10-09; its status history arrives twice (overlapping extracts).
K2 critical, received 10-08 10:00, never answered: breached while open.
K3 low, resolved 10-02, reopened, resolved again 10-08 16:00: counts once, on 10-08; a survey
   between the two resolutions is not its callback.
K4 low, an unknown customer, open and within target.
A fifth complaint sits only in a REPLACED batch and must not appear.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest

from _cs_raw import CsWriter, local
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

AS_OF = date(2026, 10, 9)
SCHEMA = "marts_blue"
D1, D2, D3 = date(2026, 10, 2), date(2026, 10, 8), date(2026, 10, 9)


def _complaint(cid: str, customer: str, severity: str, category: str, channel: str, received: str,
               updated: str, **extra) -> dict:
    row = dict(complaint_id=cid, customer_id=customer, severity=severity, category=category, channel=channel,
               product="P1", subject="s", received_at=local(received), updated_at=local(updated),
               status="open", reopen_count=0, is_escalated=False, owner_agent_id="A1")
    row.update(extra)
    return row


@pytest.fixture(scope="module")
def built(fresh_warehouse, tmp_path_factory):
    """Hand-made CRM history in raw, then `dbt build` of the complaint marts and everything upstream."""
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        raw = CsWriter(conn)
        raw.insert("crm_customers", [
            dict(customer_id="C1", customer_name="甲公司", customer_type="enterprise", region="East", city="上海",
                 status="active", created_at=local("2024-01-01 09:00"), updated_at=local("2024-01-01 09:00")),
            dict(customer_id="C2", customer_name="李四", customer_type="individual", region="North", city="北京",
                 status="active", created_at=local("2025-05-01 09:00"), updated_at=local("2025-05-01 09:00")),
        ], D1)
        raw.insert("crm_agents", [dict(agent_id="A1", agent_name="王芳", role="agent", updated_at=local("2024-01-01 09:00"))], D1)
        raw.insert("crm_complaints", [
            _complaint("K1", "C1", "medium", "billing", "phone", "2026-09-30 17:00", "2026-09-30 17:00"),
            _complaint("K3", "C1", "low", "service_attitude", "phone", "2026-09-29 09:00", "2026-10-02 10:00",
                       status="resolved", resolved_at=local("2026-10-02 10:00")),
        ], D1)
        raw.insert("crm_complaints", [
            _complaint("K5", "C2", "high", "billing", "email", "2026-10-08 09:00", "2026-10-08 09:00"),
        ], D2, status="replaced")
        raw.insert("crm_complaints", [
            _complaint("K1", "C1", "medium", "billing", "phone", "2026-09-30 17:00", "2026-10-08 12:30",
                       status="acknowledged", acknowledged_at=local("2026-10-08 12:30")),
            _complaint("K2", "C2", "critical", "repair", "wechat", "2026-10-08 10:00", "2026-10-08 10:00"),
            _complaint("K3", "C1", "low", "service_attitude", "phone", "2026-09-29 09:00", "2026-10-08 09:00",
                       status="reopened", reopen_count=1),
            _complaint("K3", "C1", "low", "service_attitude", "phone", "2026-09-29 09:00", "2026-10-08 16:00",
                       status="resolved", reopen_count=1, resolved_at=local("2026-10-08 16:00")),
        ], D2)
        raw.insert("crm_complaints", [
            _complaint("K1", "C1", "medium", "billing", "phone", "2026-09-30 17:00", "2026-10-09 11:00",
                       status="resolved", acknowledged_at=local("2026-10-08 12:30"), resolved_at=local("2026-10-09 11:00")),
            _complaint("K4", "C999", "low", "other", "web", "2026-10-09 17:00", "2026-10-09 17:00"),
        ], D3)
        history = [
            dict(complaint_id="K1", status="open", changed_at=local("2026-09-30 17:00")),
            dict(complaint_id="K1", status="acknowledged", changed_at=local("2026-10-08 12:30")),
            dict(complaint_id="K1", status="investigating", changed_at=local("2026-10-08 14:30")),
        ]
        raw.insert("crm_complaint_status_history", history, D2)
        raw.insert("crm_complaint_status_history", history[1:] + [
            dict(complaint_id="K1", status="resolved", changed_at=local("2026-10-09 11:00"))], D3)
        raw.insert("crm_surveys", [
            dict(survey_id="S1", customer_id="C1", subject_type="complaint", subject_id="K1", channel="phone",
                 surveyed_at=local("2026-10-09 14:00"), score_overall=5, updated_at=local("2026-10-09 14:00")),
            dict(survey_id="S2", customer_id="C1", subject_type="complaint", subject_id="K3", channel="sms",
                 surveyed_at=local("2026-10-03 10:00"), score_overall=1, updated_at=local("2026-10-03 10:00")),
        ], D3)
    target = tmp_path_factory.mktemp("dbt_target")
    run_dbt(["build", "--indirect-selection", "cautious", "--select", "+fct_complaints", "+complaint_kpis_daily"], build_schema=SCHEMA, as_of=AS_OF,
            target_path=target)
    with psycopg.connect(fresh_warehouse) as conn:
        conn.row_factory = psycopg.rows.dict_row
        complaints = {r["complaint_id"]: r for r in conn.execute(f"select * from {SCHEMA}.fct_complaints")}
        kpis = conn.execute(f"select * from {SCHEMA}.complaint_kpis_daily").fetchall()
    return complaints, kpis


def test_fct_complaints_one_row_per_live_complaint(built):
    complaints, _ = built
    assert sorted(complaints) == ["K1", "K2", "K3", "K4"]  # K5 was only in a replaced batch


def test_fct_complaints_business_time_and_sla(built):
    k1 = built[0]["K1"]
    assert k1["first_response_business_minutes"] == Decimal("240.00")  # 1 h on 09-30, 3 h on 10-08 (12:30 in lunch)
    assert k1["resolution_business_hours"] == Decimal("11.0000")  # 1 + 8 + 2
    assert k1["response_breach_at"] == local("2026-10-08 12:00")
    assert k1["is_response_sla_met"] is False and k1["is_resolution_sla_met"] is True
    assert k1["resolution_hours"] == Decimal("210.0000")  # calendar: 8 days 18 hours
    assert k1["hours_investigating"] == Decimal("20.5000")  # 10-08 14:30 → resolved 10-09 11:00
    assert k1["status_changes"] == 4  # the overlapping extract's repeats count once


def test_fct_complaints_breach_while_open_is_false_not_null(built):
    k2, k4 = built[0]["K2"], built[0]["K4"]
    assert (k2["is_response_sla_met"], k2["is_resolution_sla_met"], k2["is_breached_while_open"]) == (False, False, True)
    assert (k4["is_response_sla_met"], k4["is_resolution_sla_met"]) == (None, None)
    assert k4["is_unknown_customer"] is True and k4["region"] is None


def test_fct_complaints_reopened_keeps_final_resolution_and_callback_after_it(built):
    k1, k3 = built[0]["K1"], built[0]["K3"]
    assert k3["resolved_at"] == local("2026-10-08 16:00") and k3["is_reopened"] is True
    assert k3["has_callback"] is False and k3["is_callback_satisfied"] is None  # S2 predates the final resolution
    assert k1["has_callback"] is True and k1["is_callback_satisfied"] is True


def test_complaint_kpis_daily_counts_by_day(built):
    rows = {(r["local_date"], r["category"]): r for r in built[1]}
    k3_day = rows[(D2, "service_attitude")]
    assert (k3_day["resolved"], k3_day["resolved_within_sla"], k3_day["timely_resolution_rate"]) == (1, 1, 1)
    assert k3_day["reopen_rate"] == 1 and k3_day["callback_rate"] == 0
    assert (date(2026, 10, 2), "service_attitude") not in rows or rows[(date(2026, 10, 2), "service_attitude")]["resolved"] == 0
    k1_day = rows[(D3, "billing")]
    assert (k1_day["resolved"], k1_day["callback_rate"], k1_day["callback_satisfaction_rate"]) == (1, 1, 1)
    assert k1_day["median_resolution_hours"] == Decimal("210.0000")
    # K2: open at the end of 10-08 (not yet breached), breached at the end of 10-09
    assert (rows[(D2, "repair")]["open_backlog"], rows[(D2, "repair")]["breached_backlog"]) == (1, 0)
    assert (rows[(D3, "repair")]["open_backlog"], rows[(D3, "repair")]["breached_backlog"]) == (1, 1)
    assert rows[(D3, "other")]["region"] == "unknown" and rows[(D3, "other")]["received"] == 1
    # K1 is in the backlog from 09-30 to 10-08, not on 10-09 when it was resolved
    assert rows[(D2, "billing")]["open_backlog"] == 1 and rows[(D3, "billing")]["open_backlog"] == 0
    assert sum(r["received"] for r in built[1]) == 4
    assert sum(r["resolved"] for r in built[1]) == 2
    assert all(r["local_date"] <= AS_OF for r in built[1])
    assert min(r["local_date"] for r in built[1]) == AS_OF - timedelta(days=10)
