"""Which models are marts: dbt's manifest first, else the build schema's tables."""

from __future__ import annotations

import json

import pytest

from service_warehouse.publish import manifest_marts, mart_models


def _manifest(tmp_path, nodes: dict) -> None:
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps({"nodes": nodes}), encoding="utf-8")


def test_mart_models_reads_marts_from_the_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("SVCWH_DBT_PROJECT_DIR", str(tmp_path))
    monkeypatch.delenv("SVCWH_DBT_TARGET_DIR", raising=False)
    _manifest(tmp_path, {
        "model.p.fct_calls": {"resource_type": "model", "name": "fct_calls",
                              "original_file_path": "models/marts/service/fct_calls.sql", "config": {}},
        "model.p.dim_x": {"resource_type": "model", "name": "dim_x", "alias": "dim_customer",
                          "original_file_path": "models/marts/customer/dim_x.sql", "config": {"enabled": True}},
        "model.p.stg": {"resource_type": "model", "name": "stg_crm__customers",
                        "original_file_path": "models/staging/crm/stg_crm__customers.sql", "config": {}},
        "model.p.eph": {"resource_type": "model", "name": "helper", "original_file_path": "models/marts/h.sql",
                        "config": {"materialized": "ephemeral"}},
        "test.p.t": {"resource_type": "test", "name": "unique_x", "original_file_path": "models/marts/_m.yml"},
    })

    assert mart_models() == ["dim_customer", "fct_calls"]


def test_mart_models_without_manifest_and_schema_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("SVCWH_DBT_PROJECT_DIR", str(tmp_path))
    monkeypatch.delenv("SVCWH_DBT_TARGET_DIR", raising=False)
    assert manifest_marts() is None
    assert mart_models() == []


def test_manifest_marts_unreadable_manifest_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SVCWH_DBT_PROJECT_DIR", str(tmp_path))
    monkeypatch.delenv("SVCWH_DBT_TARGET_DIR", raising=False)
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="manifest.json: cannot read the dbt manifest"):
        mart_models()
