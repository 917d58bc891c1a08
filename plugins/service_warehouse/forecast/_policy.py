"""The forecasting policy, read from the dbt seeds ``forecast_policy`` and ``policy_thresholds``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from service_warehouse.errors import ServiceWarehouseError
from service_warehouse.forecast._accuracy import BacktestPolicy
from service_warehouse.forecast._methods import METHODS, MethodParams

SEEDS_SCHEMA = "seeds"


class ForecastPolicyError(ServiceWarehouseError):
    """A policy value is missing or out of range (the message names the seed and the key)."""


@dataclass(frozen=True)
class Policy:
    """Every value the forecast step uses."""

    horizon_days: int
    intraday_days: int
    interval_minutes: int
    history_days: int
    methods: tuple[str, ...]
    method_params: MethodParams
    backtest: BacktestPolicy
    profile_days: int
    aht_days: int
    aht_min_calls: int
    default_aht_seconds: float
    occupancy_cap: float
    shrinkage: float
    service_level_target: float
    service_level_threshold_seconds: float

    def as_dict(self) -> dict:
        """Plain values (kept with each forecast vintage)."""
        out = asdict(self)
        out["methods"] = list(self.methods)
        return out


def policy_from_values(forecast: Mapping[str, float], thresholds: Mapping[str, float]) -> Policy:
    """Build and check the policy from the two seeds' key → value maps."""

    def value(key: str, seed: str = "forecast_policy", source: Mapping[str, float] = forecast) -> float:
        if key not in source or source[key] is None:
            raise ForecastPolicyError(f"seed {seed}: policy_key {key!r} is missing")
        return float(source[key])

    def whole(key: str, low: int = 1) -> int:
        v = value(key)
        if v != int(v) or v < low:
            raise ForecastPolicyError(f"seed forecast_policy: {key} must be a whole number ≥ {low}, not {v:g}")
        return int(v)

    def fraction(key: str, seed: str = "forecast_policy", source: Mapping[str, float] = forecast,
                 closed_low: bool = False, closed_high: bool = False) -> float:
        v = value(key, seed, source)
        if not (0 < v < 1 or (closed_low and v == 0) or (closed_high and v == 1)):
            interval = f"{'[' if closed_low else '('}0, 1{']' if closed_high else ')'}"
            raise ForecastPolicyError(f"seed {seed}: {key} must be a fraction in {interval}, not {v:g}")
        return v

    methods = tuple(m for m in METHODS if value(f"method_{m}") != 0)
    if not methods:
        raise ForecastPolicyError("seed forecast_policy: every method_* is 0 — switch at least one method on")
    interval = whole("interval_minutes")
    if 1440 % interval:
        raise ForecastPolicyError(f"seed forecast_policy: interval_minutes {interval} does not divide a day")
    horizon = whole("horizon_days")
    intraday = whole("intraday_days")
    if intraday > horizon:
        raise ForecastPolicyError(f"seed forecast_policy: intraday_days ({intraday}) exceeds horizon_days ({horizon})")
    return Policy(
        horizon_days=horizon,
        intraday_days=intraday,
        interval_minutes=interval,
        history_days=whole("history_days", 7),
        methods=methods,
        method_params=MethodParams(
            moving_average_days=whole("moving_average_days"),
            weighted_moving_average_days=whole("weighted_moving_average_days"),
            seasonal_index_weeks=whole("seasonal_index_weeks", 2),
            seasonal_index_level_days=whole("seasonal_index_level_days"),
        ),
        backtest=BacktestPolicy(horizon_days=horizon, origins=whole("backtest_origins", 0),
                                step_days=whole("backtest_step_days"),
                                min_train_days=whole("backtest_min_train_days", 7)),
        profile_days=whole("profile_days"),
        aht_days=whole("aht_days"),
        aht_min_calls=whole("aht_min_calls"),
        default_aht_seconds=value("default_aht_seconds"),
        occupancy_cap=fraction("occupancy_cap", closed_high=True),
        shrinkage=fraction("shrinkage", closed_low=True),  # no absence at all is allowed
        service_level_target=fraction("service_level_target_share", "policy_thresholds", thresholds),
        service_level_threshold_seconds=value("service_level_threshold_seconds", "policy_thresholds", thresholds),
    )


def load_policy(conn) -> Policy:
    """The policy as seeded in the warehouse (dbt seeds ``forecast_policy``, ``policy_thresholds``)."""
    values = {}
    for seed in ("forecast_policy", "policy_thresholds"):
        try:
            rows = conn.execute(f"select policy_key, policy_value from {SEEDS_SCHEMA}.{seed}").fetchall()
        except Exception as exc:  # psycopg.errors.UndefinedTable, with the transaction to roll back
            conn.rollback()
            raise ForecastPolicyError(
                f"seed {SEEDS_SCHEMA}.{seed} cannot be read ({exc}): run `dbt seed` first") from None
        values[seed] = {k: float(v) for k, v in rows}
    return policy_from_values(values["forecast_policy"], values["policy_thresholds"])
