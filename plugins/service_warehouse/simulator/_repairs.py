"""Field service: work orders reported, dispatched, completed, inspected and called back.

A work order's whole life is decided when it is reported and planned as events, each carrying
the order's full state after that step; the repairs export of a day holds the last state of
every order that changed that day. Failed inspections and the odd repeat fault come back as a
new order of the same customer and category (rework), sometimes with a complaint.
"""

from __future__ import annotations

import json
import random

from service_warehouse.simulator import _data as D
from service_warehouse.simulator._clock import Formatter, stable_int
from service_warehouse.simulator._crm import plan_complaint, survey_row
from service_warehouse.simulator._world import Day, poisson

#: Field order of a work order line (what the field-service API returns).
FIELDS = (
    "work_order_id", "customer_id", "reported_at", "source_channel", "category", "urgency", "description",
    "address", "appointment", "dispatched_at", "technician_id", "arrived_at", "completed_at", "status",
    "inspection", "fee", "customer_signed", "parts", "callback", "safety_incident", "updated_at",
)
_TIME_FIELDS = ("reported_at", "dispatched_at", "arrived_at", "completed_at", "updated_at")


def plan_work_order(day: Day, rng: random.Random, customer_id: str, address: str | None, reported: int,
                    *, category: str | None = None, parent: str | None = None) -> str:
    """Decide every step of a new work order and plan it as events; returns its id."""
    year = day.fmt.plain(reported)[:4]
    wid = f"WO-{year}-{day.next_id('work_order'):06d}"
    category = category or rng.choices(D.REPAIR_CATEGORIES, D.REPAIR_CATEGORY_WEIGHTS)[0]
    emergency = rng.random() < (0.1 if category != "elevator" else 0.4)
    techs = day.by_role.get("technician", [])
    snap: dict = {
        "work_order_id": wid, "customer_id": customer_id, "reported_at": reported,
        "source_channel": rng.choices(["phone", "front_desk", "web", "wechat"], [50, 20, 15, 15])[0],
        "category": category, "urgency": "emergency" if emergency else "routine",
        "description": rng.choice(D.REPAIR_DESCRIPTIONS[category]) + (f"（返修 {parent}）" if parent else ""),
        "address": address, "appointment": None, "dispatched_at": None, "technician_id": None,
        "arrived_at": None, "completed_at": None, "status": "reported", "inspection": None, "fee": None,
        "customer_signed": None, "parts": [], "callback": None, "safety_incident": False, "updated_at": reported,
    }
    last = [reported]

    def step(at: int, stamp: str | None = None, **changes) -> int:
        at = max(int(at), last[0] + 1)
        last[0] = at
        if stamp:  # the field that records this step's own time
            changes[stamp] = at
        snap.update(changes, updated_at=at)
        day.emit(at, "wo", wid, json.loads(json.dumps(snap)))
        return at

    step(reported)
    if rng.random() < 0.04:  # cancelled before anyone went
        step(reported + int(rng.uniform(0.5, 48) * 3600), status="cancelled")
        return wid
    tech = techs[rng.randrange(len(techs))][0] if techs else None
    if emergency:
        step(reported + rng.randint(60, 600), "dispatched_at", status="dispatched", technician_id=tech)
        travel = rng.lognormvariate(2.85, 0.35) * 60  # median ≈ 17 min; about 1 in 15 over 30 min
        arrived = step(reported + int(travel), "arrived_at", status="in_progress")
    else:
        appt_day = (reported - day.t0) // 86400 + rng.choice([1, 1, 1, 2, 2, 3])
        start = day.t0 + appt_day * 86400 + rng.choice([9, 11, 13, 15]) * 3600
        appointment = {"start": start, "end": start + 2 * 3600}
        dispatched = day.working(reported + int(rng.uniform(0.2, 6) * 3600), rng)
        dispatched = min(dispatched, start - 1800)
        step(dispatched, "dispatched_at", status="dispatched", technician_id=tech, appointment=appointment)
        late = rng.random() < 0.12
        offset = rng.uniform(11, 120) if late else rng.uniform(-15, 8)
        arrived = step(start + offset * 60, "arrived_at", status="in_progress")
    # on-site work: median ≈ 50 min, long tail (a routine job is timely when done by appointment end)
    completed = arrived + int(min(rng.lognormvariate(3.9, 0.5), 480) * 60)
    parts = [{"sku": sku, "qty": rng.randint(1, 2), "unit_price": price}
             for sku, price in rng.sample(D.PARTS, rng.choice([0, 0, 1, 1, 2, 3]))]
    warranty = rng.random() < 0.4
    amount = 0.0 if warranty else round(rng.choice([50, 80, 120, 150, 200, 300]) + sum(p["qty"] * p["unit_price"] for p in parts), 2)
    paid = warranty or rng.random() < 0.8
    safety = rng.random() < 0.015
    step(completed, "completed_at", status="completed",
         fee={"amount": amount, "currency": "CNY", "paid": paid}, customer_signed=rng.random() < 0.95,
         parts=parts, safety_incident=safety)
    completed = last[0]
    failed = False
    if rng.random() < 0.6:
        failed = rng.random() < 0.08
        inspected = day.working(completed + int(rng.uniform(0.5, 3) * 86400), rng)
        inspected = max(inspected, last[0] + 1)
        step(inspected, inspection={"result": "fail" if failed else "pass", "inspected_at": inspected})
    unhappy = False
    if rng.random() < 0.55:
        called = day.working(completed + int(rng.uniform(1, 4) * 86400), rng)
        score = rng.choices([1, 2, 3, 4, 5], [4, 4, 10, 35, 47] if not failed else [25, 25, 25, 15, 10])[0]
        unhappy = score <= 2
        called = max(called, last[0] + 1)
        step(called, callback={"called_at": called, "satisfied": score >= 4, "score": score})
        survey = survey_row(day, rng, customer_id, "repair", wid, called, unhappy=unhappy, channel="phone")
        survey.update(score_overall=score)
        day.emit(called, "survey", survey["survey_id"], survey)
    if not paid and rng.random() < 0.7:
        step(day.working(completed + int(rng.uniform(1, 20) * 86400), rng),
             fee={"amount": amount, "currency": "CNY", "paid": True})
    if (failed and rng.random() < 0.7) or rng.random() < 0.03:
        again = completed + int(rng.uniform(0.5, 40 if not failed else 20) * 86400)
        day.emit(again, "wo_rework", wid, {"customer_id": customer_id, "category": category,
                                           "address": address, "parent": wid})
    if (failed or unhappy) and rng.random() < 0.4:
        day.emit(last[0] + int(rng.uniform(0.1, 2) * 86400), "complaint_new", wid,
                 {"customer_id": customer_id, "related_work_order_id": wid})
    return wid


def daily_work_orders(day: Day, rng: random.Random) -> None:
    """New work orders reported today."""
    if not day.active:
        return
    for _ in range(poisson(rng, day.preset.work_orders_per_day * (0.6 if day.kind in ("holiday", "weekend") else 1.0))):
        c = day.active[rng.randrange(len(day.active))]
        reported = day.t0 + int(rng.triangular(6.5, 22.5, 10) * 3600)
        plan_work_order(day, rng, c[0], c[5], reported)


def spawn(day: Day, rng: random.Random, at: int, kind: str, data: dict) -> None:
    """Turn a planned spawn event into the new order or complaint it stands for."""
    if kind == "wo_rework":
        plan_work_order(day, rng, data["customer_id"], data["address"], day.working(at, rng, 7, 22),
                        category=data["category"], parent=data["parent"])
    elif kind == "complaint_new":
        plan_complaint(day, rng, data["customer_id"], day.working(at, rng), category="repair",
                       related_work_order_id=data["related_work_order_id"])


def work_order_line(snap: dict, fmt: Formatter, omit_missing: bool | None = None) -> str:
    """One JSON line of the export: ISO-8601 times with offsets (local or UTC, per line)."""
    utc = stable_int(snap["work_order_id"], snap["updated_at"]) % 6 == 0
    if omit_missing is None:
        omit_missing = stable_int("omit", snap["work_order_id"]) % 2 == 0

    def ts(value):
        return None if value is None else fmt.iso(int(value), utc=utc)

    out: dict = {}
    for key in FIELDS:
        value = snap.get(key)
        if key in _TIME_FIELDS:
            value = ts(value)
        elif key == "appointment" and value:
            value = {"start": ts(value["start"]), "end": ts(value["end"])}
        elif key == "inspection" and value:
            value = {"result": value["result"], "inspected_at": ts(value["inspected_at"])}
        elif key == "fee" and value:
            value = {"amount": value["amount"], "currency": value["currency"], "paid": value["paid"]}
        elif key == "parts" and value:
            value = [{"sku": p["sku"], "qty": p["qty"], "unit_price": p["unit_price"]} for p in value]
        elif key == "callback" and value:
            value = {"called_at": ts(value["called_at"]), "satisfied": value["satisfied"], "score": value["score"]}
        if value is None and omit_missing:
            continue
        out[key] = value
    return json.dumps(out, ensure_ascii=False, separators=(", ", ": "))
