"""Demand forecasting and Erlang C staffing (客户需求预测): the nightly forecast step.

- :func:`run_forecast` — read the actuals of a build, forecast every series with every method,
  pick each series' champion by a rolling-origin backtest, spread the call forecast over the
  staffing intervals, staff them by Erlang C and write the vintage to schema ``forecast``.
- the methods (:data:`METHODS`, :func:`run_method`), the accuracy measures (:func:`score`,
  :func:`accuracy`), the backtest (:func:`backtest`) and Erlang C (:func:`agents_needed`,
  :func:`erlang_c`, :func:`service_level`, :func:`asa_seconds`).
"""

from __future__ import annotations

from service_warehouse.forecast._accuracy import (
    HORIZON_BUCKETS,
    Accuracy,
    BacktestPolicy,
    ErrorSums,
    accuracy,
    backtest,
    forecast_days,
    horizon_bucket,
    score,
)
from service_warehouse.forecast._calendar import adjust, day_kind
from service_warehouse.forecast._erlang import Staffing, agents_needed, asa_seconds, erlang_c, service_level
from service_warehouse.forecast._intraday import interval_aht, interval_profile, profile_type
from service_warehouse.forecast._methods import METHODS, Forecast, MethodNotApplicable, MethodParams, run_method
from service_warehouse.forecast._policy import ForecastPolicyError, Policy, load_policy, policy_from_values
from service_warehouse.forecast._step import (
    ForecastRun,
    ForecastVintageError,
    QueueIntervals,
    Series,
    compute_vintage,
    run_forecast,
)

__all__ = [
    "HORIZON_BUCKETS", "METHODS", "Accuracy", "BacktestPolicy", "ErrorSums", "Forecast", "ForecastPolicyError",
    "ForecastRun", "ForecastVintageError", "MethodNotApplicable", "MethodParams", "Policy", "QueueIntervals",
    "Series", "Staffing", "accuracy", "adjust", "agents_needed", "asa_seconds", "backtest", "compute_vintage",
    "day_kind", "erlang_c", "forecast_days", "horizon_bucket", "interval_aht", "interval_profile", "load_policy",
    "policy_from_values", "profile_type", "run_forecast", "run_method", "score", "service_level",
]
