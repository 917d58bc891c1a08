-- The data-quality gate's audit trail: every validation run, every expectation result, every
-- publication of the marts, and the lineage view auditors query. Idempotent (applied on every start).

-- One row per gate call: a raw suite after a load (family raw) or the mart suites before a
-- publication (family mart). status: running → passed | warning | failed (| error: the gate broke).
create table if not exists audit.validation_runs (
    validation_run_id  bigserial primary key,
    run_id             text not null,             -- the Airflow (or CLI) run
    logical_date       date not null,             -- the centre's local day the run processes
    family             text not null check (family in ('raw', 'mart')),
    source             text,                      -- raw: crm | calls | repairs
    build_schema       text,                      -- mart: marts_blue | marts_green
    batch_ids          bigint[] not null default '{}',  -- raw: the load batches validated
    suites             text[] not null default '{}',
    status             text not null default 'running'
                       check (status in ('running', 'passed', 'warning', 'failed', 'error')),
    evaluated          integer not null default 0,      -- expectations evaluated
    critical_failures  integer not null default 0,
    warning_failures   integer not null default 0,
    failing_critical   text[] not null default '{}',    -- names of the failed critical expectations
    data_docs_path     text,                      -- GX Data Docs index of the run (relative to reports)
    report_path        text,                      -- the self-contained HTML report of the run
    error              text,
    started_at         timestamptz not null default now(),
    finished_at        timestamptz
);
create index if not exists validation_runs_run on audit.validation_runs (run_id);
create index if not exists validation_runs_batches on audit.validation_runs using gin (batch_ids);

-- One row per expectation evaluated.
create table if not exists audit.validations (
    validation_id      bigserial primary key,
    validation_run_id  bigint not null references audit.validation_runs (validation_run_id),
    run_id             text not null,
    logical_date       date not null,
    suite              text not null,             -- e.g. raw.calls.cdr, mart.call_kpis_daily
    asset              text not null,             -- the table or query validated
    expectation        text not null,             -- stable readable name, e.g. cdr.answer_not_before_start
    expectation_type   text not null,             -- GX type, e.g. expect_column_pair_values_a_to_be_greater_than_b
    column_name        text,                      -- column (or columns, comma-separated) when it has one
    severity           text not null check (severity in ('critical', 'warning', 'info')),
    success            boolean not null,
    observed_value     jsonb,
    unexpected_count   bigint,
    unexpected_percent double precision,
    unexpected_sample  jsonb,                     -- a few unexpected values or rows
    kwargs             jsonb,                     -- the expectation's arguments (thresholds used)
    why                text,                      -- why the expectation exists
    exception          text,                      -- when GX could not evaluate it (counts as failed)
    validated_at       timestamptz not null default now()
);
create index if not exists validations_run on audit.validations (validation_run_id);

-- One row per publication of the marts (write-audit-publish): the build schema the `marts`
-- views point at from then on, and the evidence the publication rested on.
create table if not exists audit.publications (
    publication_id         bigserial primary key,
    run_id                 text not null,
    logical_date           date not null,
    build_schema           text not null check (build_schema in ('marts_blue', 'marts_green')),
    models                 text[] not null,
    validation_run_id      bigint not null references audit.validation_runs (validation_run_id),
    raw_validation_run_ids bigint[] not null default '{}',  -- raw suites of the batches behind it
    batch_ids              bigint[] not null default '{}',  -- loaded batches up to the logical date
    published_at           timestamptz not null default now(),
    published_by           text not null default current_user
);
create index if not exists publications_date on audit.publications (logical_date);

-- What stands behind a published mart: one row per (publication, mart, piece of evidence).
-- evidence = load_batch (a batch the build read), raw_validation (an expectation run on such a
-- batch) or mart_validation (an expectation run on this mart's build before publication).
-- "Which loads and validations stand behind call_kpis_daily for 2026-10-01 as published now?":
--   select * from audit.lineage where mart = 'call_kpis_daily' and is_live
--     and (data_date = '2026-10-01' or evidence = 'mart_validation');
-- (data_date is the day a load batch holds; logical_date is the day the publishing run processed.)
create or replace view audit.lineage as
with pub as (
    select p.*, unnest(p.models) as mart,
           p.publication_id = (select max(publication_id) from audit.publications) as is_live
    from audit.publications as p
),
batch_rows as (
    select pub.publication_id, pub.mart, pub.is_live, pub.run_id, pub.logical_date, pub.published_at,
           pub.build_schema, b.batch_id, b.source, b.logical_date as data_date, b.status as batch_status,
           b.rows_loaded, b.rows_quarantined
    from pub
    cross join lateral unnest(pub.batch_ids) as ids (batch_id)
    inner join audit.load_batches as b on b.batch_id = ids.batch_id
)
select 'load_batch'::text as evidence, br.mart, br.publication_id, br.is_live, br.run_id,
       br.logical_date, br.published_at, br.build_schema, br.batch_id, br.source, br.data_date,
       br.batch_status, br.rows_loaded, br.rows_quarantined,
       null::bigint as validation_run_id, null::text as suite, null::text as expectation,
       null::text as column_name, null::text as severity, null::boolean as success,
       null::jsonb as observed_value
from batch_rows as br
union all
select 'raw_validation', br.mart, br.publication_id, br.is_live, br.run_id, br.logical_date,
       br.published_at, br.build_schema, br.batch_id, br.source, br.data_date, br.batch_status,
       br.rows_loaded, br.rows_quarantined, v.validation_run_id, v.suite, v.expectation,
       v.column_name, v.severity, v.success, v.observed_value
from batch_rows as br
inner join audit.validation_runs as vr on vr.family = 'raw' and br.batch_id = any (vr.batch_ids)
inner join audit.validations as v on v.validation_run_id = vr.validation_run_id
union all
select 'mart_validation', pub.mart, pub.publication_id, pub.is_live, pub.run_id, pub.logical_date,
       pub.published_at, pub.build_schema, null, null, null, null, null, null,
       v.validation_run_id, v.suite, v.expectation, v.column_name, v.severity, v.success,
       v.observed_value
from pub
inner join audit.validations as v
    on v.validation_run_id = pub.validation_run_id and v.suite = 'mart.' || pub.mart;
