"""CRM life: customers join, move and leave; complaints move through their stages; invoices.

Customers are written directly (they change on the day); complaints, surveys and invoices are
planned as events — every future stage of a complaint is decided when it is received and
applied on the day it happens (with a status-history row for each stage).
"""

from __future__ import annotations

import random
import zlib
from functools import lru_cache

from service_warehouse.simulator import _data as D
from service_warehouse.simulator._clock import stable_int
from service_warehouse.simulator._world import Day, poisson

SIZE_AMOUNT = {"large": (20_000, 300_000), "medium": (5_000, 50_000), "small": (1_000, 10_000), "micro": (200, 3_000)}
CHANNELS = (["phone", "wechat", "web", "email", "sms", "visit", "social"], [45, 15, 12, 10, 5, 8, 5])
CATEGORIES = (["product_quality", "service_attitude", "billing", "delivery", "repair", "other"], [25, 15, 15, 12, 25, 8])
SEVERITIES = (["low", "medium", "high", "critical"], [30, 45, 20, 5])
#: (acknowledge hours, resolve hours) ranges by severity.
#: Calibrated so that about 85 % of complaints meet their SLA (complaint_sla_targets): the targets
#: of high/medium/low count business hours, so wall-clock ranges can be longer than the target.
DURATIONS = {
    "critical": ((0.1, 1.0), (2, 20)),
    "high": ((0.5, 2.5), (4, 30)),
    "medium": ((1.0, 5.0), (6, 48)),
    "low": ((2.0, 10.0), (12, 96)),
}


def _person_name(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return f"{rng.choice(D.EN_FIRST)} {rng.choice(D.EN_LAST)}"
    given = rng.choice(D.GIVEN) + (rng.choice(D.GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(D.SURNAMES) + given


def _phone(rng: random.Random, area: str | None) -> str:
    """A number in one of the formats a CRM holds (digits always equal the caller id)."""
    if area and rng.random() < 0.5:
        num = f"{area}{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"[: len(area) + 8]
        return f"{num[:len(area)]}-{num[len(area):]}"
    num = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
    style = rng.random()
    if style < 0.6:
        return num
    if style < 0.85:
        return f"{num[:3]}-{num[3:7]}-{num[7:]}"
    return f"{num[:3]} {num[3:7]} {num[7:]}"


def digits(phone: str | None) -> str:
    """The digits of a number (how numbers are compared)."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


def _id_number(rng: random.Random, created_year: int) -> str:
    body = f"{rng.randint(110000, 659000)}{rng.randint(1955, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def new_customer(rng: random.Random, n: int, created: int, managers: list[tuple]) -> dict:
    """A new customer file (客户档案)."""
    region_idx = rng.choices(range(len(D.REGIONS)), D.REGION_WEIGHTS)[0]
    region, cities = D.REGIONS[region_idx]
    city, area = rng.choice(cities)
    enterprise = rng.random() < 0.3
    cid = f"C{n:06d}"
    if enterprise:
        size = rng.choices(["large", "medium", "small", "micro"], [8, 22, 40, 30])[0]
        if rng.random() < 0.06:
            name = f"{rng.choice(D.EN_COMPANY)} ({city}) Co., Ltd."
        else:
            name = f"{city}{rng.choice(D.COMPANY_WORDS)}{rng.choice(D.COMPANY_KINDS)}"
        industry = rng.choices(D.INDUSTRIES, D.INDUSTRY_WEIGHTS)[0]
        lo, hi = SIZE_AMOUNT[size]
        credit = round(rng.uniform(lo, hi) * 1.2, -2)
        key_account = size == "large" and rng.random() < 0.5 or size == "medium" and rng.random() < 0.05
        id_number = None
        email = f"service@{cid.lower()}.example.cn"
    else:
        size, industry, credit, key_account = None, None, None, False
        name = _person_name(rng)
        id_number = _id_number(rng, 2000)
        email = f"{cid.lower()}@mail.example.com" if rng.random() < 0.7 else None
    address = f"{city}市{rng.choice(D.DISTRICTS)}{rng.choice(D.STREETS)}{rng.randint(1, 999)}号"
    manager = managers[stable_int(cid) % len(managers)][0] if managers and enterprise else None
    return {
        "customer_id": cid, "customer_name": name, "customer_type": "enterprise" if enterprise else "individual",
        "industry": industry, "size_class": size, "region": region, "city": city, "address": address,
        "phone": _phone(rng, area if enterprise else None), "email": email, "id_number": id_number,
        "account_manager_id": manager, "credit_limit": credit, "is_key_account": bool(key_account),
        "status": "active", "created_at": created, "updated_at": created,
    }


def build_agents(preset, queues: list[str], hired_base: int, rng: random.Random) -> list[dict]:
    """The department's staff: queue agents, team leads, a supervisor, QA, technicians, account managers."""
    rows: list[dict] = []
    used_member_names: set[str] = set()
    ext = 8000

    def add(role: str, team: str, member: bool) -> None:
        nonlocal ext
        ext += 1
        n = len(rows) + 1
        name = _person_name(rng)
        member_name = None
        if member:
            if rng.random() < 0.15:
                member_name = f"Agent {n}"
            else:
                sur = name[0]
                member_name = f"{D.SURNAME_PINYIN.get(sur, 'Zhao')} {rng.choice(D.EN_FIRST)}"
            while member_name in used_member_names:
                member_name = f"{member_name} {n}"
            used_member_names.add(member_name)
        hired = hired_base - rng.randint(30, 6 * 365) * 86400
        rows.append({
            "agent_id": f"A{n:04d}", "agent_name": name, "team": team, "role": role,
            "extension": f"SIP/{ext}", "queue_member_name": member_name,
            "hired_at": hired, "left_at": None, "updated_at": hired,
        })

    add("supervisor", "call centre", False)
    for q in queues:
        add("team_lead", f"{q} team", True)
    from service_warehouse.simulator._world import allocate, queue_weights

    for q, count in zip(queues, allocate(preset.agents, queue_weights(len(queues)), 2)):
        for _ in range(count):
            add("agent", f"{q} team", True)
    for _ in range(preset.qa_inspectors):
        add("qa_inspector", "quality", False)
    for _ in range(preset.technicians):
        add("technician", "field service", False)
    for _ in range(preset.account_managers):
        add("agent", "key accounts", False)
    return rows


def customer_amount(seed: int, customer_id: str, size: str | None) -> float:
    """A customer's typical invoice amount (stable for the customer)."""
    lo, hi = SIZE_AMOUNT.get(size or "", (50, 2_000))
    frac = (stable_int(seed, "amount", customer_id) % 10_000) / 10_000
    return lo + (hi - lo) * frac**2


@lru_cache(maxsize=None)
def billing_day(customer_id: str) -> int:
    """Day of the month an enterprise customer is invoiced on (cached: asked for every customer every day)."""
    return zlib.crc32(customer_id.encode()) % 28 + 1


def invoice_events(day: Day, rng: random.Random, customer: dict | tuple, at: int, amount: float, paid_after_days: float | None) -> None:
    """Plan an invoice (issued at ``at``) and its payment."""
    cid = customer["customer_id"] if isinstance(customer, dict) else customer[0]
    iid = f"INV{day.next_id('invoice'):08d}"
    row = {"invoice_id": iid, "customer_id": cid, "invoiced_at": at, "amount": round(amount, 2),
           "currency": "CNY", "paid_at": None, "updated_at": at}
    day.emit(at, "invoice", iid, row)
    if paid_after_days is not None:
        paid = day.working(int(at + paid_after_days * 86400), rng)
        day.emit(paid, "invoice", iid, {**row, "paid_at": paid, "updated_at": paid})


def _paid_after(rng: random.Random) -> float | None:
    return None if rng.random() < 0.08 else rng.uniform(3, 50)


def initial_population(day: Day, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Customers and staff on the first day, with half a year of invoice history (as events)."""
    agents = build_agents(day.preset, day.queues, day.t0, rng)
    managers = [(a["agent_id"],) for a in agents if a["team"] == "key accounts"]
    customers = []
    for _ in range(day.preset.customers):
        n = day.next_id("customer")
        age_days = int(6 * 365 * rng.random() ** 1.6) + 1
        created = day.t0 - age_days * 86400 + rng.randint(8 * 3600, 19 * 3600)
        customers.append(new_customer(rng, n, created, managers))
    # invoice history: enterprises monthly, individuals now and then
    for c in customers:
        base = customer_amount(day.seed, c["customer_id"], c["size_class"])
        for months_back in range(6, 0, -1):
            at = day.t0 - months_back * 30 * 86400 + (billing_day(c["customer_id"]) - 1) * 3600 + 9 * 3600
            if at < c["created_at"]:
                continue
            if c["customer_type"] == "enterprise" or rng.random() < 0.08:
                invoice_events(day, rng, c, at, base * rng.uniform(0.6, 1.4), _paid_after(rng))
    return customers, agents


def customer_changes(day: Day, rng: random.Random) -> tuple[list[dict], list[tuple]]:
    """New customers of the day, and (customer_id, changes) for existing ones."""
    managers = day.account_managers
    new_rows = []
    for _ in range(poisson(rng, day.preset.new_customers_per_day * (0.5 if day.kind in ("holiday", "weekend") else 1.0))):
        n = day.next_id("customer")
        created = day.t0 + int(rng.uniform(8.5, 19.5) * 3600)
        new_rows.append(new_customer(rng, n, created, managers))
    updates: list[tuple] = []
    seen: set[str] = set()
    active = day.active
    n_active = len(active)

    def pick(pool: list[tuple]) -> tuple | None:
        if not pool:
            return None
        c = pool[rng.randrange(len(pool))]
        if c[0] in seen:
            return None
        seen.add(c[0])
        return c

    for _ in range(poisson(rng, n_active * 0.0006)):  # moves region / city
        c = pick(active)
        if c:
            region, cities = D.REGIONS[rng.choices(range(len(D.REGIONS)), D.REGION_WEIGHTS)[0]]
            city, _ = rng.choice(cities)
            address = f"{city}市{rng.choice(D.DISTRICTS)}{rng.choice(D.STREETS)}{rng.randint(1, 999)}号"
            updates.append((c[0], {"region": region, "city": city, "address": address}))
    for _ in range(poisson(rng, n_active * 0.00025)):  # closes the account
        c = pick(active)
        if c:
            updates.append((c[0], {"status": "closed"}))
    for _ in range(poisson(rng, n_active * 0.0002)):  # goes quiet
        c = pick(active)
        if c:
            updates.append((c[0], {"status": "inactive"}))
    inactive = [c for c in day.customers if c[4] == "inactive"]
    for _ in range(poisson(rng, len(inactive) * 0.01)):  # comes back
        c = pick(inactive)
        if c:
            updates.append((c[0], {"status": "active"}))
    for _ in range(poisson(rng, n_active * 0.0003)):  # new phone number
        c = pick(active)
        if c:
            updates.append((c[0], {"phone": _phone(rng, None)}))
    stamped = []
    for cid, changes in updates:
        changes["updated_at"] = day.t0 + int(rng.uniform(8.5, 19.5) * 3600)
        stamped.append((cid, changes))
    return new_rows, stamped


def daily_invoices(day: Day, rng: random.Random) -> None:
    """Invoices issued today: enterprises on their billing day, individuals now and then."""
    for c in day.active:
        if c[2] == "enterprise":
            if billing_day(c[0]) != day.day.day:
                continue
        elif rng.random() >= 0.002:
            continue
        at = day.t0 + int(rng.uniform(9, 18) * 3600)
        invoice_events(day, rng, c, at, customer_amount(day.seed, c[0], c[8]) * rng.uniform(0.6, 1.4), _paid_after(rng))


def survey_row(day: Day, rng: random.Random, customer_id: str, subject_type: str, subject_id: str, at: int,
               unhappy: bool = False, channel: str | None = None) -> dict:
    """A satisfaction survey (回访) row: scores 1–5, NPS 0–10 or empty."""
    sid = f"SV{day.next_id('survey'):08d}"
    if unhappy:
        overall = rng.choice([1, 1, 2, 2, 3])
    else:
        overall = rng.choices([1, 2, 3, 4, 5], [2, 3, 10, 35, 50])[0]

    def near() -> int:
        return max(1, min(5, overall + rng.choice([-1, 0, 0, 0, 1])))

    nps = None if rng.random() < 0.3 else max(0, min(10, overall * 2 + rng.choice([-2, -1, 0, 0, 1])))
    return {
        "survey_id": sid, "customer_id": customer_id, "subject_type": subject_type, "subject_id": subject_id,
        "channel": channel or rng.choices(["phone", "sms", "email", "visit", "wechat"], [45, 30, 5, 5, 15])[0],
        "surveyed_at": at, "score_attitude": near(), "score_efficiency": near(), "score_quality": near(),
        "score_resolution": near(), "score_overall": overall, "nps_score": nps,
        "comment": rng.choice(D.SURVEY_COMMENTS) if overall >= 3 else rng.choice(["不满意，问题未解决", "等待时间太长", "Not solved"]),
        "updated_at": at,
    }


def plan_complaint(day: Day, rng: random.Random, customer_id: str, received: int, *, category: str | None = None,
                   related_work_order_id: str | None = None, channel: str | None = None) -> None:
    """Decide every stage of a new complaint and plan it as events (snapshot + history row each)."""
    cid = f"CP{day.next_id('complaint'):07d}"
    category = category or rng.choices(*CATEGORIES)[0]
    severity = rng.choices(*SEVERITIES)[0]
    owners = day.by_role.get("agent", []) + day.by_role.get("team_lead", [])
    owner = owners[rng.randrange(len(owners))][0] if owners else None
    subject = rng.choice(D.COMPLAINT_SUBJECTS[category])
    snap = {
        "complaint_id": cid, "customer_id": customer_id, "channel": channel or rng.choices(*CHANNELS)[0],
        "category": category, "severity": severity, "product": rng.choice(D.PRODUCTS), "subject": subject,
        "description": f"{subject}。客户要求尽快处理。" if rng.random() < 0.8 else f"{subject} — customer asks for a fix",
        "received_at": received, "acknowledged_at": None, "resolved_at": None, "closed_at": None,
        "status": "open", "owner_agent_id": owner, "reopen_count": 0, "is_escalated": False,
        "root_cause": None, "resolution": None, "related_work_order_id": related_work_order_id,
        "updated_at": received,
    }
    last = [received]

    def step(at: int, by: str | None, stamp: str | None = None, **changes) -> None:
        at = max(int(at), last[0] + 1)
        last[0] = at
        if stamp:  # the field that records this stage's own time
            changes[stamp] = at
        snap.update(changes, updated_at=at)
        day.emit(at, "complaint", cid, dict(snap))
        day.emit(at, "history", cid, {"complaint_id": cid, "status": snap["status"], "changed_at": at,
                                      "changed_by": by, "updated_at": at})

    step(received, "system")
    (ack_lo, ack_hi), (res_lo, res_hi) = DURATIONS[severity]
    late = rng.random() < 0.12
    ack = day.working(received + int(rng.uniform(ack_lo, ack_hi) * (3 if late else 1) * 3600), rng)
    step(ack, owner, "acknowledged_at", status="acknowledged")
    inv = day.working(last[0] + int(rng.uniform(0.2, 8) * 3600), rng)
    escalate = severity in ("high", "critical") and rng.random() < 0.35
    step(inv, owner, status="investigating", is_escalated=escalate)
    if rng.random() < 0.03:  # stays open: the backlog
        return
    rounds = 2 if rng.random() < 0.08 else 1
    for r in range(rounds):
        res = day.working(last[0] + int(rng.uniform(res_lo, res_hi) * (2.5 if rng.random() < 0.15 else 1) * 3600), rng)
        step(res, owner, "resolved_at", status="resolved",
             root_cause=rng.choice(D.ROOT_CAUSES), resolution=rng.choice(D.RESOLUTIONS))
        resolved_at = last[0]
        unhappy = rng.random() < (0.1 if r == 0 else 0.05)
        if rng.random() < 0.75:  # second callback (二次回访)
            s_at = day.working(resolved_at + int(rng.uniform(0.3, 6) * 86400), rng)
            day.emit(s_at, "survey", cid, survey_row(day, rng, customer_id, "complaint", cid, s_at, unhappy))
            close = day.working(s_at + int(rng.uniform(0.05, 2) * 86400), rng)
        else:
            close = day.working(resolved_at + int(rng.uniform(1, 4) * 86400), rng)
        step(close, owner, "closed_at", status="closed")
        if r + 1 < rounds:  # reopened: the customer was not satisfied after all
            reopen = day.working(last[0] + int(rng.uniform(1, 10) * 86400), rng)
            step(reopen, "system", status="reopened", resolved_at=None, closed_at=None,
                 reopen_count=snap["reopen_count"] + 1)
            step(day.working(last[0] + int(rng.uniform(0.1, 1) * 86400), rng), owner, status="investigating")


def daily_complaints(day: Day, rng: random.Random) -> None:
    """New complaints received today (fewer on rest days)."""
    if not day.active:
        return
    factor = 0.5 if day.kind in ("holiday", "weekend") else 1.0
    for _ in range(poisson(rng, day.preset.complaints_per_day * factor)):
        c = day.active[rng.randrange(len(day.active))]
        received = day.t0 + int(rng.triangular(7, 22, 11) * 3600)
        plan_complaint(day, rng, c[0], received)
