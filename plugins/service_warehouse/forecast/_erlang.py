"""Erlang C (M/M/N queue): agents needed per interval for a service-level target.

One small function family instead of a dependency (pyworkforce would add its own solver stack
for three formulas). The probability of waiting is computed through the Erlang B recursion,
which stays exact for hundreds of agents where the factorial form overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Staffing:
    """What Erlang C says for one interval at a given number of agents."""

    traffic_erlangs: float  #: offered load: calls × AHT / interval length
    agents: int  #: agents on the phones (0 when no call is forecast)
    probability_wait: float | None  #: share of calls that wait at all
    service_level: float | None  #: share answered within the threshold
    asa_seconds: float | None  #: average speed of answer
    occupancy: float | None  #: traffic / agents


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call waits, for ``agents`` agents and ``traffic`` Erlangs (1 if agents ≤ traffic)."""
    if traffic < 0 or agents < 0:
        raise ValueError(f"erlang_c: agents ({agents}) and traffic ({traffic}) must be non-negative")
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = 1.0  # Erlang B with 0 servers
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht_seconds: float, threshold_seconds: float) -> float:
    """Share of calls answered within ``threshold_seconds``: 1 − C · e^(−(N − A) · T / AHT)."""
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * threshold_seconds / aht_seconds)


def asa_seconds(agents: int, traffic: float, aht_seconds: float) -> float:
    """Average speed of answer: C · AHT / (N − A) (infinite when agents ≤ traffic)."""
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def agents_needed(calls: float, aht_seconds: float, interval_seconds: float, *, threshold_seconds: float,
                  target_share: float, max_occupancy: float = 1.0) -> Staffing:
    """The fewest agents that answer ``target_share`` of ``calls`` within ``threshold_seconds``.

    Also no more than ``max_occupancy`` of the agents' time on calls (an agent kept busy all the
    time burns out; 0.85 is a common cap). No call forecast → 0 agents.
    """
    if calls < 0 or aht_seconds <= 0 or interval_seconds <= 0:
        raise ValueError(f"agents_needed: calls ({calls}) must be ≥ 0, AHT ({aht_seconds} s) and interval "
                         f"({interval_seconds} s) > 0")
    if not 0 < target_share < 1 or not 0 < max_occupancy <= 1:
        raise ValueError(f"agents_needed: target share ({target_share}) must be in (0, 1) and max occupancy "
                         f"({max_occupancy}) in (0, 1]")
    traffic = calls * aht_seconds / interval_seconds
    if traffic == 0:
        return Staffing(0.0, 0, None, None, None, None)
    n = max(1, math.floor(traffic) + 1, math.ceil(traffic / max_occupancy))
    while service_level(n, traffic, aht_seconds, threshold_seconds) < target_share:
        n += 1
    return Staffing(traffic, n, erlang_c(n, traffic), service_level(n, traffic, aht_seconds, threshold_seconds),
                    asa_seconds(n, traffic, aht_seconds), traffic / n)
