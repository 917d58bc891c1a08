"""Running suites with Great Expectations in the run's own GX project.

Each run validates in ``<reports>/<run_id>/gx/``, a copy of the committed template
``expectations/gx/great_expectations.yml``: suites, validation results and Data Docs of a run
stay together and nothing generated lands in the repo. The connection string stays
``${WAREHOUSE_GX_URL}`` in every file; its value is handed to GX at run time. Raw suites of a
run may run in parallel (three land tasks): a file lock serialises them on the run's project.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import html
import json
import logging
import re
import shutil
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service_warehouse.config import get_settings

log = logging.getLogger(__name__)

#: How many unexpected values (or rows) an audit row keeps as its sample.
SAMPLE_SIZE = 10
#: Expectation types whose failures are sampled by running their query (dq_suites/_counted.py).
UNEXPECTED_ROWS = ("unexpected_rows_expectation", "unexpected_rows_counted_expectation")


@dataclass(frozen=True)
class Asset:
    """What a suite is validated against: a table, or a query over the warehouse."""

    label: str                 # shown in audit and reports, e.g. raw.cdr[batches 3,4]
    schema: str | None = None  # a table asset: schema and table
    table: str | None = None
    query: str | None = None   # a query asset

    def batch_sql(self, unexpected_rows_query: str) -> str:
        """What GX substitutes for ``{batch}`` in ``unexpected_rows_query`` (to fetch samples).

        GX wraps the batch in a subquery and aliases it ``subselect`` unless the query has a
        join (then the query must alias it itself).
        """
        inner = f'select * from "{self.schema}"."{self.table}"' if self.table else self.query
        if re.search(r"\bjoin\b", unexpected_rows_query, re.IGNORECASE):
            return f"({inner})"
        return f"({inner}) as subselect"


@dataclass(frozen=True)
class Check:
    """One suite to validate against one asset."""

    suite: Any  # great_expectations.ExpectationSuite
    asset: Asset


def _jsonable(value: Any) -> Any:
    """A JSON-friendly copy of a GX result value (dates, decimals, tuples, numpy scalars)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        with contextlib.suppress(Exception):
            return _jsonable(value.item())
    if hasattr(value, "to_json_dict"):
        return _jsonable(value.to_json_dict())
    return str(value)


def gx_project(run_dir: Path) -> Path:
    """The run's GX project folder (created from the committed template on first use)."""
    template = get_settings().expectations_dir / "gx" / "great_expectations.yml"
    if not template.is_file():
        raise FileNotFoundError(f"{template}: the GX project template is missing")
    project = run_dir / "gx"
    project.mkdir(parents=True, exist_ok=True)
    target = project / "great_expectations.yml"
    if not target.exists():
        shutil.copyfile(template, target)
    return project


def run_checks(run_dir: Path, checks: list[Check], *, name: str, url: str, run_name: str) -> list[dict]:
    """Validate every check in one GX checkpoint; return one dict per expectation result.

    Data Docs of the run are updated (``<run_dir>/gx/data_docs/``). A result whose evaluation
    raised inside GX comes back with ``success`` False and the exception text.
    """
    import fasteners

    run_dir.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(str(run_dir / ".gx.lock")), warnings.catch_warnings():
        # GX 1.14+ deprecates a table asset's schema_name in favour of a per-datasource schema,
        # which its Postgres data source does not offer: marts_blue/green and raw are outside
        # the search path, so we need it (when adding assets and when GX re-reads them)
        warnings.filterwarnings("ignore", message="`schema_name` is deprecated", category=DeprecationWarning)
        return _run_locked(run_dir, checks, name=name, url=url, run_name=run_name)


def _run_locked(run_dir: Path, checks: list[Check], *, name: str, url: str, run_name: str) -> list[dict]:
    from service_warehouse.quality._thresholds import suites_module

    suites_module().import_gx()  # GX itself, imported once with its own import-time warnings silenced
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    from service_warehouse.warehouse import libpq_env

    gx_url = libpq_env(url)["WAREHOUSE_GX_URL"]
    gx_project(run_dir)
    ctx = gx.get_context(mode="file", project_root_dir=str(run_dir), runtime_environment={"WAREHOUSE_GX_URL": gx_url})
    datasource = ctx.data_sources.get("warehouse")
    tag = f"{name}-{uuid.uuid4().hex[:6]}"
    definitions = []
    by_suite: dict[str, Check] = {}
    batches: dict[str, Any] = {}  # suite name -> its batch definition (to sample a failure again)
    for i, check in enumerate(checks):
        # short and plain: GX writes asset names as YAML keys (a long key with spaces breaks its file)
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", check.asset.label).strip("_")[:48]
        asset_name = f"{slug}__{tag}-{i}"
        if check.asset.table:
            asset = datasource.add_table_asset(asset_name, table_name=check.asset.table,
                                               schema_name=check.asset.schema)
        else:
            asset = datasource.add_query_asset(asset_name, query=check.asset.query)
        batch = asset.add_batch_definition_whole_table("batch")
        suite = ctx.suites.add_or_update(check.suite)
        by_suite[suite.name] = check
        batches[suite.name] = batch
        definitions.append(ctx.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite.name}#{tag}", data=batch, suite=suite)))
    # counts, no samples: a sample of a column check is one more scan of the table even when
    # nothing is unexpected (LIMIT 0 ends it at once); failures are sampled below, alone
    checkpoint = ctx.checkpoints.add(gx.Checkpoint(
        name=tag, validation_definitions=definitions, actions=[],
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 0}))
    result = checkpoint.run(run_id=RunIdentifier(run_name=run_name))
    # Data Docs once for all results (UpdateDataDocsAction would rebuild the index per suite)
    ctx.build_data_docs(resource_identifiers=list(result.run_results.keys()))
    _offline_index(data_docs_index(run_dir))
    rows: list[dict] = []
    for suite_result in result.run_results.values():
        check = by_suite[suite_result.suite_name]
        for item in suite_result.results:
            sample = _sample_values(batches[suite_result.suite_name], item)
            rows.append(_row(check, item, url, sample))
    return rows


def _sample_values(batch_definition: Any, item: Any) -> list | None:
    """The first unexpected values of a failed column check, from a validation of it alone.

    None for a check that passed, raised, has no unexpected values (a table-level check) or is
    an unexpected-rows query (sampled by ``_sample_rows``).
    """
    config = item.expectation_config
    result = item.result or {}
    if (item.success or config.type in UNEXPECTED_ROWS or not result.get("unexpected_count")
            or (item.exception_info or {}).get("raised_exception")):
        return None
    try:
        again = batch_definition.get_batch().validate(
            config.to_domain_obj(), result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE})
    except Exception as exc:  # a sample is a courtesy: never let it hide the verdict
        log.warning("could not sample %s: %s", config.type, exc)
        return None
    return (again.result or {}).get("partial_unexpected_list")


def _row(check: Check, item: Any, url: str, sample: list | None = None) -> dict:
    config = item.expectation_config
    meta = config.meta or {}
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    result = item.result or {}
    exception = None
    info = item.exception_info or {}
    # one exception (expectation level) or one per failed metric, keyed by the metric
    infos = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    raised = [str(i.get("exception_message")) for i in infos if i.get("raised_exception")]
    if raised:
        exception = "; ".join(raised)
    column = kwargs.get("column") or ", ".join(
        kwargs.get("column_list") or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c])
    sample = sample or result.get("partial_unexpected_list")
    if config.type in UNEXPECTED_ROWS and not item.success and exception is None:
        sample = _sample_rows(check.asset, kwargs["unexpected_rows_query"], url)
    severity = getattr(config.severity, "value", config.severity) or "critical"
    return {
        "suite": check.suite.name,
        "asset": check.asset.label,
        "expectation": meta.get("name") or config.type,
        "expectation_type": config.type,
        "column_name": column or None,
        "severity": str(severity),
        "success": bool(item.success) and exception is None,
        "observed_value": _jsonable(result.get("observed_value")),
        "unexpected_count": result.get("unexpected_count",
                                       result.get("observed_value") if config.type in UNEXPECTED_ROWS
                                       else None),
        "unexpected_percent": result.get("unexpected_percent"),
        "unexpected_sample": _jsonable(sample[:SAMPLE_SIZE]) if sample else None,
        "kwargs": _jsonable(kwargs),
        "why": meta.get("why"),
        "exception": exception,
    }


def _sample_rows(asset: Asset, query: str, url: str) -> list[dict] | None:
    """A few of the rows an unexpected-rows query returned (GX keeps them only in COMPLETE mode)."""
    import psycopg
    from psycopg.rows import dict_row

    sql = query.format(batch=asset.batch_sql(query))
    try:
        with psycopg.connect(url, row_factory=dict_row) as conn:
            return list(conn.execute(f"select * from ({sql}) as unexpected limit {SAMPLE_SIZE}").fetchall())
    except psycopg.Error as exc:  # a sample is a courtesy: never let it hide the verdict
        log.warning("could not fetch a sample for %s: %s", asset.label, exc)
        return None


_OFFLINE_START = "<!-- svcwh:offline-list -->"
_OFFLINE_END = "<!-- /svcwh:offline-list -->"


def _offline_index(index: Path) -> None:
    """Put a plain list of the validation pages at the top of GX's index page.

    GX fills its index with JavaScript loaded from public CDNs: offline, auditors see an empty
    list. The per-suite pages carry their content in the HTML, so a plain list of links (no
    script, no style from the network) makes the Data Docs usable offline.
    """
    if not index.is_file():
        return
    text = index.read_text(encoding="utf-8")
    if _OFFLINE_START in text:
        text = text[: text.index(_OFFLINE_START)] + text[text.index(_OFFLINE_END) + len(_OFFLINE_END):]
    pages = sorted((index.parent / "validations").glob("**/*.html"))
    items = "".join(
        f'<li><a href="{html.escape(p.relative_to(index.parent).as_posix())}">'
        f"{html.escape(p.relative_to(index.parent / 'validations').as_posix())}</a></li>" for p in pages)
    block = (f'{_OFFLINE_START}<div style="margin:1rem;font-family:sans-serif"><p><b>Validation results of this '
             f"run</b> (this list works offline; the table below needs the network):</p><ul>{items}</ul></div>"
             f"{_OFFLINE_END}")
    text = text.replace("<body>", "<body>" + block, 1)
    index.write_text(text, encoding="utf-8")


def data_docs_index(run_dir: Path) -> Path:
    """Where the run's GX Data Docs index is written."""
    return run_dir / "gx" / "data_docs" / "index.html"


def dumps(value: Any) -> str | None:
    """JSON text for a jsonb column (None stays NULL)."""
    return None if value is None else json.dumps(_jsonable(value), ensure_ascii=False)
