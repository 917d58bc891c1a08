"""Holidays and 调休 working days: a calendar adjustment around every method.

Call volumes follow the week, but a public holiday on a Thursday looks like a Sunday and an
adjusted working Saturday (调休) like a weekday. Before a method sees the history, every special
day (a holiday, or an adjusted working day, from the ``calendar_days`` seed) is replaced by what
an ordinary day of the same weekday around it looked like; the forecast of a special day is then
multiplied by that kind of day's factor: its volume over the ordinary level, measured on the
history. Kinds: ``holiday_weekday``, ``holiday_weekend``, ``adjusted_workday``; a kind the
history never saw has factor 1 (the history is too short to know better). Days outside the seed
are ordinary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

ORDINARY = "ordinary"
#: How far around a special day the ordinary days of the same weekday are looked for.
NEIGHBOURHOOD_DAYS = 21


def day_kind(day: date, day_types: Mapping[date, str]) -> str:
    """``ordinary``, ``holiday_weekday``, ``holiday_weekend`` or ``adjusted_workday``."""
    kind = day_types.get(day)
    if kind == "holiday":
        return "holiday_weekend" if day.weekday() >= 5 else "holiday_weekday"
    if kind == "adjusted_workday":
        return "adjusted_workday"
    return ORDINARY


@dataclass(frozen=True)
class Adjustment:
    """The adjusted history and the factor of each kind of special day."""

    adjusted: np.ndarray
    factors: dict[str, float]

    def factor(self, kind: str) -> float:
        return 1.0 if kind == ORDINARY else self.factors.get(kind, 1.0)


def adjust(y: np.ndarray, days: Sequence[date], day_types: Mapping[date, str]) -> Adjustment:
    """Replace the special days of ``y`` by their ordinary level; measure each kind's factor."""
    y = np.asarray(y, dtype=float)
    kinds = [day_kind(d, day_types) for d in days]
    special = [i for i, k in enumerate(kinds) if k != ORDINARY]
    if not special:
        return Adjustment(y, {})
    ordinals = np.array([d.toordinal() for d in days])
    weekdays = ordinals % 7  # same weekday ⇔ same ordinal mod 7
    ordinary = np.array([k == ORDINARY for k in kinds])
    adjusted = y.copy()
    sums: dict[str, list[float]] = {}
    for i in special:
        same = ordinary & (weekdays == weekdays[i])
        near = same & (np.abs(ordinals - ordinals[i]) <= NEIGHBOURHOOD_DAYS)
        pool = near if near.any() else same
        if not pool.any():
            continue  # nothing ordinary to compare with: the day stays as it was
        baseline = float(np.mean(y[pool]))
        adjusted[i] = baseline
        actual_sum, base_sum = sums.setdefault(kinds[i], [0.0, 0.0])
        sums[kinds[i]] = [actual_sum + float(y[i]), base_sum + baseline]
    factors = {kind: (a / b if b > 0 else 1.0) for kind, (a, b) in sums.items()}
    return Adjustment(adjusted, factors)
