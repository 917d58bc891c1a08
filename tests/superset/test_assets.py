"""The dashboards' YAML hangs together before any Superset starts (fast; no server, no browser).

What a hand-added chart most often gets wrong: a dataset uuid that does not exist, a metric or
column its dataset lacks, a chart file no dashboard lays out, a row wider than 12 columns.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from service_warehouse import dashboards

ASSETS = dashboards.ASSETS_DIR


def _load(kind: str) -> dict[Path, dict]:
    return {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS / kind).rglob("*.yaml"))}


DATABASES, DATASETS, CHARTS, BOARDS = (_load(k) for k in ("databases", "datasets", "charts", "dashboards"))


def test_every_uuid_is_unique():
    uuids = Counter(c["uuid"] for group in (DATABASES, DATASETS, CHARTS, BOARDS) for c in group.values())
    assert [u for u, n in uuids.items() if n > 1] == []


def test_no_password_in_the_assets():
    for path, database in DATABASES.items():
        assert "password" not in database, path
        assert ":" not in database["sqlalchemy_uri"].split("@")[0].split("//")[1], f"{path}: a password in the URI"


def test_datasets_point_at_the_database_and_readable_schemas():
    database_uuids = {d["uuid"] for d in DATABASES.values()}
    for path, dataset in DATASETS.items():
        assert dataset["database_uuid"] in database_uuids, path
        assert dataset["schema"] in ("marts", "dq"), f"{path}: bi_reader reads only marts and dq"


def _columns(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


@pytest.mark.parametrize("path", sorted(CHARTS), ids=lambda p: str(p.relative_to(ASSETS)))
def test_each_chart_uses_its_datasets_metrics_and_columns(path):
    chart = CHARTS[path]
    datasets = {d["uuid"]: d for d in DATASETS.values()}
    assert chart["dataset_uuid"] in datasets, f"{path}: unknown dataset_uuid"
    dataset = datasets[chart["dataset_uuid"]]
    params = chart["params"]
    assert params["viz_type"] == chart["viz_type"], path
    metrics = {m["metric_name"] for m in dataset["metrics"]}
    columns = {c["column_name"] for c in dataset["columns"]}
    used_metrics = _columns(params.get("metrics")) + _columns(params.get("metric")) + _columns(
        params.get("timeseries_limit_metric"))
    assert set(used_metrics) <= metrics, f"{path}: metrics not in {dataset['table_name']}: {set(used_metrics) - metrics}"
    used_columns = []
    for key in ("x_axis", "groupby", "all_columns", "groupbyRows", "groupbyColumns"):
        used_columns += _columns(params.get(key))
    used_columns += [json.loads(c)[0] for c in params.get("order_by_cols", [])]
    used_columns += [f["subject"] for f in params.get("adhoc_filters", []) if f.get("expressionType") == "SIMPLE"]
    assert set(used_columns) <= columns, f"{path}: columns not in {dataset['table_name']}: {set(used_columns) - columns}"


def test_every_chart_is_laid_out_once_and_rows_fit_the_grid():
    chart_uuids = {c["uuid"]: path for path, c in CHARTS.items()}
    laid_out = []
    for path, board in BOARDS.items():
        nodes = board["position"]
        for node in nodes.values():
            if not isinstance(node, dict):
                continue
            if node.get("type") == "CHART":
                assert node["meta"]["uuid"] in chart_uuids, f"{path}: {node['id']} names no chart file"
                assert node["meta"].get("sliceName"), f"{path}: {node['id']} has no sliceName (the export needs it)"
                laid_out.append(node["meta"]["uuid"])
            if node.get("type") == "ROW":
                width = sum(nodes[child]["meta"]["width"] for child in node["children"])
                assert width <= 12, f"{path}: row {node['id']} is {width} columns wide"
    assert sorted(laid_out) == sorted(chart_uuids), "charts not laid out (or twice)"


def test_the_five_dashboards_have_bilingual_titles():
    titles = {b["slug"]: b["dashboard_title"] for b in BOARDS.values()}
    assert set(titles) == {"service-quality", "complaints", "repairs", "customers", "data-quality"}
    for title in titles.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title) and any(ch.isascii() and ch.isalpha() for ch in title)


def test_bi_reader_uri_keeps_host_port_and_database_and_drops_the_password():
    uri = dashboards.bi_reader_uri("postgresql://warehouse:secret@db.example:5433/warehouse?sslmode=require")
    assert uri == "postgresql+psycopg2://bi_reader@db.example:5433/warehouse?sslmode=require"


def test_bi_reader_uri_without_host_or_database_is_refused():
    with pytest.raises(dashboards.SupersetError, match="no host or database"):
        dashboards.bi_reader_uri("postgresql:///warehouse?host=/tmp")


def test_a_dashboard_without_slug_is_named(tmp_path):
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "x.yaml").write_text("dashboard_title: X\n")
    with pytest.raises(dashboards.SupersetError, match=r"x\.yaml: the dashboard has no slug"):
        dashboards.dashboard_slugs(tmp_path)


def test_bootstrap_refuses_a_folder_that_is_not_an_asset_bundle(tmp_path):
    python = dashboards.venv_dir() / "bin" / "python"
    if not python.exists():
        pytest.fail(f"Superset's environment is missing ({python}): run `make superset-setup`")
    done = subprocess.run([str(python), str(dashboards.SUPERSET_DIR / "bootstrap.py"), "--assets", str(tmp_path),
                           "--warehouse-uri", "postgresql+psycopg2://bi_reader@127.0.0.1:1/w"],
                          env={"SVCWH_SUPERSET_ADMIN_PASSWORD": "x", "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"{tmp_path} is not an asset folder (no metadata.yaml)" in done.stderr


def test_serve_refuses_a_port_another_server_listens_on():
    """A busy port fails at once, naming it (else another server would answer the health check)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(dashboards.SupersetError, match=f"127.0.0.1:{port} is in use"):
            dashboards.serve(None, port=port)
