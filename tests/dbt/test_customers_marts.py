"""The customer marts built by real dbt on hand-made CRM rows; personal data and documentation.

As of 2026-10-31 (as of = 2026-11-01 00:00 local). Customers:
C1 enterprise, opened 2024-01-01 (established), 600 invoiced in October (200 unpaid, credit
   limit 100), latest survey score 2 (at risk), complaints on 08-01 (outside 90 days) and 08-03;
C2 individual, opened 2026-04-01 (new), 300 invoiced, two complaints in 90 days (at risk);
C3 enterprise, opened 2023-10-31 (loyal: 3 years and a day), 100 invoiced, an open critical
   complaint; moved region West → South (snapshot history);
C4 opened 2025-09-01, closed on 2026-10-15 (churned by closing); C5 silent since 2026-03-01 (churned 08-28);
C6 opened 2026-10-05 (new in October); C7 opened 2026-09-20 with a closing version dated 2026-08-10
(a CRM data error: it churns in September, the month it opened, not in August).
Old contacts keep C1, C3, C4 from churning by silence.
Revenue 600 / 300 / 100 / 50 of 1050: grades A, A, B (85.7 % before it), C (95.2 %), C4/C6 none → C.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from _cs_raw import CsWriter, local
from service_warehouse.transform import run_dbt

pytestmark = pytest.mark.integration

AS_OF = date(2026, 10, 31)
SCHEMA = "marts_blue"
D0, D1 = date(2026, 10, 20), date(2026, 10, 31)
MY_MARTS = ["dim_customer", "dim_customer_history", "customer_monthly", "customer_kpis_monthly", "fct_complaints",
            "complaint_kpis_daily", "fct_repairs", "repair_kpis_monthly", "technician_points_monthly",
            "satisfaction_monthly"]
#: contacts every < 180 days since opening, so that only C4 (closing) and C5 (silence) churn
KEEP_ALIVE = [("C1", d) for d in ("2024-05-01", "2024-09-15", "2025-02-01", "2025-07-01", "2025-11-15", "2026-04-01")] \
    + [("C3", d) for d in ("2024-03-15", "2024-08-01", "2024-12-15", "2025-05-01", "2025-09-15", "2026-02-01")] \
    + [("C4", d) for d in ("2026-03-15", "2026-08-01")]
PERSONAL = {"email": "c1@example.cn", "id_number": "310101199001011234", "address": "上海市黄浦路1号"}


def _customer(cid: str, ctype: str, region: str, created: str, updated: str, status: str = "active", **extra) -> dict:
    row = dict(customer_id=cid, customer_name=f"客户{cid}", customer_type=ctype, industry="制造业",
               size_class="medium", region=region, city="上海", status=status, created_at=local(created),
               updated_at=local(updated), credit_limit=None, is_key_account=False)
    row.update(extra)
    return row


def _invoice(iid: str, cid: str, amount: str, at: str, paid: str | None = None) -> dict:
    return dict(invoice_id=iid, customer_id=cid, amount=Decimal(amount), currency="CNY", invoiced_at=local(at),
                paid_at=local(paid) if paid else None, updated_at=local(paid or at))


def _complaint(kid: str, cid: str, received: str, severity: str = "low", status: str = "resolved") -> dict:
    resolved = local(received) if status == "resolved" else None
    return dict(complaint_id=kid, customer_id=cid, severity=severity, category="billing", channel="phone",
                received_at=local(received), resolved_at=resolved, status=status, updated_at=local(received))


def _survey(sid: str, cid: str, at: str, score: int, nps: int | None) -> dict:
    return dict(survey_id=sid, customer_id=cid, subject_type="call", subject_id="x", channel="phone",
                surveyed_at=local(at), score_overall=score, nps_score=nps, updated_at=local(at))


@pytest.fixture(scope="module")
def built(fresh_warehouse, tmp_path_factory):
    """Snapshot the customer file, change it, build the customer marts, generate the docs."""
    target = tmp_path_factory.mktemp("dbt_target")
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        raw = CsWriter(conn)
        raw.insert("crm_customers", [
            _customer("C1", "enterprise", "East", "2024-01-01 09:00", "2024-01-01 09:00", phone="+86 138-1234-5678",
                      credit_limit=Decimal("100"), is_key_account=True, **PERSONAL),
            _customer("C2", "individual", "North", "2026-04-01 09:00", "2026-04-01 09:00", phone="13900001111"),
            _customer("C3", "enterprise", "West", "2023-10-31 09:00", "2023-10-31 09:00"),
            _customer("C4", "enterprise", "East", "2025-01-01 09:00", "2025-01-01 09:00"),
            _customer("C5", "individual", "East", "2026-01-01 09:00", "2026-01-01 09:00"),
        ], D0)
    run_dbt(["build", "--indirect-selection", "cautious", "--select", "+crm_customers_snapshot"],
            build_schema=SCHEMA, as_of=D0, target_path=target)
    with psycopg.connect(fresh_warehouse, autocommit=True) as conn:
        raw = CsWriter(conn)
        raw.insert("crm_customers", [
            _customer("C3", "enterprise", "South", "2023-10-31 09:00", "2026-10-21 09:00"),
            _customer("C4", "enterprise", "East", "2025-09-01 09:00", "2026-10-15 10:00", status="closed"),
            _customer("C6", "individual", "East", "2026-10-05 09:00", "2026-10-05 09:00"),
            _customer("C7", "individual", "East", "2026-09-20 09:00", "2026-08-10 09:00", status="closed"),
        ], D1)
        raw.insert("crm_invoices", [
            _invoice("I1", "C1", "400", "2026-10-10 10:00", "2026-10-20 10:00"),
            _invoice("I2", "C1", "200", "2026-10-25 10:00"),
            _invoice("I3", "C2", "300", "2026-09-15 10:00", "2026-09-20 10:00"),
            _invoice("I4", "C3", "100", "2026-06-15 10:00", "2026-06-20 10:00"),
            _invoice("I5", "C5", "50", "2026-03-01 10:00", "2026-03-01 11:00"),
            _invoice("I6", "C4", "999", "2025-10-31 23:59", "2025-11-05 10:00"),  # before the 12 months
        ], D1)
        raw.insert("crm_complaints", [
            _complaint("K1", "C1", "2026-08-01 10:00"), _complaint("K2", "C1", "2026-08-03 10:00"),
            _complaint("K3", "C2", "2026-09-01 10:00"), _complaint("K4", "C2", "2026-10-30 10:00"),
            _complaint("K5", "C3", "2026-07-01 10:00", severity="critical", status="investigating"),
        ] + [_complaint(f"F{n}", cid, f"{day} 10:00") for n, (cid, day) in enumerate(KEEP_ALIVE)], D1)
        raw.insert("crm_surveys", [
            _survey("S1", "C1", "2026-10-02 10:00", 5, 10), _survey("S2", "C1", "2026-10-22 10:00", 2, 3),
            _survey("S3", "C2", "2026-10-23 10:00", 4, 8),
        ], D1)
    run_dbt(["build", "--indirect-selection", "cautious", "--select",
             "+dim_customer", "+dim_customer_history", "+customer_monthly", "+customer_kpis_monthly"],
            build_schema=SCHEMA, as_of=AS_OF, target_path=target)
    run_dbt(["docs", "generate"], build_schema=SCHEMA, as_of=AS_OF, target_path=target)
    with psycopg.connect(fresh_warehouse) as conn:
        conn.row_factory = psycopg.rows.dict_row
        result = {
            "customers": {r["customer_id"]: r for r in conn.execute(f"select * from {SCHEMA}.dim_customer")},
            "history": conn.execute(f"select * from {SCHEMA}.dim_customer_history order by customer_id, valid_from").fetchall(),
            "monthly": {(r["customer_id"], r["month"]): r for r in conn.execute(f"select * from {SCHEMA}.customer_monthly")},
            "kpis": {(r["month"], r["customer_type"], r["value_grade"]): r
                     for r in conn.execute(f"select * from {SCHEMA}.customer_kpis_monthly")},
            "url": fresh_warehouse,
            "target": target,
        }
    return result


def test_dim_customer_grades_tenure_credit(built):
    c = built["customers"]
    assert {k: v["value_grade"] for k, v in c.items()} == {"C1": "A", "C2": "A", "C3": "B", "C4": "C", "C5": "C", "C6": "C",
                                                          "C7": "C"}
    assert [c[k]["tenure_class"] for k in ("C1", "C2", "C3", "C6")] == ["established", "new", "loyal", "new"]
    c1 = c["C1"]
    assert (c1["invoiced_last_30d"], c1["outstanding_amount"], c1["is_over_credit_limit"]) == (600, 200, True)
    assert c1["phone_masked"] == "138****5678" and c["C2"]["phone_masked"] == "139****1111"


def test_dim_customer_at_risk_reasons(built):
    c = built["customers"]
    assert c["C1"]["risk_reasons"] == "low_latest_survey" and c["C1"]["complaints_90d"] == 1
    assert c["C2"]["risk_reasons"] == "complaints_90d"
    assert c["C3"]["risk_reasons"] == "open_critical_complaint"
    assert [c[k]["is_at_risk"] for k in ("C4", "C5", "C6")] == [False, False, False]


def test_dim_customer_churn(built):
    c = built["customers"]
    assert (c["C4"]["churn_date"], c["C4"]["churn_reason"]) == (date(2026, 10, 15), "closed")
    assert (c["C5"]["churn_date"], c["C5"]["churn_reason"]) == (date(2026, 8, 28), "silent")
    assert c["C1"]["churn_date"] is None


def test_customer_kpis_monthly_october(built):
    october = built["kpis"][(date(2026, 10, 1), "all", "all")]
    assert (october["customers_at_start"], october["new_customers"], october["churned_customers"],
            october["customers_at_end"]) == (4, 1, 1, 4)
    assert october["churn_rate"] == Decimal("0.25") and october["growth_rate"] == 0
    assert october["surveys"] == 3 and abs(october["csat"] - Decimal(2) / Decimal(3)) < Decimal("1e-12")
    assert october["nps"] == Decimal("0.0000")  # one promoter (10), one detractor (3), one passive (8)
    august = built["kpis"][(date(2026, 8, 1), "all", "all")]
    assert august["churned_customers"] == 1  # C5, once, in the month it happened (not C7: closed before it opened)
    assert built["kpis"][(date(2026, 10, 1), "enterprise", "all")]["churned_customers"] == 1
    september = built["kpis"][(date(2026, 9, 1), "all", "all")]
    assert (september["new_customers"], september["churned_customers"]) == (1, 1)  # C7 opens and churns
    for key, row in built["kpis"].items():
        assert row["customers_at_end"] == row["customers_at_start"] + row["new_customers"] - row["churned_customers"], key


def test_dim_customer_keeps_the_recorded_closing_date(built):
    c7 = built["customers"]["C7"]
    assert (c7["churn_date"], c7["churn_reason"]) == (date(2026, 8, 10), "closed")


def test_customer_monthly(built):
    c1 = built["monthly"][("C1", date(2026, 10, 1))]
    assert (c1["invoices"], c1["invoiced_amount"], c1["surveys"], c1["is_active"]) == (2, 600, 2, True)
    assert c1["avg_score_overall"] == Decimal("3.5000")
    assert built["monthly"][("C5", date(2026, 9, 1))]["is_active"] is False


def test_dim_customer_history_from_snapshot(built):
    c3 = [r for r in built["history"] if r["customer_id"] == "C3"]
    assert [r["region"] for r in c3] == ["West", "South"]
    assert c3[0]["valid_to"] == local("2026-10-21 09:00") and c3[1]["is_current"] and not c3[0]["is_current"]


def test_marts_hold_no_personal_data(built):
    with psycopg.connect(built["url"]) as conn:
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns where table_schema = %s", (SCHEMA,)
        ).fetchall()
        assert not [c for c in columns if c[1] in ("phone", "email", "id_number", "address", "phone_digits")]
        for table in {t for t, _ in columns}:
            text = conn.execute(f"select coalesce(string_agg(t::text, ' '), '') from {SCHEMA}.{table} as t").fetchone()[0]
            for value in (*PERSONAL.values(), "1234-5678", "13900001111"):
                assert value not in text, f"{value} leaked into {SCHEMA}.{table}"


def test_docs_describe_every_mart_column(built):
    """Every mart enforces its contract (its table has exactly the YAML columns), so a
    description on every YAML column, and on every column the catalog finds, covers them all."""
    manifest = json.loads((built["target"] / "manifest.json").read_text())
    catalog = json.loads((built["target"] / "catalog.json").read_text())
    marts = {node["name"]: (uid, node) for uid, node in manifest["nodes"].items()
             if node["resource_type"] == "model" and node["name"] in MY_MARTS}
    assert sorted(marts) == sorted(MY_MARTS)
    for name, (uid, node) in marts.items():
        assert node["description"].strip(), f"{name} has no description"
        assert node["config"]["contract"]["enforced"], f"{name} does not enforce its contract"
        assert node["columns"], f"{name} declares no columns"
        for column, spec in node["columns"].items():
            assert spec["description"].strip(), f"{name}.{column} has no description"
            assert spec["data_type"], f"{name}.{column} has no data type"
        if uid in catalog["nodes"]:  # built here: the table's columns are the documented ones
            assert set(catalog["nodes"][uid]["columns"]) == set(node["columns"]), name
    assert sum(1 for uid, _ in marts.values() if uid in catalog["nodes"]) >= 4
