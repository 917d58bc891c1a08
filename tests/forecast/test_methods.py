"""Each forecasting method on a short series whose forecast is computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from service_warehouse.forecast import METHODS, MethodNotApplicable, MethodParams, run_method

P = MethodParams(moving_average_days=3, weighted_moving_average_days=3, seasonal_index_weeks=2,
                 seasonal_index_level_days=1)


def _weekdays(n: int, first: int = 0) -> np.ndarray:
    return (np.arange(n) + first) % 7


def test_naive_repeats_the_last_day_with_a_widening_interval():
    y = np.array([10.0, 12.0, 11.0, 13.0])  # one-day changes 2, −1, 2: sample sd √3
    fc = run_method("naive", y, _weekdays(4), _weekdays(3, 4), P)

    assert fc.mean.tolist() == [13.0, 13.0, 13.0]
    half = fc.upper - fc.mean
    assert half[0] == pytest.approx(1.2815515655 * np.sqrt(3))
    assert half[3 - 1] == pytest.approx(half[0] * np.sqrt(3))  # σ √h


def test_seasonal_naive_takes_the_same_weekday_last_week():
    week = [100.0, 90, 80, 70, 60, 20, 10]
    y = np.array(week + week)
    fc = run_method("seasonal_naive", y, _weekdays(14), _weekdays(9, 14), P)

    assert fc.mean.tolist() == week + week[:2]
    assert fc.lower.tolist() == fc.mean.tolist()  # no week-on-week change: a zero-width interval


def test_moving_averages_by_hand():
    y = np.array([5.0, 10.0, 20.0, 30.0])
    assert run_method("moving_average", y, _weekdays(4), _weekdays(2, 4), P).mean.tolist() == [20.0, 20.0]
    # weights 1, 2, 3 on 10, 20, 30: (10 + 40 + 90) / 6
    wma = run_method("weighted_moving_average", y, _weekdays(4), _weekdays(1, 4), P)
    assert wma.mean[0] == pytest.approx(140 / 6)
    assert wma.lower is None  # no interval for the averages


def test_seasonal_index_is_the_departments_seasonal_factor_rule():
    """A period of 800 with factor 1.2 followed by one with factor 1.5 forecasts 800 / 1.2 × 1.5 = 1000."""
    # two weeks whose weekday means are 1.2 (Monday) and 1.5 (Tuesday) times the overall mean
    base = np.array([1.2, 1.5, 1.0, 1.0, 0.8, 0.7, 0.8]) * 800 / 1.2  # Monday = 800
    y = np.tile(base, 3)[:15]  # ends on a Monday of 800
    fc = run_method("seasonal_index", y, _weekdays(len(y)), np.array([1]), P)

    assert y[-1] == pytest.approx(800)
    assert fc.mean[0] == pytest.approx(1000)


def test_exponential_smoothing_of_a_level_series_is_that_level():
    y = np.array([50.0, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 51])
    fc = run_method("exponential_smoothing", y, _weekdays(len(y)), _weekdays(3, len(y)), P)

    assert 50 <= fc.mean[0] <= 51
    assert (fc.lower <= fc.mean).all() and (fc.mean <= fc.upper).all()


def test_holt_winters_reproduces_a_clean_weekly_pattern():
    week = np.array([100.0, 90, 80, 70, 60, 20, 10])
    y = np.tile(week, 6) + np.tile([0.0, 0.5], 21)  # a touch of noise so the series is not exact
    fc = run_method("holt_winters", y, _weekdays(len(y)), _weekdays(7, len(y)), P)

    assert fc.mean == pytest.approx(week, abs=2.0)
    assert (fc.lower <= fc.mean).all() and (fc.mean <= fc.upper).all()


def test_methods_never_forecast_negative_demand():
    y = np.array([30.0, 20, 10, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    for method in METHODS:
        fc = run_method(method, y, _weekdays(len(y)), _weekdays(28, len(y)), P)
        assert (fc.mean >= 0).all(), method
        if fc.lower is not None:
            assert (fc.lower >= 0).all() and (fc.lower <= fc.mean).all() and (fc.mean <= fc.upper).all(), method


def test_a_series_too_short_leaves_the_method_out_with_a_reason():
    with pytest.raises(MethodNotApplicable, match="holt_winters needs at least 21 days of history, the series has 10"):
        run_method("holt_winters", np.arange(10.0), _weekdays(10), _weekdays(3, 10), P)
    with pytest.raises(ValueError, match="unknown forecasting method 'arima'"):
        run_method("arima", np.arange(10.0), _weekdays(10), _weekdays(3, 10), P)
