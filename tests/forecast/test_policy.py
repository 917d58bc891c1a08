"""The forecasting policy from the seeds: defaults as shipped, clear errors naming seed and key."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service_warehouse.forecast import ForecastPolicyError, policy_from_values

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


def _seed(name: str) -> dict[str, float]:
    with (SEEDS / name).open(encoding="utf-8") as f:
        return {row["policy_key"]: float(row["policy_value"]) for row in csv.DictReader(f)}


def test_shipped_policy():
    policy = policy_from_values(_seed("forecast_policy.csv"), _seed("policy_thresholds.csv"))
    assert (policy.horizon_days, policy.intraday_days, policy.interval_minutes) == (28, 14, 30)
    assert (policy.service_level_target, policy.service_level_threshold_seconds) == (0.8, 20.0)
    assert (policy.shrinkage, policy.occupancy_cap) == (0.30, 0.85)
    assert len(policy.methods) == 7 and policy.backtest.origins == 4


@pytest.mark.parametrize(("key", "value", "message"), [
    ("interval_minutes", 25, "interval_minutes 25 does not divide a day"),
    ("intraday_days", 40, r"intraday_days \(40\) exceeds horizon_days \(28\)"),
    ("shrinkage", 1.2, "shrinkage must be a fraction in \\[0, 1\\), not 1.2"),
    ("occupancy_cap", 0, "occupancy_cap must be a fraction in \\(0, 1\\], not 0"),
    ("horizon_days", 2.5, "horizon_days must be a whole number ≥ 1, not 2.5"),
    ("moving_average_days", None, "policy_key 'moving_average_days' is missing"),
])
def test_bad_policy_values_are_named(key, value, message):
    values = _seed("forecast_policy.csv")
    if value is None:
        del values[key]
    else:
        values[key] = value
    with pytest.raises(ForecastPolicyError, match=f"seed forecast_policy: .*{message}"):
        policy_from_values(values, _seed("policy_thresholds.csv"))


def test_every_method_switched_off_is_an_error():
    values = {k: (0 if k.startswith("method_") else v) for k, v in _seed("forecast_policy.csv").items()}
    with pytest.raises(ForecastPolicyError, match="switch at least one method on"):
        policy_from_values(values, _seed("policy_thresholds.csv"))


def test_edges_that_are_allowed():
    """No shrinkage at all, and agents busy all the time, are valid (if bold) policies."""
    values = {**_seed("forecast_policy.csv"), "shrinkage": 0, "occupancy_cap": 1}
    policy = policy_from_values(values, _seed("policy_thresholds.csv"))
    assert (policy.shrinkage, policy.occupancy_cap) == (0, 1)
