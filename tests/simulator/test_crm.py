"""Complaint life cycles: stages in order, a history row each, reopening clears the resolution."""

from __future__ import annotations

import random

from service_warehouse.simulator._crm import plan_complaint


def test_plan_complaint_stages_history_and_reopen(fake_day):
    rng = random.Random(3)
    for i in range(300):
        plan_complaint(fake_day, rng, f"C{i:06d}", fake_day.t0 + 10 * 3600)
    snaps: dict[str, list[dict]] = {}
    history: dict[str, list[dict]] = {}
    for _at, kind, key, _seq, data in sorted(fake_day.events, key=lambda e: (e[0], e[3])):
        if kind == "complaint":
            snaps.setdefault(key, []).append(data)
        elif kind == "history":
            history.setdefault(key, []).append(data)
    assert len(snaps) == 300
    reopened = 0
    for key, versions in snaps.items():
        assert [v["status"] for v in versions] == [h["status"] for h in history[key]]
        assert [v["updated_at"] for v in versions] == [h["changed_at"] for h in history[key]]
        assert versions[0]["status"] == "open"
        for before, after in zip(versions, versions[1:]):
            assert after["updated_at"] > before["updated_at"]
            if after["status"] == "reopened":
                reopened += 1
                assert before["status"] == "closed"
                assert after["resolved_at"] is None and after["closed_at"] is None
                assert after["reopen_count"] == before["reopen_count"] + 1
        last = versions[-1]
        if last["status"] == "closed":
            assert last["received_at"] <= last["acknowledged_at"] <= last["resolved_at"] <= last["closed_at"]
    assert reopened > 0
    surveys = [e for e in fake_day.events if e[1] == "survey"]
    assert surveys and all(1 <= s[4]["score_overall"] <= 5 for s in surveys)
