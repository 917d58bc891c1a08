"""The simulated department on one day: who exists, the day's calendar, shared helpers."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

import chinese_calendar

from service_warehouse.simulator._clock import Formatter, day_rng
from service_warehouse.simulator._presets import Preset
from service_warehouse.simulator._store import Event

QUEUE_WORDS = ["hotline", "repair", "billing", "complaints", "enterprise", "vip"]
#: Seasonal load by month (summer air-conditioning repairs, spring festival lull).
MONTH_FACTOR = {1: 0.9, 2: 0.8, 3: 0.95, 4: 1.0, 5: 1.0, 6: 1.1, 7: 1.2, 8: 1.2, 9: 1.05, 10: 0.95, 11: 1.0, 12: 1.05}


def queue_names(n: int) -> list[str]:
    """Queue names as queues.conf would have them."""
    return [QUEUE_WORDS[i] if i < len(QUEUE_WORDS) else f"queue{i + 1:02d}" for i in range(n)]


def queue_weights(n: int) -> list[float]:
    """Relative load of each queue (the hotline busiest); staff are allocated by the same weights."""
    return [max(1.0, 10 - 1.5 * i) for i in range(n)]


def allocate(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split ``total`` into whole shares proportional to ``weights`` (at least ``minimum`` each)."""
    n = len(weights)
    rest = max(0, total - minimum * n)
    raw = [rest * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(n), key=lambda i: raw[i] - shares[i], reverse=True)[: rest - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


def day_kind(day: date) -> str:
    """``holiday`` (public holiday), ``weekend`` (rest day), ``adjusted`` (调休 worked weekend) or ``workday``."""
    try:
        workday = chinese_calendar.is_workday(day)
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # outside the library's years: plain weekdays
        return "workday" if day.weekday() < 5 else "weekend"
    if workday:
        return "adjusted" if day.weekday() >= 5 else "workday"
    return "holiday" if name else "weekend"


def load_factor(day: date) -> float:
    """How busy the day is compared with an ordinary weekday."""
    kind = day_kind(day)
    factor = {"holiday": 0.35, "weekend": 0.55, "adjusted": 0.9, "workday": 1.0}[kind]
    if kind == "workday" and day.weekday() == 0:
        factor *= 1.15
    return factor * MONTH_FACTOR[day.month]


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation for large means)."""
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class Day:
    """Everything one simulated day's generators share."""

    day: date
    seed: int
    preset: Preset
    t0: int
    t1: int
    fmt: Formatter
    counters: dict
    customers: list[tuple]
    agents: list[tuple]
    events: list[Event] = field(default_factory=list)
    is_first: bool = False

    def __post_init__(self) -> None:
        self.active = [c for c in self.customers if c[4] == "active"]
        self.by_role: dict[str, list[tuple]] = {}
        for agent in self.agents:
            self.by_role.setdefault(agent[3], []).append(agent)
        self.queues = queue_names(self.preset.queues)
        self.queue_agents: dict[str, list[tuple]] = {q: [] for q in self.queues}
        for agent in self.agents:
            if agent[3] == "agent" and agent[2] and agent[2].endswith(" team"):
                q = agent[2][: -len(" team")]
                if q in self.queue_agents:
                    self.queue_agents[q].append(agent)
        self.account_managers = [a for a in self.agents if a[2] == "key accounts"]
        self.kind = day_kind(self.day)
        self.load = load_factor(self.day)

    def rng(self, stream: str) -> random.Random:
        """This day's generator for one stream."""
        return day_rng(self.seed, self.day, stream)

    def next_id(self, name: str) -> int:
        """The next number of a counter (customer, complaint, …), persisted with the day."""
        value = self.counters.get(name, 0) + 1
        self.counters[name] = value
        return value

    def emit(self, at: int, kind: str, key: str, data: dict) -> None:
        """Plan an event (applied today when ``at`` is before midnight, else stored)."""
        self.events.append((int(at), kind, key, self.next_id("seq"), data))

    def local_hour(self, epoch: int) -> float:
        """Local time of day in hours."""
        return ((epoch + self.fmt.offset(epoch)) % 86400) / 3600

    def working(self, epoch: int, rng: random.Random, open_h: float = 8.5, close_h: float = 20.0) -> int:
        """Move a back-office action that falls outside opening hours to the next opening."""
        hour = self.local_hour(epoch)
        if open_h <= hour < close_h:
            return epoch
        delta_h = (open_h - hour) if hour < open_h else (24 - hour + open_h)
        return int(epoch + delta_h * 3600 + rng.uniform(0, 5400))
