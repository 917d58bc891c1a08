"""Batches: one per source × logical day × attempt, atomic, idempotent, audited.

``load_day`` records a ``running`` batch (committed at once, so a failure stays visible),
then in ONE transaction: COPYs the day's rows into raw and its rejections into the
quarantine, marks the day's previous loaded batch ``replaced`` and deletes its raw rows, and
marks the new batch ``loaded`` with its counts. Readers see the old day or the new one,
never half of each. Any error rolls all of it back and the batch is marked ``failed`` with
the error (a file-level fault names the file, line and fault): nothing partial is left and a
later run retries. An identical delivery (same files, same sha256) is recorded as
``skipped`` unless ``force``.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from service_warehouse.config import get_settings
from service_warehouse.errors import ServiceWarehouseError, SourceFileError
from service_warehouse.loaders import _crm
from service_warehouse.loaders._copy import LINEAGE, Counts, QuarantineSpool, copy_rows
from service_warehouse.loaders._landing import (
    SOURCE_FILES,
    LandedFile,
    checksum,
    landed_days,
    landing_root,
    relative_name,
)
from service_warehouse.sources import ParseContext, cdr, qa, queue_log, work_orders

log = logging.getLogger(__name__)

SOURCES = ("crm", "calls", "repairs")
PARSERS = {
    "cdr": (cdr.parse_cdr, cdr.COLUMNS),
    "queue_log": (queue_log.parse_queue_log, queue_log.COLUMNS),
    "qa": (qa.parse_qa, qa.COLUMNS),
    "work_orders": (work_orders.parse_work_orders, work_orders.COLUMNS),
}
RAW_TABLES = {
    "crm": tuple(t.raw_table for t in _crm.TABLES),
    "calls": tuple(table for _, table, _ in SOURCE_FILES["calls"]),
    "repairs": tuple(table for _, table, _ in SOURCE_FILES["repairs"]),
}


#: A CRM batch that loads at least this many rows refreshes the planner statistics of its tables.
ANALYZE_AFTER_ROWS = 100_000


class LoadError(ServiceWarehouseError):
    """A batch failed (raised by :meth:`BatchResult.raise_for_status`)."""


@dataclass
class BatchResult:
    """What happened to one source × day: status, counts, files, error."""

    source: str
    logical_date: date
    status: str  # loaded | skipped | failed
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    fault: str | None = None
    replaced_batch_id: int | None = None
    seconds: float = 0.0
    files: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def raise_for_status(self) -> BatchResult:
        """Raise :class:`LoadError` when the batch failed; return self otherwise."""
        if self.status == "failed":
            raise LoadError(f"{self.source} {self.logical_date}: {self.error}")
        return self

    def as_dict(self) -> dict:
        out = asdict(self)
        out["logical_date"] = self.logical_date.isoformat()
        return out


def _connect(**kwargs):
    from service_warehouse.warehouse import connect

    return connect(**kwargs)


def _json(value) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ServiceWarehouseError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")


def _day_files(source: str, day: date) -> list[tuple[LandedFile, str, str]]:
    """The day's files with checksums (file-level faults for a missing folder or file)."""
    root = landing_root()
    folder = root / source / day.isoformat()
    marker = root / "_done" / day.isoformat()
    if not folder.exists():
        later = [d for d in landed_days(root) if d > day]
        why = f"later days have landed ({later[0]} …)" if later else "the day has not landed"
        raise SourceFileError(relative_name(root, folder), f"missing_day: the day folder is missing; {why}")
    if not marker.exists():
        raise SourceFileError(
            relative_name(root, marker), f"missing_day: {source}/{day} has no _done marker: the day has not fully landed"
        )
    files = []
    for name, table, parser in SOURCE_FILES[source]:
        path = folder / name
        rel = relative_name(root, path)
        try:
            size, sha = checksum(path)
        except FileNotFoundError:
            raise SourceFileError(rel, "unreadable_file: the file is missing from the landed day") from None
        except (OSError, IsADirectoryError) as exc:
            raise SourceFileError(rel, f"unreadable_file: {exc}") from None
        files.append((LandedFile(path, rel, size, sha), table, parser))
    return files


def _fault_code(exc: BaseException) -> str | None:
    code = getattr(exc, "code", None)
    if code:
        return code
    if isinstance(exc, SourceFileError):
        return exc.fault.split(":", 1)[0]
    return None


def load_day(source: str, day: date, run_id: str | None = None, force: bool = False) -> BatchResult:
    """Load one source's logical day as one batch (replacing a loaded batch of that day).

    Never raises for a data fault: a failed batch comes back with status ``failed``, its
    error and fault code (call :meth:`BatchResult.raise_for_status` to raise).
    """
    _check_source(source)
    started = time.perf_counter()
    settings = get_settings()
    result = BatchResult(source=source, logical_date=day, status="running")
    with _connect(autocommit=True) as conn:
        files: list = []
        fault: Exception | None = None
        if source != "crm":
            try:
                checksum_began = time.perf_counter()
                files = _day_files(source, day)
                checksum_seconds = round(time.perf_counter() - checksum_began, 3)
            except SourceFileError as exc:
                fault = exc
        if fault is None and source != "crm" and not force:
            same = _identical_batch(conn, source, day, files)
            if same is not None:
                return _record_skipped(conn, result, files, same, run_id, started)
        batch_id = conn.execute(
            "insert into audit.load_batches (source, logical_date, run_id, status, details) "
            "values (%s, %s, %s, 'running', %s) returning batch_id",
            (source, day, run_id, _json({"force": force})),
        ).fetchone()[0]
        result.batch_id = batch_id
        ctx = ParseContext(path="", logical_date=day, centre_tz=settings.centre_tz, cdr_tz=settings.cdr_tz)
        spool = QuarantineSpool(batch_id, source)
        try:
            if fault is not None:
                raise fault
            with conn.transaction():
                conn.execute(
                    "select pg_advisory_xact_lock(hashtext('svcwh.load'), hashtext(%s))", (f"{source}:{day}",)
                )
                conn.execute(
                    "update audit.load_batches set status = 'failed', finished_at = now(), "
                    "error = 'abandoned: the process loading it stopped before finishing' "
                    "where source = %s and logical_date = %s and status = 'running' and batch_id <> %s",
                    (source, day, batch_id),
                )
                previous = conn.execute(
                    "select batch_id from audit.load_batches where source = %s and logical_date = %s "
                    "and status = 'loaded' for update",
                    (source, day),
                ).fetchall()
                if source == "crm":
                    totals, file_rows, details = _load_crm(conn, ctx, batch_id, spool)
                else:
                    totals, file_rows, details = _load_files(conn, ctx, batch_id, files, spool)
                spool.flush(conn.cursor())
                old_ids = [r[0] for r in previous]
                replace_began = time.perf_counter()
                if old_ids:
                    for table in RAW_TABLES[source]:
                        conn.execute(f"delete from {table} where _batch_id = any(%s)", (old_ids,))
                    conn.execute(
                        "update audit.load_batches set status = 'replaced', replaced_by = %s "
                        "where batch_id = any(%s)",
                        (batch_id, old_ids),
                    )
                    result.replaced_batch_id = old_ids[-1]
                    details["replace_seconds"] = round(time.perf_counter() - replace_began, 3)
                if source == "crm":
                    _store_watermarks(conn, batch_id, details["watermarks"])
                details["seconds"] = round(time.perf_counter() - started, 3)
                if source != "crm":
                    details["checksum_seconds"] = checksum_seconds
                details["force"] = force
                conn.execute(
                    "update audit.load_batches set status = 'loaded', finished_at = now(), rows_read = %s, "
                    "rows_loaded = %s, rows_quarantined = %s, details = %s where batch_id = %s",
                    (totals.read, totals.loaded, totals.quarantined, _json(details), batch_id),
                )
                with conn.cursor().copy(
                    "copy audit.load_files (batch_id, source_file, size_bytes, sha256, rows_read, rows_loaded, "
                    "rows_quarantined, details) from stdin"
                ) as copy:
                    for f in file_rows:
                        copy.write_row(
                            (batch_id, f["source_file"], f.get("size_bytes"), f.get("sha256"), f["rows_read"],
                             f["rows_loaded"], f["rows_quarantined"], _json(f.get("details", {})))
                        )  # fmt: skip
            if source == "crm" and totals.loaded >= ANALYZE_AFTER_ROWS:
                _analyze(conn, RAW_TABLES[source])
            _summarize_brin(conn, RAW_TABLES[source])
            result.status = "loaded"
            result.rows_read, result.rows_loaded, result.rows_quarantined = totals.read, totals.loaded, totals.quarantined
            result.files, result.details = file_rows, details
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the batch
            result.status = "failed"
            result.error = str(exc) if isinstance(exc, ServiceWarehouseError) else f"{type(exc).__name__}: {exc}"
            result.fault = _fault_code(exc)
            if not isinstance(exc, ServiceWarehouseError):
                log.error("batch %s (%s %s) failed:\n%s", batch_id, source, day, traceback.format_exc())
            conn.execute(
                "update audit.load_batches set status = 'failed', finished_at = now(), error = %s, fault = %s, "
                "details = details || %s where batch_id = %s",
                (result.error, result.fault, _json({"files": [_file_dict(f) for f, _, _ in files]}), batch_id),
            )
        finally:
            spool.close()
    result.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "%s %s: %s (read %s, loaded %s, quarantined %s)%s",
        source, day, result.status, result.rows_read, result.rows_loaded, result.rows_quarantined,
        f": {result.error}" if result.error else "",
    )  # fmt: skip
    return result


def _analyze(conn, tables) -> None:
    """Fresh statistics after a big extraction, so the next night's overlap check plans well.

    Runs after the commit: a failure here is logged, never turned into a failed batch.
    """
    for table in tables:
        try:
            conn.execute(f"analyze {table}")
        except Exception as exc:  # noqa: BLE001 - statistics are an optimisation
            log.warning("analyze %s after the batch failed: %s", table, exc)


def _summarize_brin(conn, tables) -> None:
    """Summarize the block ranges the batch appended to the raw tables' BRIN indexes.

    Unsummarized ranges match every BRIN search, so until autovacuum gets there the next
    night's overlap check (CRM) and a replacement's delete would read the whole new batch
    (measured: 37 ms → 4 ms per CRM table after the first snapshot). After the commit, a
    few ms; a failure is logged, never turned into a failed batch.
    """
    try:
        conn.execute(
            "select brin_summarize_new_values(i.indexrelid) from pg_index i "
            "join pg_class x on x.oid = i.indexrelid join pg_am a on a.oid = x.relam "
            "where a.amname = 'brin' and i.indrelid = any(%s::regclass[])",
            (list(tables),),
        )
    except Exception as exc:  # noqa: BLE001 - index summaries are an optimisation
        log.warning("summarizing the BRIN indexes of %s failed: %s", ", ".join(tables), exc)


def _file_dict(f: LandedFile) -> dict:
    return {"source_file": f.relative, "size_bytes": f.size, "sha256": f.sha256}


def _identical_batch(conn, source: str, day: date, files) -> int | None:
    """The loaded batch of this day whose files have exactly these checksums, if any."""
    wanted = sorted((f.relative, f.sha256) for f, _, _ in files)
    rows = conn.execute(
        "select b.batch_id, f.source_file, f.sha256 from audit.load_batches b "
        "join audit.load_files f using (batch_id) where b.source = %s and b.logical_date = %s and b.status = 'loaded'",
        (source, day),
    ).fetchall()
    by_batch: dict[int, list] = {}
    for batch_id, name, sha in rows:
        by_batch.setdefault(batch_id, []).append((name, sha))
    for batch_id, have in by_batch.items():
        if sorted(have) == wanted:
            return batch_id
    return None


def _record_skipped(conn, result: BatchResult, files, same: int, run_id, started) -> BatchResult:
    details = {"identical_to_batch": same, "reason": "same files, same sha256: already loaded"}
    with conn.transaction():
        batch_id = conn.execute(
            "insert into audit.load_batches (source, logical_date, run_id, status, finished_at, details) "
            "values (%s, %s, %s, 'skipped', now(), %s) returning batch_id",
            (result.source, result.logical_date, run_id, _json(details)),
        ).fetchone()[0]
        for f, _, _ in files:
            conn.execute(
                "insert into audit.load_files (batch_id, source_file, size_bytes, sha256) values (%s, %s, %s, %s)",
                (batch_id, f.relative, f.size, f.sha256),
            )
    result.status, result.batch_id, result.details = "skipped", batch_id, details
    result.files = [_file_dict(f) for f, _, _ in files]
    result.seconds = round(time.perf_counter() - started, 3)
    log.info("%s %s: skipped (identical to batch %s)", result.source, result.logical_date, same)
    return result


def _load_files(conn, ctx: ParseContext, batch_id: int, files, spool) -> tuple[Counts, list[dict], dict]:
    """Parse each landed file as a stream straight into its raw table (calls, repairs)."""
    totals = Counts()
    file_rows = []
    details: dict = {"files": {}, "cdr_time_zone": str(ctx.cdr_tz)}
    cursor = conn.cursor()
    # CDR times are wall-clock times in the CDR time zone: PostgreSQL resolves them in the
    # session's zone (every other time the parsers give carries its offset)
    conn.execute("select set_config('TimeZone', %s, true)", (str(ctx.cdr_tz),))
    for landed, table, parser_key in files:
        parse, columns = PARSERS[parser_key]
        ctx.path, ctx.stats = landed.relative, {}
        began = time.perf_counter()
        with landed.path.open("rb") as stream:
            counts = copy_rows(
                cursor, table, columns, parse(stream, ctx),
                batch_id=batch_id, logical_date=ctx.logical_date, source_file=landed.relative, spool=spool,
            )  # fmt: skip
        totals.add(counts)
        file_details = {
            "reasons": counts.reasons, "flags": counts.flags, "seconds": round(time.perf_counter() - began, 3), **ctx.stats,
        }  # fmt: skip
        details["files"][landed.relative] = file_details
        if "encoding" in ctx.stats:
            details["qa_encoding"] = ctx.stats["encoding"]
        file_rows.append(
            {**_file_dict(landed), "rows_read": counts.read, "rows_loaded": counts.loaded,
             "rows_quarantined": counts.quarantined, "details": file_details}
        )  # fmt: skip
    details["reasons"], details["flags"] = totals.reasons, totals.flags
    return totals, file_rows, details


def crm_bounds(conn, day: date) -> tuple[dict[str, datetime | None], datetime]:
    """Per CRM table the lower bound (previous watermark − overlap, or None) and the upper bound."""
    settings = get_settings()
    upper = datetime.combine(day + timedelta(days=1), dtime(0), settings.centre_tz)
    previous = _crm.previous_watermarks(conn, day)
    overlap = _crm.overlap_window()
    lowers = {}
    for table in _crm.TABLES:
        mark = previous.get(table.name)
        lowers[table.name] = datetime.fromisoformat(mark) - overlap if mark else None
    return lowers, upper


def _load_crm(conn, ctx: ParseContext, batch_id: int, spool) -> tuple[Counts, list[dict], dict]:
    """Extract each CRM table's window in one repeatable-read snapshot, CRM COPY → raw COPY."""
    from service_warehouse.warehouse import crm_url

    lowers, upper = crm_bounds(conn, ctx.logical_date)
    previous = _crm.previous_watermarks(conn, ctx.logical_date)
    totals = Counts()
    file_rows = []
    details: dict = {"files": {}, "watermarks": {}, "bounds": {}, "overlap_minutes": _crm.overlap_window().total_seconds() / 60}
    cursor = conn.cursor()
    try:
        crm = _connect(url=crm_url(), autocommit=False)
    except ServiceWarehouseError as exc:
        raise SourceFileError("crm", f"unreadable_file: {exc}") from None
    with crm:
        crm.execute("set transaction isolation level repeatable read, read only")
        crm.execute("set local timezone = 'UTC'")  # times leave the CRM with an explicit offset
        lacking = _crm.missing_columns(crm)
        for table in _crm.TABLES:
            missing = lacking[table.name]
            if missing:
                raise SourceFileError(table.source_file, f"wrong_format: the CRM table lacks column(s) {', '.join(missing)}")
        for table in _crm.TABLES:
            lower = lowers[table.name]
            prev = datetime.fromisoformat(previous[table.name]) if table.name in previous else None
            skip = _crm.already_loaded(conn, table, lower, upper, ctx.logical_date) if lower is not None else set()
            ctx.path = table.source_file
            counts = Counts()
            plan = _crm.extraction(table, lower, upper, prev, skip, ctx, batch_id, _crm.key_is_unique(crm, table))
            names = ", ".join((*table.columns, *LINEAGE))
            # the CRM's COPY output is raw's COPY input, lineage included: good rows pass through
            # as bytes (libpq hands over one row at a time), the others go to the quarantine
            with cursor.copy(f"copy {table.raw_table} ({names}) from stdin") as copy:
                with crm.cursor().copy(plan.copy, plan.params) as source:
                    for chunk in source:
                        row = bytes(chunk)
                        if row.endswith(_crm.GOOD_END) and row.count(b"\n") == 1:
                            copy.write(row)
                            counts.loaded += 1
                            continue
                        for line in row.splitlines(keepends=True):  # several rows in one chunk
                            if line.endswith(_crm.GOOD_END):
                                copy.write(line)
                                counts.loaded += 1
                            else:
                                rejected = _crm.rejected_row(line)
                                spool.add(table.source_file, rejected)
                                counts.reasons[rejected.reason] = counts.reasons.get(rejected.reason, 0) + 1
                                counts.quarantined += 1
            skipped = crm.execute(plan.skipped, plan.params).fetchone()[0] if plan.skipped else 0
            counts.read = counts.loaded + counts.quarantined
            high = _crm.high_watermark(crm, table, lower, upper)
            mark = max(filter(None, [high, prev]), default=None)
            details["watermarks"][table.name] = mark.isoformat() if mark else None
            details["bounds"][table.name] = {"lower": lower.isoformat() if lower else None, "upper": upper.isoformat()}
            file_details = {"reasons": counts.reasons, "overlap_skipped": skipped}
            details["files"][table.source_file] = file_details
            totals.add(counts)
            file_rows.append(
                {"source_file": table.source_file, "rows_read": counts.read, "rows_loaded": counts.loaded,
                 "rows_quarantined": counts.quarantined, "details": file_details}
            )  # fmt: skip
    details["watermarks"] = {k: v for k, v in details["watermarks"].items() if v is not None}
    details["reasons"] = totals.reasons
    return totals, file_rows, details


def _store_watermarks(conn, batch_id: int, watermarks: dict[str, str]) -> None:
    for name, mark in watermarks.items():
        conn.execute(
            "insert into audit.watermarks (source_table, watermark, batch_id) values (%s, %s, %s) "
            "on conflict (source_table) do update set watermark = greatest(audit.watermarks.watermark, excluded.watermark), "
            "batch_id = case when excluded.watermark >= audit.watermarks.watermark then excluded.batch_id "
            "else audit.watermarks.batch_id end, updated_at = now()",
            (f"crm.{name}", mark, batch_id),
        )


def _loaded_days(conn, source: str) -> set[date]:
    rows = conn.execute(
        "select distinct logical_date from audit.load_batches where source = %s and status = 'loaded'", (source,)
    ).fetchall()
    return {r[0] for r in rows}


def pending_days(source: str, up_to: date) -> list[date]:
    """The days of ``source`` that :func:`load_pending` would load, in date order.

    Calls and repairs: every day from the first landed day to the last landed day ≤ up_to
    that has no loaded batch (a gap in between is attempted, and fails as missing_day). CRM:
    every such day from the first landed day (or ``up_to`` when nothing has landed).
    """
    _check_source(source)
    landed = [d for d in landed_days() if d <= up_to]
    with _connect(autocommit=True) as conn:
        loaded = _loaded_days(conn, source)
    if source == "crm":
        first = landed[0] if landed else up_to
        last = up_to
    else:
        if not landed:
            return []
        first, last = landed[0], landed[-1]
    days = []
    day = first
    while day <= last:
        if day not in loaded:
            days.append(day)
        day += timedelta(days=1)
    return days


def load_pending(up_to: date, sources=SOURCES, run_id: str | None = None) -> list[BatchResult]:
    """Load every landed day ≤ ``up_to`` not yet loaded, each day its own batch, in date order.

    A failed day does not stop the later days (days are independent batches); the caller
    checks the results (:meth:`BatchResult.raise_for_status`).
    """
    from service_warehouse.warehouse import ensure_ready

    if isinstance(sources, str):
        sources = (sources,)
    for source in sources:
        _check_source(source)
    ensure_ready()
    results = []
    for source in sources:
        loaded = [load_day(source, day, run_id=run_id) for day in pending_days(source, up_to)]
        results.extend(loaded)
        if any(r.status == "loaded" for r in loaded):
            _refresh_statistics(source)
    return results


def _refresh_statistics(source: str) -> None:
    """ANALYZE the source's raw tables once the pending days are in.

    Autovacuum's analyze waits for 10 % of a table to change, which a growing table reaches ever
    more rarely; without fresh statistics the planner does not see the new days and skips raw's
    indexes (measured at 90 days of `large`: a staging read of raw.cdr 9.6 s → 1.6 s after
    ANALYZE, docs/DECISIONS.md "Performance"). Once per source and run, not per batch: a catch-up
    of 90 days pays it once. A failure is logged, never turned into a failed batch.

    ``audit.load_batches`` too: every staging view joins it (live batches only). On a new
    installation it had no statistics when the first build started, the planner took its few
    hundred batches for five and ran the whole CDR de-duplication once per queue call: the first
    run of the 90-day demo hung in the call assembly (14 min and 10 GB before it was cancelled),
    unless autovacuum happened to analyse the table first.
    """
    from service_warehouse.warehouse import connect

    with connect() as conn:
        conn.autocommit = True
        _analyze(conn, [*RAW_TABLES[source], "audit.load_batches", "audit.load_files"])
