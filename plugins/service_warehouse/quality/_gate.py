"""The data-quality gate: run the suites, record every verdict in ``audit``, stop on critical failures."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service_warehouse.config import get_settings, require_build_schema
from service_warehouse.errors import DataQualityError
from service_warehouse.quality._gx import Asset, Check, data_docs_index, dumps, run_checks
from service_warehouse.quality._thresholds import load_thresholds, suites_module

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Outcome:
    """The result of one expectation, as written to ``audit.validations``."""

    suite: str
    asset: str
    expectation: str
    expectation_type: str
    column_name: str | None
    severity: str
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_sample: Any = None
    kwargs: Any = None
    why: str | None = None
    exception: str | None = None

    def describe(self) -> str:
        """One line naming the expectation and what was seen."""
        seen = f"{self.unexpected_count} unexpected" if self.unexpected_count else f"observed {self.observed_value!r}"
        if self.exception:
            seen = f"could not be evaluated: {self.exception}"
        return f"{self.suite}: {self.expectation} ({seen})"


@dataclass(frozen=True)
class Verdict:
    """What a gate call decided: passed, warning (published with warnings) or failed."""

    validation_run_id: int
    run_id: str
    logical_date: dt.date
    family: str
    status: str
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)
    source: str | None = None
    build_schema: str | None = None
    batch_ids: tuple[int, ...] = ()
    data_docs: Path | None = None
    report: Path | None = None

    @property
    def passed(self) -> bool:
        """True unless a critical expectation failed."""
        return self.status != "failed"

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warning_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]


def run_dir(run_id: str) -> Path:
    """The run's report folder, ``<reports>/<run_id>/`` (unsafe characters replaced)."""
    safe = re.sub(r"[^A-Za-z0-9._:+=-]", "_", run_id)
    if not run_id or safe in (".", ".."):
        raise ValueError(f"run id {run_id!r} cannot name a report folder")
    return get_settings().reports_dir / safe


def _as_date(value: dt.date | str, what: str = "logical_date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from exc


def run_raw_suite(source: str, batch_ids: list[int], run_id: str, logical_date: dt.date | str,
                  *, raise_on_failure: bool = True) -> Verdict:
    """Validate the rows ``batch_ids`` of ``source`` loaded into raw; record and report the verdict.

    Raises:
        DataQualityError: a critical expectation failed (the error names them; ``.verdict`` holds
            the whole verdict), unless ``raise_on_failure`` is False.
        ValueError: unknown source, or batch ids that are not this source's batches.
    """
    from service_warehouse.warehouse import connect, warehouse_url

    suites = suites_module()
    tables = suites.raw_tables(source)  # raises on an unknown source
    day = _as_date(logical_date)
    ids = sorted({int(i) for i in batch_ids})
    url = warehouse_url()
    with connect(url) as conn:
        found = dict(conn.execute(
            "select batch_id, source from audit.load_batches where batch_id = any(%s)", (ids,)).fetchall())
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ValueError(f"raw suite {source}: load batches {unknown} do not exist in audit.load_batches")
    foreign = [i for i in ids if found[i] != source]
    if foreign:
        raise ValueError(f"raw suite {source}: load batches {foreign} belong to another source")
    thresholds = load_thresholds()
    checks: list[Check] = []
    if ids:
        label = (f"[batch {','.join(map(str, ids))}]" if len(ids) <= 5
                 else f"[{len(ids)} batches {ids[0]}…{ids[-1]}]")  # every id is in validation_runs.batch_ids
        for table in tables:
            checks.append(Check(suites.raw_schema_suite(source, table, thresholds), Asset(f"raw.{table}", "raw", table)))
            checks.append(Check(suites.raw_batch_suite(source, table, thresholds, str(get_settings().centre_tz)),
                                Asset(f"raw.{table}{label}", query=suites.batch_query(table, ids))))
        checks.append(Check(suites.raw_batches_suite(source, thresholds),
                            Asset(f"audit.load_batches{label}", query=suites.batches_query(ids))))
        volume = suites.volume_query(source, ids, thresholds)
        if volume:
            checks.append(Check(suites.raw_volume_suite(source, thresholds), Asset(f"volume{label}", query=volume)))
    return _gate(url, checks, family="raw", run_id=run_id, day=day, source=source, batch_ids=ids,
                 raise_on_failure=raise_on_failure)


def run_mart_suites(build_schema: str, run_id: str, logical_date: dt.date | str,
                    *, raise_on_failure: bool = True) -> Verdict:
    """Validate the marts dbt built into ``build_schema`` before they may be published.

    Raises:
        DataQualityError: a critical expectation failed (named in the message; ``.verdict``),
            or no mart is there to validate.
        ValueError: ``build_schema`` is not one of the build schemas.
    """
    from service_warehouse.publish import mart_models
    from service_warehouse.warehouse import connect, warehouse_url

    require_build_schema(build_schema)
    suites = suites_module()
    day = _as_date(logical_date)
    url = warehouse_url()
    models = mart_models(build_schema)
    with connect(url) as conn:
        rows = conn.execute(
            "select table_name, column_name from information_schema.columns where table_schema = %s "
            "order by table_name, ordinal_position", (build_schema,)).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    if not models:
        raise DataQualityError(f"mart suites: no marts in {build_schema} to validate (did dbt build?)")
    missing = [m for m in models if m not in columns]
    if missing:
        raise DataQualityError(f"mart suites: marts {missing} are not in {build_schema} (did dbt build them?)")
    thresholds = load_thresholds()
    tz = str(get_settings().centre_tz)
    checks = [
        Check(suites.mart_suite(model, columns[model], build_schema=build_schema, available=set(columns),
                                thresholds=thresholds, centre_tz=tz, logical_date=day),
              Asset(f"{build_schema}.{model}", build_schema, model))
        for model in models
    ]
    return _gate(url, checks, family="mart", run_id=run_id, day=day, build_schema=build_schema,
                 raise_on_failure=raise_on_failure)


def _gate(url: str, checks: list[Check], *, family: str, run_id: str, day: dt.date, source: str | None = None,
          build_schema: str | None = None, batch_ids: list[int] | None = None, raise_on_failure: bool) -> Verdict:
    from service_warehouse.quality._reports import build_audit_index, write_run_report
    from service_warehouse.warehouse import connect

    folder = run_dir(run_id)
    suite_names = [c.suite.name for c in checks]
    with connect(url, autocommit=True) as conn:
        (vrid,) = conn.execute(
            "insert into audit.validation_runs (run_id, logical_date, family, source, build_schema, batch_ids, suites)"
            " values (%s, %s, %s, %s, %s, %s, %s) returning validation_run_id",
            (run_id, day, family, source, build_schema, batch_ids or [], suite_names)).fetchone()
    try:
        rows = run_checks(folder, checks, name=f"{family}-{vrid}", url=url, run_name=run_id) if checks else []
    except Exception as exc:
        with connect(url, autocommit=True) as conn:
            conn.execute("update audit.validation_runs set status = 'error', error = %s, finished_at = now() "
                         "where validation_run_id = %s", (f"{type(exc).__name__}: {exc}", vrid))
        raise DataQualityError(
            f"{family} suites of run {run_id} could not run ({type(exc).__name__}: {exc}); nothing is "
            "published on an unchecked build") from exc
    outcomes = tuple(Outcome(**row) for row in rows)
    critical = [o for o in outcomes if not o.success and o.severity == "critical"]
    warnings = [o for o in outcomes if not o.success and o.severity != "critical"]
    status = "failed" if critical else "warning" if warnings else "passed"
    docs = data_docs_index(folder)
    report = folder / "report.html"
    reports_dir = get_settings().reports_dir
    with connect(url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "insert into audit.validations (validation_run_id, run_id, logical_date, suite, asset, expectation,"
                " expectation_type, column_name, severity, success, observed_value, unexpected_count,"
                " unexpected_percent, unexpected_sample, kwargs, why, exception)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(vrid, run_id, day, o.suite, o.asset, o.expectation, o.expectation_type, o.column_name, o.severity,
                  o.success, dumps(o.observed_value), o.unexpected_count, o.unexpected_percent,
                  dumps(o.unexpected_sample), dumps(o.kwargs), o.why, o.exception) for o in outcomes])
            cur.execute(
                "update audit.validation_runs set status = %s, evaluated = %s, critical_failures = %s,"
                " warning_failures = %s, failing_critical = %s, data_docs_path = %s, report_path = %s,"
                " finished_at = now() where validation_run_id = %s",
                (status, len(outcomes), len(critical), len(warnings),
                 sorted({f"{o.suite}: {o.expectation}" for o in critical}),
                 str(docs.relative_to(reports_dir)) if docs.exists() else None,
                 str(report.relative_to(reports_dir)), vrid))
    verdict = Verdict(validation_run_id=vrid, run_id=run_id, logical_date=day, family=family, status=status,
                      outcomes=outcomes, source=source, build_schema=build_schema, batch_ids=tuple(batch_ids or ()),
                      data_docs=docs if docs.exists() else None, report=report)
    write_run_report(run_id)
    build_audit_index()
    log.info("%s suites of run %s: %s (%d expectations, %d critical and %d warning failures)",
             family, run_id, status, len(outcomes), len(critical), len(warnings))
    if status == "failed" and raise_on_failure:
        what = source or build_schema
        error = DataQualityError(
            f"{family} suites ({what}) of run {run_id} for {day}: {len(critical)} critical expectation(s) failed: "
            + "; ".join(o.describe() for o in critical[:10]) + (" …" if len(critical) > 10 else "")
            + f". Report: {report}")
        error.verdict = verdict  # type: ignore[attr-defined]
        raise error
    return verdict
