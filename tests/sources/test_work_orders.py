"""Work-order JSON Lines parser: typed columns plus the document; every fault quarantined."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from service_warehouse.errors import SourceFileError
from service_warehouse.sources import parse_work_orders, work_orders

DOC = {
    "work_order_id": "WO-2026-000123", "customer_id": "C000042", "reported_at": "2026-08-03T09:00:00+08:00",
    "source_channel": "phone", "category": "plumbing", "urgency": "emergency", "description": "漏水",
    "address": "上海市", "appointment": {"start": "2026-08-03T10:00:00+08:00", "end": "2026-08-03T12:00:00+08:00"},
    "dispatched_at": "2026-08-03T09:05:00+08:00", "technician_id": "A0107",
    "arrived_at": "2026-08-03T02:08:00Z", "completed_at": "2026-08-03T11:00:00+08:00", "status": "completed",
    "inspection": {"result": "pass", "inspected_at": "2026-08-03T11:30:00+08:00"},
    "fee": {"amount": 120.0, "currency": "CNY", "paid": True}, "customer_signed": True,
    "parts": [{"sku": "P-881", "qty": 1, "unit_price": 35.0}],
    "callback": {"called_at": "2026-08-03T15:00:00+08:00", "satisfied": True, "score": 5},
    "safety_incident": False, "updated_at": "2026-08-03T15:00:00+08:00",
}  # fmt: skip


def _line(**changes) -> str:
    doc = json.loads(json.dumps(DOC))
    for key, value in changes.items():
        if value is ...:
            doc.pop(key)
        else:
            doc[key] = value
    return json.dumps(doc, ensure_ascii=False)


def test_parse_work_orders_types_columns_and_keeps_the_document(parse):
    minimal = json.dumps({"work_order_id": "WO-2", "updated_at": "2026-08-03T09:00:00+08:00", "appointment": None})
    rows, rejected, _ = parse(parse_work_orders, (_line() + "\r\n" + minimal + "\n").encode())
    assert rejected == []
    row = dict(zip(work_orders.COLUMNS, rows[0].values))
    assert row["arrived_at"] == datetime(2026, 8, 3, 2, 8, tzinfo=UTC)
    assert row["appointment_start"].utcoffset().total_seconds() == 8 * 3600
    assert (row["fee_amount"], row["fee_paid"], row["callback_score"], row["inspection_result"]) == (120.0, True, 5, "pass")
    assert json.loads(row["parts"]) == DOC["parts"] and json.loads(row["document"]) == DOC
    second = dict(zip(work_orders.COLUMNS, rows[1].values))
    assert second["status"] is None and second["appointment_start"] is None


def test_parse_work_orders_quarantines_each_fault(parse):
    bad = [
        (_line()[:40], "invalid_json"),
        ('{"work_order_id": "WO-9", "fee": {"amount": NaN}}', "invalid_json"),
        (_line(reported_at="2026-13-45T99:00:00+08:00"), "bad_timestamp"),
        (_line(reported_at="2026-08-03T09:00:00"), "bad_timestamp"),
        (_line(fee={"amount": "一百二十"}), "bad_number"),
        (_line(status="done"), "unknown_enum"),
        (_line(completed_at="2026-01-01T00:00:00+08:00"), "end_before_start"),
        (_line(reported_at="2028-08-03T09:00:00+08:00"), "future_timestamp"),
        (_line(work_order_id=...), "missing_required"),
        (_line(), "duplicate_id"),
        ("[1, 2]", "invalid_json"),
        ('{"work_order_id": "WO-8", "updated_at": "2026-08-03T09:00:00Z", "description": "\\u0000"}', "invalid_json"),
    ]
    data = (_line() + "\n" + "".join(line + "\n" for line, _ in bad)).encode() + b'{"a": "\xff"}\n'
    rows, rejected, _ = parse(parse_work_orders, data)
    assert len(rows) == 1
    assert [(r.line, r.reason) for r in rejected] == [(i + 2, reason) for i, (_, reason) in enumerate(bad)] + [
        (len(bad) + 2, "bad_encoding")
    ]


def test_parse_work_orders_cut_file_is_truncated(parse):
    data = (_line() + "\n" + _line(work_order_id="WO-3")).encode()
    with pytest.raises(SourceFileError, match=r"work_orders.jsonl:2: truncated_file"):
        parse(parse_work_orders, data, path="repairs/d/work_orders.jsonl")
