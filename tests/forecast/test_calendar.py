"""Holidays and 调休 working days: the calendar adjustment and the intraday profile."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from service_warehouse.forecast import (
    MethodParams,
    adjust,
    day_kind,
    forecast_days,
    interval_aht,
    interval_profile,
    profile_type,
)

FIRST = date(2026, 8, 31)  # a Monday


def _days(n: int) -> list[date]:
    return [FIRST + timedelta(days=i) for i in range(n)]


def test_a_holiday_is_read_as_an_ordinary_day_and_forecast_with_its_factor():
    days = _days(35)
    y = np.array([100.0 if d.weekday() < 5 else 40.0 for d in days])
    holiday = days[17]  # a Thursday
    y[17] = 30.0
    day_types = {holiday: "holiday"}

    adj = adjust(y, days, day_types)
    assert adj.adjusted[17] == 100.0  # what an ordinary Thursday around it looked like
    assert adj.factor("holiday_weekday") == pytest.approx(0.3)
    assert day_kind(holiday, day_types) == "holiday_weekday"

    # the seasonal naive forecast: an ordinary week, and next Thursday, a holiday, at 0.3 of it
    target = [days[-1] + timedelta(days=i) for i in range(1, 8)]
    fc = forecast_days(y, days, target, {**day_types, target[3]: "holiday"}, "seasonal_naive", MethodParams())
    assert [d.weekday() for d in target][3] == 3
    assert fc.mean.tolist() == [100, 100, 100, 30, 100, 40, 40]


def test_an_adjusted_working_saturday_gets_its_own_factor():
    days = _days(35)
    y = np.array([100.0 if d.weekday() < 5 else 40.0 for d in days])
    saturday = days[19]
    y[19] = 100.0
    adj = adjust(y, days, {saturday: "adjusted_workday"})
    assert adj.adjusted[19] == 40.0
    assert adj.factor("adjusted_workday") == pytest.approx(2.5)
    assert adj.factor("holiday_weekday") == 1.0  # never seen: neutral


def test_intraday_profile_uses_recent_days_of_the_same_type():
    workday, weekend = date(2026, 10, 27), date(2026, 10, 25)
    counts = {workday: np.array([0.0, 6, 2, 2]), weekend: np.array([5.0, 5, 0, 0])}
    types = {workday: "workday", weekend: "weekend"}
    assert profile_type(date(2026, 10, 10), {date(2026, 10, 10): "adjusted_workday"}) == "workday"

    assert interval_profile(counts, date(2026, 11, 2), types, 4).tolist() == [0.0, 0.6, 0.2, 0.2]  # Monday
    assert interval_profile(counts, date(2026, 11, 1), types, 4).tolist() == [0.5, 0.5, 0.0, 0.0]  # Sunday
    # a holiday with no recent holiday: every recent day together
    assert interval_profile(counts, date(2027, 1, 1), {date(2027, 1, 1): "holiday"}, 4).tolist() == \
        pytest.approx([0.25, 0.55, 0.1, 0.1])
    assert interval_profile({}, workday, types, 4).tolist() == [0.25] * 4


def test_interval_aht_falls_back_to_the_queue_and_the_default():
    aht = interval_aht(np.array([0.0, 1000, 300]), np.array([0, 5, 1]), min_calls=5, default=180)
    assert aht.tolist() == [pytest.approx(1300 / 6), 200.0, pytest.approx(1300 / 6)]
    assert interval_aht(np.zeros(2), np.zeros(2), min_calls=5, default=180).tolist() == [180, 180]
