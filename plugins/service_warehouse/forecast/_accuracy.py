"""How a forecast is judged, and the rolling-origin backtest that picks each series' champion.

Error = forecast − actual (positive: the forecast was too high). The department's measures:
mean error (平均误差, the bias), mean absolute error (绝对平均误差), mean squared error (均方差),
its root, the standard deviation of the errors (标准差), and MAPE; WAPE (Σ|error| / Σ actual)
as well, since some series have days near zero where MAPE explodes. Errors are kept as sums so
that months and horizon buckets add up; the same formulas turn sums into measures here and in
the ``forecast_accuracy`` mart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from service_warehouse.forecast._calendar import adjust, day_kind
from service_warehouse.forecast._methods import METHODS, Forecast, MethodNotApplicable, MethodParams, run_method

#: Horizon buckets (days ahead ≤ bucket): 1 = tomorrow, 7 = the first week, 14, 28.
HORIZON_BUCKETS: tuple[int, ...] = (1, 7, 14, 28)


def horizon_bucket(days_ahead: int) -> int:
    """The smallest bucket that holds ``days_ahead`` (29 and beyond count as 28)."""
    for bucket in HORIZON_BUCKETS:
        if days_ahead <= bucket:
            return bucket
    return HORIZON_BUCKETS[-1]


@dataclass
class ErrorSums:
    """Running sums of the errors of one group of forecasts."""

    n: int = 0
    sum_error: float = 0.0
    sum_abs_error: float = 0.0
    sum_sq_error: float = 0.0
    sum_actual: float = 0.0
    sum_abs_pct_error: float = 0.0  #: over days with actual > 0 only
    n_pct: int = 0

    def add(self, forecast: np.ndarray, actual: np.ndarray) -> None:
        forecast, actual = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
        error = forecast - actual
        self.n += len(error)
        self.sum_error += float(error.sum())
        self.sum_abs_error += float(np.abs(error).sum())
        self.sum_sq_error += float((error**2).sum())
        self.sum_actual += float(actual.sum())
        positive = actual > 0
        self.sum_abs_pct_error += float((np.abs(error[positive]) / actual[positive]).sum())
        self.n_pct += int(positive.sum())


@dataclass(frozen=True)
class Accuracy:
    """The measures of one group of forecasts (None where undefined)."""

    n: int
    mean_error: float | None
    mae: float | None
    mse: float | None
    rmse: float | None
    error_sd: float | None
    mape: float | None
    wape: float | None


def accuracy(sums: ErrorSums) -> Accuracy:
    """Measures from the sums; ``error_sd`` is the sample standard deviation (n − 1)."""
    n = sums.n
    if n == 0:
        return Accuracy(0, None, None, None, None, None, None, None)
    mse = sums.sum_sq_error / n
    sd = math.sqrt(max(sums.sum_sq_error - sums.sum_error**2 / n, 0.0) / (n - 1)) if n > 1 else None
    return Accuracy(
        n=n, mean_error=sums.sum_error / n, mae=sums.sum_abs_error / n, mse=mse, rmse=math.sqrt(mse), error_sd=sd,
        mape=sums.sum_abs_pct_error / sums.n_pct if sums.n_pct else None,
        wape=sums.sum_abs_error / sums.sum_actual if sums.sum_actual > 0 else None,
    )


def score(forecast: Sequence[float], actual: Sequence[float]) -> Accuracy:
    """The measures of ``forecast`` against ``actual`` (same length)."""
    if len(forecast) != len(actual):
        raise ValueError(f"score: {len(forecast)} forecasts but {len(actual)} actuals")
    sums = ErrorSums()
    sums.add(np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float))
    return accuracy(sums)


# -- forecasting one series with the calendar adjustment ---------------------------------------


def forecast_days(y: np.ndarray, days: Sequence[date], future: Sequence[date], day_types: Mapping[date, str],
                  method: str, params: MethodParams) -> Forecast:
    """``method``'s forecast of ``future`` from the history ``y`` on ``days`` (calendar-adjusted)."""
    adj = adjust(y, days, day_types)
    weekdays = np.array([d.weekday() for d in days])
    future_weekdays = np.array([d.weekday() for d in future])
    out = run_method(method, adj.adjusted, weekdays, future_weekdays, params)
    factor = np.array([adj.factor(day_kind(d, day_types)) for d in future])
    if out.lower is None or out.upper is None:
        return Forecast(out.mean * factor)
    return Forecast(out.mean * factor, out.lower * factor, out.upper * factor)


@dataclass(frozen=True)
class BacktestPolicy:
    """Rolling origins: ``origins`` cut-offs ``step_days`` apart, each forecasting ``horizon_days``."""

    horizon_days: int = 28
    origins: int = 4
    step_days: int = 7
    min_train_days: int = 28


@dataclass
class Backtest:
    """Per method: the error sums by (horizon bucket, month) and in total, over every origin."""

    by_group: dict[str, dict[tuple[int, date], ErrorSums]] = field(default_factory=dict)
    total: dict[str, ErrorSums] = field(default_factory=dict)
    origins: int = 0
    champion: str = "naive"


def backtest(y: np.ndarray, days: Sequence[date], day_types: Mapping[date, str], methods: Sequence[str],
             params: MethodParams, policy: BacktestPolicy) -> Backtest:
    """Rolling-origin backtest on the series' own history; the champion has the lowest MAE.

    A method counts only if it could forecast at every origin; a tie goes to the simpler
    method (the order of :data:`METHODS`). Too short a history for any origin: the champion is
    the seasonal naive forecast if it applies, else the naive one.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    horizon = min(policy.horizon_days, n - policy.min_train_days)
    cutoffs = [n - horizon - policy.step_days * k for k in range(policy.origins)] if horizon >= 1 else []
    cutoffs = sorted(c for c in cutoffs if c >= policy.min_train_days)
    result = Backtest(origins=len(cutoffs))
    complete = set(methods)
    for cut in cutoffs:
        hist_days, target_days = days[:cut], days[cut:cut + horizon]
        actual = y[cut:cut + horizon]
        buckets = [horizon_bucket(h) for h in range(1, len(target_days) + 1)]
        months = [d.replace(day=1) for d in target_days]
        for method in methods:
            try:
                fc = forecast_days(y[:cut], hist_days, target_days, day_types, method, params)
            except MethodNotApplicable:
                complete.discard(method)
                continue
            result.total.setdefault(method, ErrorSums()).add(fc.mean, actual)
            groups = result.by_group.setdefault(method, {})
            for i, key in enumerate(zip(buckets, months)):
                groups.setdefault(key, ErrorSums()).add(fc.mean[i:i + 1], actual[i:i + 1])
    ranked = [m for m in METHODS if m in complete and m in result.total]
    if ranked:
        result.champion = min(ranked, key=lambda m: (result.total[m].sum_abs_error / result.total[m].n,
                                                      METHODS.index(m)))
    else:
        result.champion = "seasonal_naive" if "seasonal_naive" in methods and n > 7 else "naive"
    return result


def future_days(as_of: date, horizon: int) -> list[date]:
    """The ``horizon`` days after ``as_of``."""
    return [as_of + timedelta(days=i) for i in range(1, horizon + 1)]
