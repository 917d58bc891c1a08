"""The accuracy measures on hand-computed errors, the horizon buckets, and the backtest's champion."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from service_warehouse.forecast import BacktestPolicy, MethodParams, backtest, horizon_bucket, score


def test_score_matches_hand_computed_measures():
    # errors (forecast − actual): +2, −2, +4, 0 on actuals 10, 20, 40, 0
    acc = score([12, 18, 44, 0], [10, 20, 40, 0])

    assert acc.n == 4
    assert acc.mean_error == pytest.approx(1.0)             # 平均误差 (4 / 4)
    assert acc.mae == pytest.approx(2.0)                    # 绝对平均误差 (8 / 4)
    assert acc.mse == pytest.approx(6.0)                    # 均方差 (24 / 4)
    assert acc.rmse == pytest.approx(math.sqrt(6))
    # 标准差, n − 1: deviations from the mean error 1 are +1, −3, +3, −1 → (1 + 9 + 9 + 1) / 3
    assert acc.error_sd == pytest.approx(math.sqrt(20 / 3))
    assert acc.mape == pytest.approx((0.2 + 0.1 + 0.1) / 3)  # the zero-actual day is left out
    assert acc.wape == pytest.approx(8 / 70)


def test_score_of_nothing_and_of_all_zero_actuals():
    assert score([], []).mae is None
    zero = score([1, 0], [0, 0])
    assert (zero.mape, zero.wape, zero.mae) == (None, None, 0.5)
    with pytest.raises(ValueError, match="2 forecasts but 1 actuals"):
        score([1, 2], [1])


@pytest.mark.parametrize(("ahead", "bucket"), [(1, 1), (2, 7), (7, 7), (8, 14), (14, 14), (15, 28), (28, 28), (40, 28)])
def test_horizon_bucket(ahead, bucket):
    assert horizon_bucket(ahead) == bucket


def _days(n: int, first: date = date(2025, 3, 3)) -> list[date]:  # a Monday, no holiday nearby
    return [first + timedelta(days=i) for i in range(n)]


def test_backtest_picks_seasonal_naive_on_a_pure_weekly_pattern():
    """A weekly pattern that repeats exactly: only the same-weekday forecast is always right."""
    week = [100.0, 300, 50, 250, 20, 400, 10]  # no smooth shape: the indices and HW cannot be exact
    y = np.array(week * 12)
    bt = backtest(y, _days(len(y)), {}, ["naive", "seasonal_naive", "moving_average"], MethodParams(),
                  BacktestPolicy(horizon_days=14, origins=3, step_days=7, min_train_days=28))

    assert bt.champion == "seasonal_naive"
    assert bt.origins == 3
    assert bt.total["seasonal_naive"].sum_abs_error == 0
    assert bt.total["naive"].sum_abs_error > 0


def test_backtest_picks_the_moving_average_on_noise_around_a_level():
    """White noise around a level: the average of the last week beats repeating one noisy day."""
    rng = np.random.default_rng(3)
    y = 200 + rng.normal(0, 30, 120)
    bt = backtest(y, _days(len(y)), {}, ["naive", "seasonal_naive", "moving_average"],
                  MethodParams(moving_average_days=28), BacktestPolicy())

    assert bt.champion == "moving_average"


def test_backtest_without_enough_history_falls_back_to_the_seasonal_naive():
    y = np.arange(20.0)
    bt = backtest(y, _days(20), {}, ["naive", "seasonal_naive"], MethodParams(), BacktestPolicy())
    assert (bt.origins, bt.champion) == (0, "seasonal_naive")
