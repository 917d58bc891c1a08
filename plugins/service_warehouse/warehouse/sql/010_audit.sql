-- The audit trail of loads. Validations and publications are added by the quality/publish step.

create table if not exists audit.load_batches (
    batch_id          bigserial primary key,
    source            text not null,          -- crm | calls | repairs
    logical_date      date not null,          -- the centre's local day the batch holds
    run_id            text,                   -- the Airflow run (or CLI run) that loaded it
    status            text not null default 'running'
                      check (status in ('running', 'loaded', 'failed', 'replaced', 'skipped')),
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    rows_read         bigint not null default 0,
    rows_loaded       bigint not null default 0,
    rows_quarantined  bigint not null default 0,
    error             text,
    details           jsonb not null default '{}'::jsonb,  -- timings, watermarks, encodings …
    constraint rows_add_up check (status <> 'loaded' or rows_read = rows_loaded + rows_quarantined)
);
create index if not exists load_batches_source_date on audit.load_batches (source, logical_date);

create table if not exists audit.load_files (
    batch_id      bigint not null references audit.load_batches (batch_id),
    source_file   text not null,              -- path relative to the landing folder (or crm.<table>)
    size_bytes    bigint,
    sha256        text,
    rows_read     bigint not null default 0,
    rows_loaded   bigint not null default 0,
    rows_quarantined bigint not null default 0,
    primary key (batch_id, source_file)
);
create index if not exists load_files_sha on audit.load_files (sha256);

create table if not exists audit.quarantine (
    quarantine_id  bigserial primary key,
    batch_id       bigint not null references audit.load_batches (batch_id),
    source         text not null,
    source_file    text not null,
    line_number    bigint,                    -- 1-based line in the file (row ordinal for CRM)
    reason         text not null,             -- short machine-readable code, e.g. bad_timestamp
    detail         text,                      -- human text: which column, which value
    raw_text       text,                      -- the line as read (bad bytes escaped)
    quarantined_at timestamptz not null default now()
);
create index if not exists quarantine_batch on audit.quarantine (batch_id);

create table if not exists audit.watermarks (
    source_table   text primary key,          -- e.g. crm.complaints
    watermark      timestamptz not null,      -- greatest updated_at extracted so far
    batch_id       bigint references audit.load_batches (batch_id),
    updated_at     timestamptz not null default now()
);

-- Loader additions (idempotent): the fault code of a failed batch (missing_day,
-- unreadable_file, truncated_file, wrong_format, …), the batch a replaced one was replaced by,
-- and the quarantine's lookup by reason.
alter table audit.load_batches add column if not exists fault text;
alter table audit.load_batches add column if not exists replaced_by bigint;
alter table audit.load_files add column if not exists details jsonb not null default '{}'::jsonb;
create index if not exists quarantine_reason on audit.quarantine (source, reason);
