"""Airflow assets the nightly DAG updates, for downstream DAGs to be scheduled on.

``RAW_ASSETS[source]`` is updated when a source's raw tables received new batches (after its
raw suite passed); ``MARTS_PUBLISHED`` when the ``marts`` views point at a newly validated
build. A dashboard refresh DAG schedules itself with ``schedule=[MARTS_PUBLISHED]``.
"""

from __future__ import annotations

from airflow.sdk import Asset

RAW_ASSETS: dict[str, Asset] = {
    source: Asset(
        name=f"service_warehouse.raw.{source}",
        uri=f"svcwh://warehouse/raw/{source}",
        group="service_warehouse",
        extra={"schema": "raw", "source": source},
    )
    for source in ("crm", "calls", "repairs")
}

MARTS_PUBLISHED = Asset(
    name="service_warehouse.marts.published",
    uri="svcwh://warehouse/marts",
    group="service_warehouse",
    extra={"schema": "marts"},
)
