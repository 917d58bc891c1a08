"""The department's forecasting methods, on one daily series.

Every method takes the history (oldest first), the weekday (0 = Monday) of each history day and
of each day to forecast, and returns the point forecasts with an 80 % interval where the method
has one (``None`` otherwise). The smoothing models are statsmodels' (``SimpleExpSmoothing``,
``ExponentialSmoothing``); the rest are one-line formulas of the department's rules.

Holidays and 调休 working days are handled outside the methods (:mod:`._calendar`): the
methods see a calendar-adjusted series whose special days read as ordinary days, so "the same
weekday last week" and the weekly seasonal pattern are never a holiday.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: The methods, simplest first (a tie in the backtest goes to the simpler one).
METHODS: tuple[str, ...] = (
    "naive", "seasonal_naive", "moving_average", "weighted_moving_average",
    "exponential_smoothing", "seasonal_index", "holt_winters",
)
SEASON = 7  #: weekly seasonality
Z80 = 1.2815515655446004  #: the standard normal's 90 % quantile: a central 80 % interval is ± Z80 σ


class MethodNotApplicable(ValueError):
    """The series is too short (or too flat) for this method: the method is left out for it."""


@dataclass(frozen=True)
class MethodParams:
    """The policy values the methods read (forecast_policy seed)."""

    moving_average_days: int = 7
    weighted_moving_average_days: int = 7
    seasonal_index_weeks: int = 8
    seasonal_index_level_days: int = 7


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and the 80 % interval (None when the method gives none)."""

    mean: np.ndarray
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None


def _interval(mean: np.ndarray, sd: np.ndarray) -> Forecast:
    return Forecast(mean, mean - Z80 * sd, mean + Z80 * sd)


def _need(y: np.ndarray, days: int, method: str) -> None:
    if len(y) < days:
        raise MethodNotApplicable(f"{method} needs at least {days} days of history, the series has {len(y)}")


def naive(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray, p: MethodParams) -> Forecast:
    """Simple forecast: tomorrow is like today. Interval from the one-day changes (σ √h)."""
    _need(y, 1, "naive")  # the one method that works from a single day (a new queue, the first night)
    h = np.arange(1, len(future_weekdays) + 1)
    sd = float(np.std(np.diff(y), ddof=1)) if len(y) > 2 else 0.0
    return _interval(np.full(len(h), float(y[-1])), sd * np.sqrt(h))


def seasonal_naive(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray, p: MethodParams) -> Forecast:
    """The same weekday last week. Interval from the week-on-week changes (σ √(weeks ahead))."""
    _need(y, SEASON + 1, "seasonal_naive")
    last = {int(w): float(y[i]) for i, w in enumerate(weekdays)}  # the latest value of each weekday
    mean = np.array([last[int(w)] for w in future_weekdays])
    k = np.arange(len(future_weekdays)) // SEASON + 1
    sd = float(np.std(y[SEASON:] - y[:-SEASON], ddof=1)) if len(y) > SEASON + 1 else 0.0
    return _interval(mean, sd * np.sqrt(k))


def moving_average(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray, p: MethodParams) -> Forecast:
    """The mean of the last n days (policy ``moving_average_days``). No interval."""
    n = p.moving_average_days
    _need(y, n, "moving_average")
    return Forecast(np.full(len(future_weekdays), float(np.mean(y[-n:]))))


def weighted_moving_average(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray,
                            p: MethodParams) -> Forecast:
    """The last n days weighted 1, 2, …, n (the latest day weighs most). No interval."""
    n = p.weighted_moving_average_days
    _need(y, n, "weighted_moving_average")
    weights = np.arange(1, n + 1, dtype=float)
    return Forecast(np.full(len(future_weekdays), float(np.dot(y[-n:], weights) / weights.sum())))


def _quiet(fit: Callable[[], object]) -> object:
    """Run a statsmodels fit without its convergence chatter (an estimate is used either way)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fit()


def _flat(y: np.ndarray, method: str) -> None:
    if float(np.ptp(y)) == 0.0:
        raise MethodNotApplicable(f"{method}: the series is constant (the simple forecast says the same)")


def exponential_smoothing(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray,
                          p: MethodParams) -> Forecast:
    """Simple exponential smoothing (statsmodels, α estimated). Interval: σ √(1 + (h − 1) α²).

    Initial level by statsmodels' heuristic, α by least squares from one starting point (no
    brute-force grid): 6× faster than estimating the initial state too (docs/DECISIONS.md).
    """
    _need(y, 10, "exponential_smoothing")
    _flat(y, "exponential_smoothing")
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    res = _quiet(lambda: SimpleExpSmoothing(y, initialization_method="heuristic").fit(use_brute=False))
    alpha = float(res.params["smoothing_level"])
    h = np.arange(1, len(future_weekdays) + 1)
    sigma = math.sqrt(float(res.sse) / len(y))
    return _interval(np.asarray(res.forecast(len(h)), dtype=float), sigma * np.sqrt(1 + (h - 1) * alpha**2))


def seasonal_index(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray, p: MethodParams) -> Forecast:
    """Seasonal factors (季节性因素): deseasonalised level × the target weekday's factor.

    The factor of a weekday is its mean over the last ``seasonal_index_weeks`` weeks divided by
    the mean of all those days; the level is the mean of the last ``seasonal_index_level_days``
    deseasonalised days. With a one-day level it is the department's rule: a day of 800 with
    factor 1.2 followed by a day with factor 1.5 forecasts 800 / 1.2 × 1.5 = 1000. No interval.
    """
    days = min(len(y), p.seasonal_index_weeks * SEASON)
    _need(y, 2 * SEASON, "seasonal_index")
    window, wdays = y[-days:], weekdays[-days:]
    overall = float(np.mean(window))
    if overall <= 0:
        raise MethodNotApplicable("seasonal_index: the window's mean is zero (no seasonal factor can be formed)")
    factor = np.ones(SEASON)
    for w in range(SEASON):
        mask = wdays == w
        if mask.any():
            factor[w] = float(np.mean(window[mask])) / overall
    factor = np.where(factor > 0, factor, 1.0)  # a weekday never busy keeps a neutral factor
    n = p.seasonal_index_level_days
    level = float(np.mean(y[-n:] / factor[weekdays[-n:]]))
    return Forecast(level * factor[np.asarray(future_weekdays, dtype=int)])


def holt_winters(y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray, p: MethodParams) -> Forecast:
    """Holt-Winters with additive weekly seasonality, no trend (statsmodels ``ExponentialSmoothing``).

    It is the ETS(A,N,A) model; its 80 % interval is the model's analytic one,
    σ √(1 + (h − 1) α² + k γ (2α + γ)) with k the whole weeks ahead (Hyndman & Athanasopoulos,
    *Forecasting: Principles and Practice*, 2nd ed., table 7.8). Initial states by the
    heuristic of that book (statsmodels ``initialization_method="heuristic"``), α and γ by least
    squares without the brute-force start grid: 4× faster, same forecasts to within noise.
    """
    _need(y, 3 * SEASON, "holt_winters")
    _flat(y, "holt_winters")
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    res = _quiet(lambda: ExponentialSmoothing(
        y, seasonal="add", seasonal_periods=SEASON, initialization_method="heuristic").fit(use_brute=False))
    alpha = float(res.params["smoothing_level"])
    gamma = float(res.params.get("smoothing_seasonal") or 0.0)
    h = np.arange(1, len(future_weekdays) + 1)
    k = (h - 1) // SEASON
    sigma = math.sqrt(float(res.sse) / len(y))
    sd = sigma * np.sqrt(1 + (h - 1) * alpha**2 + k * gamma * (2 * alpha + gamma))
    mean = np.asarray(res.forecast(len(h)), dtype=float)
    if not np.all(np.isfinite(mean)) or not np.isfinite(sigma):
        raise MethodNotApplicable("holt_winters: the fit did not converge to finite values")
    return _interval(mean, sd)


FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray, MethodParams], Forecast]] = {
    "naive": naive,
    "seasonal_naive": seasonal_naive,
    "moving_average": moving_average,
    "weighted_moving_average": weighted_moving_average,
    "exponential_smoothing": exponential_smoothing,
    "seasonal_index": seasonal_index,
    "holt_winters": holt_winters,
}


def run_method(method: str, y: np.ndarray, weekdays: np.ndarray, future_weekdays: np.ndarray,
               params: MethodParams) -> Forecast:
    """One method's forecast, made non-negative (demand is a count) with lower ≤ mean ≤ upper."""
    try:
        fn = FUNCTIONS[method]
    except KeyError:
        raise ValueError(f"unknown forecasting method {method!r}; known: {', '.join(METHODS)}") from None
    y = np.asarray(y, dtype=float)
    out = fn(y, np.asarray(weekdays, dtype=int), np.asarray(future_weekdays, dtype=int), params)
    mean = np.clip(out.mean, 0.0, None)
    if out.lower is None or out.upper is None:
        return Forecast(mean)
    return Forecast(mean, np.clip(np.minimum(out.lower, mean), 0.0, None), np.maximum(out.upper, mean))
