"""Write-audit-publish: dbt writes a build schema, the gate audits it, this publishes it.

``marts`` holds only views, one per mart, onto the build schema of the last build that passed
the gate. dbt builds into the other one (:func:`choose_build_schema`), so a failed gate leaves
the published marts exactly as they were. :func:`publish` re-points every view in one
transaction: readers see the old marts or the new ones, never a mix, and wait at most the
lock timeout. Nothing is copied, so a large fact table costs nothing to publish.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass

from service_warehouse.config import BUILD_SCHEMAS, require_build_schema
from service_warehouse.errors import DataQualityError, WarehouseError
from service_warehouse.publish._models import mart_models

log = logging.getLogger(__name__)

PUBLISHED_SCHEMA = "marts"
READER_ROLES = ("bi_reader", "auditor")


@dataclass(frozen=True)
class Publication:
    """One publication of the marts (a row of ``audit.publications``)."""

    publication_id: int
    run_id: str
    logical_date: dt.date
    build_schema: str
    models: tuple[str, ...]
    validation_run_id: int
    published_at: dt.datetime


def _connect(**kwargs):
    from service_warehouse.warehouse import connect

    return connect(**kwargs)


def live_schema() -> str | None:
    """The build schema the ``marts`` views point at now (None before the first publication).

    Read from the views themselves (what readers see), else from the last publication.
    """
    with _connect() as conn:
        rows = conn.execute(
            """
            select distinct tn.nspname
            from pg_class as v
            join pg_namespace as vn on vn.oid = v.relnamespace
            join pg_rewrite as r on r.ev_class = v.oid
            join pg_depend as d on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass
            join pg_class as t on t.oid = d.refobjid
            join pg_namespace as tn on tn.oid = t.relnamespace
            where vn.nspname = %s and v.relkind = 'v' and tn.nspname = any(%s)
            """, (PUBLISHED_SCHEMA, list(BUILD_SCHEMAS))).fetchall()
        schemas = sorted(r[0] for r in rows)
        if len(schemas) > 1:
            raise WarehouseError(f"the marts views point at both {schemas}: publish again to repair them")
        if schemas:
            return schemas[0]
        row = conn.execute("select build_schema from audit.publications order by publication_id desc limit 1").fetchone()
    return row[0] if row else None


def choose_build_schema() -> str:
    """The build schema dbt must write into: the one that is not live (first ever: marts_blue)."""
    return "marts_green" if live_schema() == "marts_blue" else "marts_blue"


def _lock_timeout() -> str:
    return os.environ.get("SVCWH_PUBLISH_LOCK_TIMEOUT", "2s")


def publish(build_schema: str, run_id: str, logical_date: dt.date | str, validation_run_id: int,
            *, attempts: int = 5) -> Publication:
    """Publish the marts of ``build_schema`` (which passed the gate in ``validation_run_id``).

    One transaction re-creates every ``marts`` view onto the build schema, grants them to
    bi_reader and auditor, and records the publication with the load batches and validations
    it rests on. Safe to call again for the same validation run (returns the same publication).

    Raises:
        DataQualityError: the validation run is not a passed mart validation of this build schema.
        ValueError: ``build_schema`` is not a build schema, or a mart is missing from it.
        WarehouseError: the views stayed locked by readers through every attempt.
    """
    import psycopg

    require_build_schema(build_schema)
    day = logical_date if isinstance(logical_date, dt.date) else dt.date.fromisoformat(str(logical_date))
    _check_validation(build_schema, run_id, validation_run_id)
    existing = _existing(validation_run_id)
    if existing is not None:
        return existing
    models = mart_models(build_schema)
    if not models:
        raise ValueError(f"no marts to publish from {build_schema}")
    for attempt in range(1, attempts + 1):
        try:
            publication = _publish_once(build_schema, run_id, day, validation_run_id, models)
            break
        except psycopg.errors.LockNotAvailable:
            log.warning("publish: marts views busy (attempt %d of %d), retrying", attempt, attempts)
        except psycopg.errors.DeadlockDetected:
            log.warning("publish: deadlock with a reader (attempt %d of %d), retrying", attempt, attempts)
        if attempt < attempts:
            time.sleep(min(2.0 * attempt, 10.0))
    else:
        raise WarehouseError(
            f"publish of {build_schema} for run {run_id}: the marts views stayed locked by readers through "
            f"{attempts} attempts (lock timeout {_lock_timeout()}); the previous marts are still published")
    _refresh_reports(run_id)
    _passwords()
    log.info("published %d marts from %s for run %s (publication %d)", len(models), build_schema, run_id,
             publication.publication_id)
    return publication


def _existing(validation_run_id: int) -> Publication | None:
    with _connect() as conn:
        row = conn.execute(
            "select publication_id, run_id, logical_date, build_schema, models, validation_run_id, published_at"
            " from audit.publications where validation_run_id = %s order by publication_id desc limit 1",
            (validation_run_id,)).fetchone()
    if row is None:
        return None
    # only the same publication if the views still point there (else it is a re-publication)
    if live_schema() != row[3]:
        return None
    return Publication(row[0], row[1], row[2], row[3], tuple(row[4]), row[5], row[6])


def _check_validation(build_schema: str, run_id: str, validation_run_id: int) -> None:
    with _connect() as conn:
        row = conn.execute(
            "select family, build_schema, status, failing_critical, run_id from audit.validation_runs"
            " where validation_run_id = %s", (validation_run_id,)).fetchone()
    if row is None:
        raise DataQualityError(f"publish: validation run {validation_run_id} does not exist: nothing is published "
                               "without a passed gate")
    family, schema, status, failing, validated_run = row
    if family != "mart" or schema != build_schema:
        raise DataQualityError(f"publish: validation run {validation_run_id} validated {family} {schema or ''}, "
                               f"not the marts in {build_schema}")
    if status not in ("passed", "warning"):
        named = "; ".join(failing) if failing else status
        raise DataQualityError(f"publish: the gate of {build_schema} (validation run {validation_run_id}, run "
                               f"{validated_run}) is {status}: {named}. The previous marts stay published")


def _publish_once(build_schema: str, run_id: str, day: dt.date, validation_run_id: int,
                  models: list[str]) -> Publication:
    from psycopg import sql

    with _connect() as conn:
        with conn.transaction():
            conn.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(_lock_timeout())))
            present = {r[0] for r in conn.execute(
                "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
                " where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm')", (build_schema,)).fetchall()}
            missing = [m for m in models if m not in present]
            if missing:
                raise ValueError(f"publish: marts {missing} are not in {build_schema}: nothing published")
            current = [r[0] for r in conn.execute(
                "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
                " where n.nspname = %s and c.relkind = 'v' order by c.relname", (PUBLISHED_SCHEMA,)).fetchall()]
            for stale in sorted(set(current) - set(models)):
                conn.execute(sql.SQL("drop view {}").format(sql.Identifier(PUBLISHED_SCHEMA, stale)))
            for model in models:
                view = sql.Identifier(PUBLISHED_SCHEMA, model)
                conn.execute(sql.SQL("drop view if exists {}").format(view))
                conn.execute(sql.SQL("create view {} as select * from {}").format(
                    view, sql.Identifier(build_schema, model)))
                conn.execute(sql.SQL("comment on view {} is {}").format(view, sql.Literal(
                    f"{model} as built in {build_schema}, published by run {run_id} for {day} "
                    f"(validation run {validation_run_id})")))
            conn.execute(sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(PUBLISHED_SCHEMA), sql.SQL(", ").join(map(sql.Identifier, READER_ROLES))))
            conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(
                sql.Identifier(PUBLISHED_SCHEMA), sql.SQL(", ").join(map(sql.Identifier, READER_ROLES))))
            row = conn.execute(
                """
                with batches as (
                    select coalesce(array_agg(batch_id order by batch_id), '{}') as ids
                    from audit.load_batches where status = 'loaded' and logical_date <= %(day)s
                )
                insert into audit.publications
                    (run_id, logical_date, build_schema, models, validation_run_id, raw_validation_run_ids, batch_ids)
                select %(run_id)s, %(day)s, %(schema)s, %(models)s, %(vrid)s,
                       coalesce((select array_agg(distinct vr.validation_run_id order by vr.validation_run_id)
                                 from audit.validation_runs as vr
                                 where vr.family = 'raw' and vr.batch_ids && batches.ids), '{}'),
                       batches.ids
                from batches
                returning publication_id, published_at
                """, {"day": day, "run_id": run_id, "schema": build_schema, "models": models,
                      "vrid": validation_run_id}).fetchone()
    return Publication(row[0], run_id, day, build_schema, tuple(models), validation_run_id, row[1])


def _passwords() -> None:
    """Role passwords from the environment (compose sets them); the publication stands without."""
    import psycopg

    from service_warehouse.publish._roles import apply_role_passwords

    try:
        apply_role_passwords()
    except psycopg.errors.InsufficientPrivilege as exc:
        log.warning("publish: cannot set the role passwords from SVCWH_<ROLE>_PASSWORD: %s", exc)


def _refresh_reports(run_id: str) -> None:
    """The run's report and the auditors' index show the publication (best effort)."""
    from service_warehouse.quality import build_audit_index, write_run_report

    try:
        write_run_report(run_id)
        build_audit_index()
    except OSError as exc:  # the publication stands; a report folder problem must not undo it
        log.warning("publish: could not refresh the reports: %s", exc)
