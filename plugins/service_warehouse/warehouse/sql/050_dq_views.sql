-- Schema `dq`: a narrow, read-only window on the audit trail for the data-quality dashboard.
-- `bi_reader` (the dashboards' role) may not read `audit`: the quarantine keeps raw lines (names,
-- phone numbers) and validations keep samples of unexpected values. These views carry counts,
-- codes, names of checks and dates only — no raw text, no sampled values, no error text —
-- and run with their owner's rights, so `bi_reader` needs only `select` on them.
create schema if not exists dq;

-- One row per validation run (raw suites per source, mart suites per build): the verdict.
create or replace view dq.validation_runs as
select validation_run_id, run_id, logical_date, family, source, build_schema, status, evaluated,
       critical_failures, warning_failures, evaluated - critical_failures - warning_failures as passed,
       cardinality(failing_critical) as failing_critical_count, started_at, finished_at
from audit.validation_runs;

-- One row per expectation evaluated, with its outcome: which check, on which asset, how bad
-- (counts only, no sampled values). The dashboard counts failures per check from it.
create or replace view dq.expectation_results as
select v.validation_id, v.validation_run_id, v.run_id, v.logical_date, r.family, v.suite, v.asset,
       v.expectation, v.expectation_type, v.column_name, v.severity, v.success, v.unexpected_count,
       v.unexpected_percent, v.exception is not null as could_not_evaluate, v.validated_at
from audit.validations as v
inner join audit.validation_runs as r on r.validation_run_id = v.validation_run_id;

-- Quarantined rows counted by the day they belong to, source, file kind and reason (no raw text).
create or replace view dq.quarantine_summary as
select b.logical_date, q.source, q.reason,
       regexp_replace(q.source_file, '^.*/', '') as file_name,
       count(*) as quarantined_rows, count(distinct q.batch_id) as batches
from audit.quarantine as q
inner join audit.load_batches as b on b.batch_id = q.batch_id
group by b.logical_date, q.source, q.reason, regexp_replace(q.source_file, '^.*/', '');

-- One row per load batch: what each source delivered each day, and with which outcome.
create or replace view dq.load_batches as
select batch_id, source, logical_date, run_id, status, fault, started_at, finished_at,
       rows_read, rows_loaded, rows_quarantined,
       case when rows_read > 0 then rows_quarantined::double precision / rows_read end as quarantine_rate
from audit.load_batches;

-- Freshness of every source: the newest day loaded, when, and how far it lags the newest day
-- any source has loaded (0 = up to date); failed attempts still waiting for a good load.
create or replace view dq.source_freshness as
with loaded as (
    select source, max(logical_date) as latest_loaded_date, max(finished_at) as last_loaded_at,
           count(*) as loaded_batches, sum(rows_loaded) as rows_loaded,
           sum(rows_quarantined) as rows_quarantined
    from audit.load_batches
    where status = 'loaded'
    group by source
),
failed as (
    select b.source, count(*) as open_failures
    from audit.load_batches as b
    where b.status = 'failed'
      and not exists (select 1 from audit.load_batches as ok
                      where ok.source = b.source and ok.logical_date = b.logical_date
                        and ok.status = 'loaded')
    group by b.source
)
select l.source, l.latest_loaded_date, l.last_loaded_at,
       (max(l.latest_loaded_date) over () - l.latest_loaded_date) as lag_days,
       l.loaded_batches, l.rows_loaded, l.rows_quarantined, coalesce(f.open_failures, 0) as open_failures
from loaded as l
left join failed as f on f.source = l.source;

-- Publications: which build went live for which day, on which mart validation.
create or replace view dq.publications as
select publication_id, run_id, logical_date, build_schema, cardinality(models) as models,
       validation_run_id, cardinality(batch_ids) as batches, published_at
from audit.publications;

revoke all on schema dq from public;
grant usage on schema dq to bi_reader, auditor;
grant select on all tables in schema dq to bi_reader, auditor;
