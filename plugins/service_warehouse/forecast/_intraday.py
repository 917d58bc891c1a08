"""Spreading a day's call forecast over its intervals, and the AHT of each interval.

The daily champion forecast of a queue is spread over the day by the interval profile of the
recent days of the same type (workday — adjusted working days included —, weekend, holiday):
each interval's share of those days' calls. The forecast AHT of an interval is its mean talk
time over the recent days, or the queue's when the interval had too few answered calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np


def profile_type(day: date, day_types: Mapping[date, str]) -> str:
    """``workday`` (adjusted working days too), ``weekend`` or ``holiday``; by weekday outside the seed."""
    kind = day_types.get(day)
    if kind == "holiday":
        return "holiday"
    if kind in ("workday", "adjusted_workday"):
        return "workday"
    if kind == "weekend":
        return "weekend"
    return "weekend" if day.weekday() >= 5 else "workday"


def interval_profile(counts: Mapping[date, np.ndarray], target: date, day_types: Mapping[date, str],
                     intervals: int) -> np.ndarray:
    """Shares (summing to 1) of the day's calls per interval for ``target``.

    ``counts`` holds the recent days' calls per interval. Days of ``target``'s type are used;
    when none of them had a call, every recent day; when none at all, an even spread.
    """
    wanted = profile_type(target, day_types)
    for pool in ([c for d, c in counts.items() if profile_type(d, day_types) == wanted], list(counts.values())):
        if pool:
            total = np.sum(pool, axis=0, dtype=float)
            if total.sum() > 0:
                return total / total.sum()
    return np.full(intervals, 1.0 / intervals)


def interval_aht(talk_seconds: np.ndarray, answered: np.ndarray, *, min_calls: int, default: float) -> np.ndarray:
    """Forecast AHT per interval: the interval's mean talk time, else the queue's, else ``default``."""
    talk_seconds, answered = np.asarray(talk_seconds, dtype=float), np.asarray(answered, dtype=float)
    queue_aht = float(talk_seconds.sum() / answered.sum()) if answered.sum() > 0 else default
    if queue_aht <= 0:
        queue_aht = default
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(answered >= min_calls, talk_seconds / np.maximum(answered, 1), queue_aht)
    return np.where(own > 0, own, queue_aht)
