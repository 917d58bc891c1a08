"""The repairs export: JSON Lines with offsets, orders progressing over days."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

STATUS_ORDER = {"reported": 0, "dispatched": 1, "in_progress": 2, "completed": 3, "cancelled": 3}


@pytest.mark.integration
def test_work_orders_jsonl_parses_and_progresses_over_days(tiny_history):
    summary, _url, root = tiny_history
    history: dict[str, list[dict]] = {}
    offsets = set()
    for d in summary.days:
        for line in (root / "repairs" / d.day.isoformat() / "work_orders.jsonl").read_text().splitlines():
            doc = json.loads(line)
            assert doc["work_order_id"].startswith("WO-2026-")
            assert doc["status"] in STATUS_ORDER and doc["urgency"] in ("routine", "emergency")
            updated = datetime.fromisoformat(doc["updated_at"])
            assert updated.utcoffset() is not None
            offsets.add(doc["updated_at"][-6:])
            assert datetime.fromisoformat(doc["reported_at"]) <= updated
            if doc.get("arrived_at") and doc.get("completed_at"):
                assert datetime.fromisoformat(doc["arrived_at"]) < datetime.fromisoformat(doc["completed_at"])
            history.setdefault(doc["work_order_id"], []).append(doc)
    assert offsets >= {"+08:00", "+00:00"}  # offsets differ between lines
    multi = {k: v for k, v in history.items() if len(v) >= 2}
    assert multi, "no work order changed on more than one day"
    for docs in multi.values():
        stamps = [datetime.fromisoformat(d["updated_at"]) for d in docs]
        assert stamps == sorted(stamps)
        ranks = [STATUS_ORDER[d["status"]] for d in docs]
        assert ranks == sorted(ranks)
    assert any(d[-1]["status"] == "completed" and d[0]["status"] != "completed" for d in multi.values())


def test_work_order_plan_has_late_technicians_failed_inspections_and_rework(fake_day):
    from service_warehouse.simulator._repairs import plan_work_order

    day = fake_day
    rng = __import__("random").Random(1)
    for i in range(400):
        plan_work_order(day, rng, f"C{i:06d}", "上海市", day.t0 + 9 * 3600)
    finals: dict[str, dict] = {}
    for _at, kind, key, _seq, data in day.events:
        if kind == "wo":
            finals[key] = data
    late = [o for o in finals.values() if o["appointment"] and o["arrived_at"] and o["arrived_at"] > o["appointment"]["start"] + 600]
    failed = [o for o in finals.values() if o["inspection"] and o["inspection"]["result"] == "fail"]
    emergency = [o for o in finals.values() if o["urgency"] == "emergency"]
    assert late and failed and emergency
    assert any(o["safety_incident"] for o in finals.values())
    assert any(o["callback"] for o in finals.values())
    assert any(kind == "wo_rework" for _a, kind, *_ in day.events)
