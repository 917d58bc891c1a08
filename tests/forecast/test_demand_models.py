"""The demand marts in the dbt manifest: documented, typed, contracted, marts for the gate."""

from __future__ import annotations

import json

from service_warehouse.publish._models import manifest_marts
from service_warehouse.transform import build_manifest

DEMAND_MARTS = ["demand_forecast_daily", "demand_forecast_intraday", "forecast_accuracy", "staffing_requirements"]


def test_demand_marts_are_documented_contracted_marts(tmp_path):
    manifest = build_manifest(target_path=tmp_path)
    nodes = json.loads(manifest.read_text())["nodes"]
    for name in DEMAND_MARTS:
        node = nodes[f"model.service_warehouse.{name}"]
        assert node["config"]["contract"]["enforced"], name
        assert node["schema"] == "marts_blue" and node["description"].strip(), name
        for column, spec in node["columns"].items():
            assert spec["description"].strip() and spec["data_type"], f"{name}.{column}"
    # the helpers are ephemeral: not published, not gated
    marts = manifest_marts(manifest)
    assert set(DEMAND_MARTS) <= set(marts)
    assert "demand_actuals_daily" not in marts and "demand_vintages_as_of" not in marts
    sources = json.loads(manifest.read_text())["sources"]
    assert {s["name"] for s in sources.values() if s["source_name"] == "forecast"} == {
        "vintages", "daily_forecasts", "backtest_errors", "intraday_forecasts"}
