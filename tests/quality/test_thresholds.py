"""The thresholds file: read, checked, and used by the suites (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from service_warehouse.quality import load_thresholds
from service_warehouse.quality._thresholds import suites_module


def test_load_thresholds_reads_the_shipped_file():
    thresholds = load_thresholds()
    assert thresholds["raw"]["quarantine_share"]["critical"] > thresholds["raw"]["quarantine_share"]["warning"]
    assert thresholds["marts"]["kpi_swings"]["trailing_days"] == 28


def test_load_thresholds_missing_section_names_file_and_key(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text("raw: {day_overrun_hours: 6, quarantine_share: {}, volume: {}}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"thresholds\.yml: section 'marts' is missing"):
        load_thresholds(path)
    path.write_text("raw: {day_overrun_hours: 6}\nmarts: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="raw: missing quarantine_share, volume"):
        load_thresholds(path)
    with pytest.raises(ValueError, match="is missing"):
        load_thresholds(tmp_path / "nope.yml")


def test_suites_severity_override_and_bad_severity():
    suites = suites_module()
    thresholds = load_thresholds()
    thresholds["severity_overrides"] = {"cdr.answer_at_not_before_start_at": "warning"}
    suite = suites.raw_batch_suite("calls", "cdr", thresholds, "Asia/Shanghai")
    by_name = {e.meta["name"]: e for e in suite.expectations}
    assert by_name["cdr.answer_at_not_before_start_at"].severity.value == "warning"
    assert by_name["cdr.end_at_not_before_start_at"].severity.value == "critical"
    assert all(e.meta.get("why") for e in suite.expectations)  # every expectation says why it exists
    thresholds["severity_overrides"] = {"cdr.answer_at_not_before_start_at": "fatal"}
    with pytest.raises(ValueError, match="severity must be one of"):
        suites.raw_batch_suite("calls", "cdr", thresholds, "Asia/Shanghai")


def test_mart_suite_rates_and_unknown_kpi():
    suites = suites_module()
    thresholds = load_thresholds()
    assert suites.rate_columns(["churn_rate", "growth_rate", "csat", "nps", "service_level"], thresholds) == [
        "churn_rate", "csat", "service_level"]
    thresholds["marts"]["kpi_swings"]["kpis"] = {"happiness": {"absolute_tolerance": 0.1}}
    with pytest.raises(ValueError, match="unknown KPI 'happiness'"):
        suites.mart_suite("call_kpis_daily", ["local_date", "queue", "offered"], build_schema="marts_blue",
                          available={"call_kpis_daily"}, thresholds=thresholds, centre_tz="Asia/Shanghai",
                          logical_date=dt.date(2026, 10, 1))
