-- Landed source data. Every row carries its lineage: the batch that loaded it, the file (or CRM
-- table) and line it came from, when it was loaded, and flags for rows kept despite a fault
-- (unknown_customer, unknown_agent, bad_bytes_replaced, …). Typed columns hold what parsed;
-- the raw text of rows that did not parse is in audit.quarantine.

-- CRM (incremental extracts by updated_at; one row per extracted version)
create table if not exists raw.crm_customers (
    customer_id text not null, customer_name text, customer_type text, industry text,
    size_class text, region text, city text, address text, phone text, email text,
    id_number text, account_manager_id text, credit_limit numeric(14, 2), is_key_account boolean,
    status text, created_at timestamptz, updated_at timestamptz not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
create table if not exists raw.crm_agents (
    agent_id text not null, agent_name text, team text, role text, extension text,
    queue_member_name text, hired_at timestamptz, left_at timestamptz, updated_at timestamptz not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
create table if not exists raw.crm_complaints (
    complaint_id text not null, customer_id text, channel text, category text, severity text,
    product text, subject text, description text, received_at timestamptz,
    acknowledged_at timestamptz, resolved_at timestamptz, closed_at timestamptz, status text,
    owner_agent_id text, reopen_count integer, is_escalated boolean, root_cause text,
    resolution text, related_work_order_id text, updated_at timestamptz not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
create table if not exists raw.crm_complaint_status_history (
    complaint_id text not null, status text, changed_at timestamptz not null, changed_by text,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
create table if not exists raw.crm_surveys (
    survey_id text not null, customer_id text, subject_type text, subject_id text, channel text,
    surveyed_at timestamptz, score_attitude smallint, score_efficiency smallint,
    score_quality smallint, score_resolution smallint, score_overall smallint,
    nps_score smallint, comment text, updated_at timestamptz not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
create table if not exists raw.crm_invoices (
    invoice_id text not null, customer_id text, invoiced_at timestamptz, amount numeric(14, 2),
    currency text, paid_at timestamptz, updated_at timestamptz not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);

-- Call centre: Asterisk Master.csv (16, 18 or 21 columns; times converted from the CDR
-- time zone setting to timestamptz)
create table if not exists raw.cdr (
    accountcode text, src text, dst text, dcontext text, clid text, channel text,
    dstchannel text, lastapp text, lastdata text, start_at timestamptz, answer_at timestamptz,
    end_at timestamptz, duration integer, billsec integer, disposition text, amaflags text,
    uniqueid text, userfield text, peeraccount text, linkedid text, sequence bigint,
    column_count smallint not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
-- Call centre: queue_log, every line kept (call events, agent events, callid NONE lines)
create table if not exists raw.queue_log (
    event_epoch bigint not null, event_at timestamptz not null, callid text, queuename text,
    agent text, event text not null, data1 text, data2 text, data3 text, data4 text, data5 text,
    data_extra text,                            -- fields past the fifth, '|'-joined
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);
-- Call centre: QA inspectors' evaluations (呼叫质量监控表), UTF-8 or GBK
create table if not exists raw.qa_evaluations (
    evaluation_id text not null, call_uniqueid text, agent_id text, inspector_id text,
    evaluated_at timestamptz, greeting smallint, listening smallint, accuracy smallint,
    compliance smallint, closing smallint, total_score smallint, fatal_error boolean, comment text,
    source_encoding text not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);

-- Repairs: field-service JSON Lines, typed columns plus the original document
create table if not exists raw.work_orders (
    work_order_id text not null, customer_id text, reported_at timestamptz, source_channel text,
    category text, urgency text, description text, address text,
    appointment_start timestamptz, appointment_end timestamptz, dispatched_at timestamptz,
    technician_id text, arrived_at timestamptz, completed_at timestamptz, status text,
    inspection_result text, inspected_at timestamptz, fee_amount numeric(12, 2), fee_currency text,
    fee_paid boolean, customer_signed boolean, parts jsonb, callback_called_at timestamptz,
    callback_satisfied boolean, callback_score smallint, safety_incident boolean,
    updated_at timestamptz not null, document jsonb not null,
    _batch_id bigint not null, _logical_date date not null, _source_file text not null, _line_number bigint not null,
    _loaded_at timestamptz not null default now(), _flags text[] not null default '{}'
);

-- Loader additions (idempotent). complaint_status_history is extracted by its updated_at like
-- every CRM table; history_id is the CRM's row id (the key for duplicates within a batch).
alter table raw.crm_complaint_status_history add column if not exists history_id bigint;
alter table raw.crm_complaint_status_history add column if not exists updated_at timestamptz;

-- Replacing a day deletes its old batch's rows: BRIN indexes on _batch_id find them without
-- slowing COPY down (batch ids grow with insertion order). The CRM tables also get one on
-- updated_at, for the overlap-window check of the next extraction.
create index if not exists crm_customers_batch on raw.crm_customers using brin (_batch_id);
create index if not exists crm_agents_batch on raw.crm_agents using brin (_batch_id);
create index if not exists crm_complaints_batch on raw.crm_complaints using brin (_batch_id);
create index if not exists crm_complaint_status_history_batch on raw.crm_complaint_status_history using brin (_batch_id);
create index if not exists crm_surveys_batch on raw.crm_surveys using brin (_batch_id);
create index if not exists crm_invoices_batch on raw.crm_invoices using brin (_batch_id);
create index if not exists cdr_batch on raw.cdr using brin (_batch_id);
create index if not exists queue_log_batch on raw.queue_log using brin (_batch_id);
create index if not exists qa_evaluations_batch on raw.qa_evaluations using brin (_batch_id);
create index if not exists work_orders_batch on raw.work_orders using brin (_batch_id);
create index if not exists crm_customers_updated on raw.crm_customers using brin (updated_at);
create index if not exists crm_agents_updated on raw.crm_agents using brin (updated_at);
create index if not exists crm_complaints_updated on raw.crm_complaints using brin (updated_at);
create index if not exists crm_complaint_status_history_updated on raw.crm_complaint_status_history using brin (updated_at);
create index if not exists crm_surveys_updated on raw.crm_surveys using brin (updated_at);
create index if not exists crm_invoices_updated on raw.crm_invoices using brin (updated_at);

-- The staging views deduplicate copies of a queue_log line / CDR leg delivered twice by probing
-- these (a copy has the same epoch / uniqueid): the nightly reads a few dates, not all history.
create index if not exists queue_log_epoch on raw.queue_log (event_epoch);
create index if not exists cdr_uniqueid on raw.cdr ((coalesce(uniqueid, '')));
-- The data tests of the call-centre files read the last five logical days (macro
-- recent_files_tests): BRIN indexes on the logical date find them without a scan of all history.
create index if not exists queue_log_logical_date on raw.queue_log using brin (_logical_date);
create index if not exists cdr_logical_date on raw.cdr using brin (_logical_date);
-- The queue-call assembly reads the events and CDR legs of a few local days: BRIN indexes on
-- the event / start time find them (lines are appended in time order, day file by day file);
-- the local date is an expression no index holds (a scan of all history: 15 s at 368 days).
create index if not exists queue_log_event_at on raw.queue_log using brin (event_at);
create index if not exists cdr_start_at on raw.cdr using brin (start_at);
-- Agents' logins (ADDMEMBER / REMOVEMEMBER, a few hundred a day among 80 000 events) for
-- int_queue_members_logged_in: a partial index, not a scan of every event ever loaded
-- (2.4 s → 0.26 s at 90 days of the large preset; 58 s at 362 days before it).
create index if not exists queue_log_member_events on raw.queue_log (event_epoch)
    where upper(trim(event)) in ('ADDMEMBER', 'REMOVEMEMBER');
-- The customer models recompute the customers whose invoices, complaints, surveys or work orders
-- changed, and a row moved to another customer must take the first one along: its earlier
-- versions are found by their key (a scan of 1.5 M work-order versions took 2.4 s at a year of
-- `large`). CRM and repair days are small, so the loaders barely pay for these.
create index if not exists crm_customers_key on raw.crm_customers (customer_id);
create index if not exists crm_invoices_key on raw.crm_invoices (invoice_id);
create index if not exists crm_complaints_key on raw.crm_complaints (complaint_id);
create index if not exists crm_surveys_key on raw.crm_surveys (survey_id);
create index if not exists work_orders_key on raw.work_orders (work_order_id);
