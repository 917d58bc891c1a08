"""The data-quality gate: Great Expectations suites on raw batches and on built marts.

Raw suites run right after each load (:func:`run_raw_suite`); mart suites run on the build
schema before publication (:func:`run_mart_suites`). Every expectation result goes to
``audit.validations`` (one ``audit.validation_runs`` row per call); GX Data Docs and a
self-contained HTML report are written per run under ``<reports>/<run_id>/``; a failed critical
expectation raises :class:`~service_warehouse.errors.DataQualityError` naming it.
Great Expectations is imported only when a suite runs.
"""

from __future__ import annotations

from service_warehouse.quality._gate import Outcome, Verdict, run_dir, run_mart_suites, run_raw_suite
from service_warehouse.quality._reports import build_audit_index, write_run_report
from service_warehouse.quality._thresholds import load_thresholds

__all__ = [
    "Outcome",
    "Verdict",
    "build_audit_index",
    "load_thresholds",
    "run_dir",
    "run_mart_suites",
    "run_raw_suite",
    "write_run_report",
]
