"""The landing root as an object-store URL: the loaders read it through Airflow's ObjectStoragePath."""

from __future__ import annotations

from datetime import date

import pytest

from service_warehouse.loaders import landed_days, landing_root, load_day

pytestmark = pytest.mark.integration

WO = b'{"work_order_id": "WO-1", "updated_at": "2026-08-03T10:00:00+08:00", "status": "reported"}\n'


def test_landing_url_is_read_through_object_storage(fresh_warehouse, tmp_path, monkeypatch, sql, land_day):
    land_day(tmp_path, "repairs", date(2026, 8, 3), {"work_orders.jsonl": WO})
    monkeypatch.setenv("SVCWH_LANDING_DIR", f"file://{tmp_path}")
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__NAMESPACE", "svcwh-tests")
    root = landing_root()
    assert type(root).__name__ == "ObjectStoragePath"
    assert landed_days(root) == [date(2026, 8, 3)]
    result = load_day("repairs", date(2026, 8, 3))
    assert result.status == "loaded", result.error
    assert result.files[0]["source_file"] == "repairs/2026-08-03/work_orders.jsonl"
    assert sql("select work_order_id, _source_file from raw.work_orders") == [("WO-1", "repairs/2026-08-03/work_orders.jsonl")]
