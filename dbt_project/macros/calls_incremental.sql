{#
    Incremental rebuild of the call models by whole local dates.

    An incremental call model recomputes whole local dates: the pre-hook deletes them from the
    model's table and the model's SQL (compiled with the same literal list) inserts them again.
    Which dates is decided from the model's OWN high-water mark (the greatest load batch its rows
    came from), never from "yesterday": a build schema one publication behind catches up, and a
    replaced day (corrected file: new batch, old rows gone from raw) is recomputed whole.

    The list is computed at compile time, before the pre-hook runs, so the hook and the SQL see the
    same state. Outside an incremental run (first build, --full-refresh, parse, unit tests) the
    macros return none and the models build everything.
#}

{# Literal SQL array of dates, e.g. array['2026-08-03']::date[]. #}
{% macro calls_date_array(dates) -%}
    array[{%- for d in dates -%}'{{ d }}'{{ ", " if not loop.last }}{%- endfor -%}]::date[]
{%- endmacro %}

{#
    The `required` columns the model's stored table lacks. An incremental model whose table
    predates a column its incremental logic reads (a release added it) rebuilds everything,
    without a manual --full-refresh (the call, QA-matching and work-order models use it).
#}
{% macro missing_columns(required) -%}
    {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- set missing = [] -%}
    {%- for column in required if column not in existing -%}{%- do missing.append(column) -%}{%- endfor -%}
    {{ return(missing) }}
{%- endmacro %}

{% macro _calls_query_dates(sql) -%}
    {%- set result = run_query(sql) -%}
    {%- set dates = [] -%}
    {%- for row in result.rows -%}
        {%- do dates.append(row[0] | string) -%}
    {%- endfor -%}
    {{ return(dates) }}
{%- endmacro %}

{#
    Dates a queue-call assembly must recompute: the logical dates of calls batches newer than the
    model's high-water mark and the day before each (calls that ended after midnight), and the
    local dates of every event and CDR leg in those batches and the day before each.
#}
{% macro calls_assembly_rebuild_dates() -%}
    {%- if not (execute and is_incremental()) -%}{{ return(none) }}{%- endif -%}
    {%- if missing_columns(['source_batch_id', 'local_date']) -%}
        {{ return(_calls_query_dates(
            "select local_date from " ~ ref('stg_call_centre__queue_log') ~ " where local_date is not null"
            ~ " union select local_date from " ~ this ~ " where local_date is not null order by 1")) }}
    {%- endif -%}
    {#- the new batches first, as literals: `_batch_id in (subquery)` made PostgreSQL scan all of
        raw.queue_log (30 M rows at 364 days) instead of reading the new batches' BRIN ranges -#}
    {%- set batches = run_query(
        "select batches.batch_id from " ~ source('audit', 'load_batches') ~ " as batches"
        ~ " where batches.status = 'loaded' and batches.source = 'calls'"
        ~ " and batches.batch_id > (select coalesce(max(source_batch_id), -1) from " ~ this ~ ")"
        ~ " order by 1").columns[0].values() | list -%}
    {%- if not batches -%}{{ return([]) }}{%- endif -%}
    {%- set ids = "array[" ~ batches | join(", ") ~ "]::bigint[]" -%}
    {%- set in_new = "_batch_id between " ~ batches | min ~ " and " ~ batches | max ~ " and _batch_id = any(" ~ ids ~ ")" -%}
    {%- set sql -%}
        with
        touched as (
            select logical_date as local_date from {{ source('audit', 'load_batches') }}
            where batch_id = any({{ ids }})
            union
            -- the raw rows of the new batches (their BRIN index on _batch_id), not the staging
            -- views: the views' de-duplication reads every batch ever loaded, and a line the views
            -- keep from a new batch is in these rows anyway (same dates)
            select distinct {{ local_date('event_at') }} from {{ source('call_centre', 'queue_log') }}
            where {{ in_new }}
            union
            select distinct {{ local_date('start_at') }} from {{ source('call_centre', 'cdr') }}
            where {{ in_new }}
        )
        select distinct touched.local_date + shift.days
        from touched
        cross join (values (0), (-1)) as shift (days)
        where touched.local_date is not null
        order by 1
    {%- endset -%}
    {{ return(_calls_query_dates(sql)) }}
{%- endmacro %}

{#
    Dates fct_calls must recompute:
      1. dates whose calls came (or vanished) with calls batches newer than its high-water mark,
         widened by the repeat window on both sides (has_repeat_contact looks forward,
         is_repeat_contact back);
      2. every date whose FCR is not final yet, and the last (window + 1) days before as of
         (a re-run with an earlier as of makes them provisional again);
      3. every date when the policy thresholds the stored rows were computed with (the columns
         repeat_window_days, short_abandon_seconds, service_level_threshold_seconds) are not the
         seed's any more: a seed edit reflows without a full refresh. Every build writes the same
         thresholds into every row it touches and rebuilds all dates when they change, so one
         stored row tells.
    What a call takes from slowly changing inputs (customer by phone, agent by member name, the
    QA evaluation) is NOT a reason to rebuild a date: calls_fct_refresh_attribution() updates the
    few rows whose inputs changed. Every query here reads indexes or the new batches only, so the
    night's cost does not grow with the years of history (docs/benchmarks.md).
#}
{% macro calls_fct_rebuild_dates() -%}
    {%- if not (execute and is_incremental()) -%}{{ return(none) }}{%- endif -%}
    {%- set window = policy('repeat_contact_window_days') ~ '::integer' -%}
    {#- every date when the stored table predates a column read here or by the attribution refresh
        (crm_batch_id), or when its rows were computed with other policy thresholds -#}
    {%- set rebuild_all = missing_columns(['local_date', 'source_batch_id', 'is_fcr_final',
            'repeat_window_days', 'short_abandon_seconds', 'service_level_threshold_seconds', 'crm_batch_id']) -%}
    {%- if not rebuild_all -%}
        {%- set rebuild_all = run_query(
            "select exists (select 1 from (select * from " ~ this ~ " limit 1) as stored"
            ~ " where (stored.repeat_window_days, stored.short_abandon_seconds, stored.service_level_threshold_seconds)"
            ~ " is distinct from (" ~ window ~ ", " ~ policy('short_abandon_seconds') ~ "::integer, "
            ~ policy('service_level_threshold_seconds') ~ "::integer))").columns[0].values()[0] -%}
    {%- endif -%}
    {%- if rebuild_all -%}
        {{ return(_calls_query_dates(
            "select local_date from " ~ ref('int_queue_calls_assembled')
            ~ " union select local_date from " ~ this ~ " where local_date is not null order by 1")) }}
    {%- endif -%}
    {%- set sql -%}
        with
        high_water as (
            -- max() of an indexed column: one index probe, not a scan
            select coalesce(max(source_batch_id), -1) as batch_id from {{ this }}
        ),
        new_batches as (
            select batches.batch_id, batches.logical_date
            from {{ source('audit', 'load_batches') }} as batches
            cross join high_water
            where batches.status = 'loaded'
                and batches.source = 'calls'
                and batches.batch_id > high_water.batch_id
        ),
        changed as (
            select logical_date as local_date from new_batches
            union
            select logical_date - 1 from new_batches
            union
            select distinct calls.local_date
            from {{ ref('int_queue_calls_assembled') }} as calls
            cross join high_water
            where calls.source_batch_id > high_water.batch_id
        ),
        widened as (
            select distinct changed.local_date + shift.days as local_date
            from changed
            cross join generate_series(-{{ window }}, {{ window }}) as shift (days)
        ),
        provisional as (
            -- the index on (is_fcr_final, local_date) holds the few non-final rows first
            select distinct local_date from {{ this }} where is_fcr_final = false
            union
            select distinct local_date from {{ ref('int_queue_calls_assembled') }}
            where local_date >= {{ as_of_date() }} - ({{ window }} + 1)
        ),
        wanted as (
            select local_date from widened
            union select local_date from provisional
        )
        select wanted.local_date
        from wanted
        where exists (select 1 from {{ ref('int_queue_calls_assembled') }} as calls where calls.local_date = wanted.local_date)
            or exists (select 1 from {{ this }} as stored where stored.local_date = wanted.local_date)
        order by 1
    {%- endset -%}
    {{ return(_calls_query_dates(sql)) }}
{%- endmacro %}

{#
    The greatest loaded CRM batch: the CRM state a build attributes customers and agents with.
    The audit source is looked up in the graph, not with source(): a model's unit test (which
    mocks its inputs, and whose graph holds no sources) then needs no audit input for a lineage
    column: it gets -1 there, as at parse time.
#}
{% macro calls_crm_high_water() -%}
    {{ return(loaded_high_water('crm')) }}
{%- endmacro %}

{# The greatest loaded batch of `batch_source` now (-1 at parse time and in unit tests). #}
{% macro loaded_high_water(batch_source) -%}
    {%- set batches = audit_batches_relation() -%}
    {%- if batches is none -%}{{ return(-1) }}{%- endif -%}
    {%- set result = run_query(
        "select coalesce(max(batch_id), -1) from " ~ batches ~ " where source = '" ~ batch_source ~ "' and status = 'loaded'") -%}
    {{ return(result.columns[0].values()[0] | int) }}
{%- endmacro %}

{# audit.load_batches as a relation, looked up in the graph (not with source()); none at parse
   time and in a unit test, whose graph holds no sources: macros that query the warehouse for a
   lineage column then need no fixture. #}
{% macro audit_batches_relation() -%}
    {%- if not execute or 'sources' not in graph -%}{{ return(none) }}{%- endif -%}
    {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', 'audit')
                   | selectattr('name', 'equalto', 'load_batches') | first -%}
    {%- if node is none -%}{{ return(none) }}{%- endif -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier)) }}
{%- endmacro %}

{#
    Pre-hook of fct_calls: bring the customer, agent and QA evaluation of stored calls up to date
    where their inputs changed since the table was last built, by call, in place. A CRM change
    touches calls on every date of the history (a customer's new number, an agent's member name,
    a late QA form): rebuilding those dates would cost the whole history every night, updating
    the calls costs what changed. The candidates, all found through indexes or new batches:
      - calls of the numbers of a customer changed in a newer CRM batch, when what decides who
        holds a number (int_calls_customer_phones: the digits, closed or not, created_at)
        differs between the version the table last applied and the latest one: both numbers
        (the one it left loses its customer, the one it took gains one). A change of anything
        else moves no call: every call of every number such a customer ever had was read for
        nothing, and they grow with history (17 000 calls for 970 changed customers a night at
        a year of `large`: 9.1 s, against 1.9 s at 104 days);
      - calls under every member name and interface any version of a changed agent ever had;
      - calls that hold, or now get, an evaluation delivered in a newer calls batch or matched
        to a call of one (a later call of a reused uniqueid can take an evaluation over).
    A replaced batch (a corrected day: its old rows left raw) is the one change that leaves no
    row to follow: then every stored call is compared, as the full refresh would.
    The rows of the dates about to be rebuilt are deleted by the next hook; updating them first
    costs little and keeps the high-water marks read here those of the last build.
#}
{% macro calls_fct_refresh_attribution() -%}
    {%- if not (execute and is_incremental()) or missing_columns(['crm_batch_id', 'source_batch_id']) -%}
        select 1 as nothing_to_refresh
    {%- else -%}
        {%- set crm_now = calls_crm_high_water() -%}
        {#- the table's high-water marks, read now and written as literals: behind CTEs the planner
            saw neither them nor how few rows they select, and hashed all 7.5 M assembled calls
            twice to refresh 3 000 (22 s a night at 369 days of `large`) -#}
        {%- set marks = run_query(
            "select coalesce(max(source_batch_id), -1), coalesce(max(crm_batch_id), -1) from " ~ this).rows[0] -%}
        {%- set calls_mark = marks[0] | int -%}
        {%- set crm_mark = marks[1] | int -%}
        {%- set any_replaced = run_query(
            "select exists (select 1 from " ~ source('audit', 'load_batches') ~ " where status = 'replaced'"
            ~ " and ((source = 'crm' and replaced_by > " ~ crm_mark ~ ")"
            ~ " or (source = 'calls' and replaced_by > " ~ calls_mark ~ ")))").columns[0].values()[0] -%}
        drop table if exists pg_temp.fct_calls_refresh_candidates;
        -- the candidates first, in a temporary table with statistics: the update then joins the
        -- few thousand calls they are, by index
        create temporary table fct_calls_refresh_candidates on commit drop as
        {%- if any_replaced %}
        select call_id from {{ this }};
        {%- else %}
        with
        new_crm_batches as (
            select batch_id from {{ source('audit', 'load_batches') }}
            where source = 'crm' and status = 'loaded' and batch_id > {{ crm_mark }}
        ),
        new_calls_batches as (
            select batch_id from {{ source('audit', 'load_batches') }}
            where source = 'calls' and status = 'loaded' and batch_id > {{ calls_mark }}
        ),
        changed_customers as (
            select distinct customer_id from {{ source('crm', 'crm_customers') }}
            where _batch_id > {{ crm_mark }} and _batch_id in (select batch_id from new_crm_batches)
        ),
        -- each changed customer as the table last applied it: its latest version up to the mark
        -- (the ranking of crm_latest_version; a batch replaced since took the branch above)
        applied_customers as (
            select distinct on (versions.customer_id)
                versions.customer_id,
                {{ crm_phone_digits('versions.phone') }} as phone_digits,
                lower(trim(versions.status)) = 'closed' as is_closed,
                versions.created_at
            from {{ source('crm', 'crm_customers') }} as versions
            where versions.customer_id in (select customer_id from changed_customers)
                and versions._batch_id <= {{ crm_mark }}
                and versions._batch_id in (
                    select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded')
            order by versions.customer_id, versions.updated_at desc, versions._logical_date desc,
                versions._batch_id desc, versions._line_number desc
        ),
        latest_customers as (
            select customer_id, phone_digits, status = 'closed' as is_closed, created_at
            from {{ ref('stg_crm__customers') }}
            where customer_id in (select customer_id from changed_customers)
        ),
        holder_changes as (
            select applied.phone_digits as applied_digits, latest.phone_digits as latest_digits
            from latest_customers as latest
            full join applied_customers as applied on applied.customer_id = latest.customer_id
            where (applied.phone_digits, applied.is_closed, applied.created_at)
                is distinct from (latest.phone_digits, latest.is_closed, latest.created_at)
        ),
        changed_numbers as (
            select applied_digits as phone_digits from holder_changes
            union
            select latest_digits from holder_changes
        ),
        changed_agents as (
            select distinct agent_id from {{ source('crm', 'crm_agents') }}
            where _batch_id > {{ crm_mark }} and _batch_id in (select batch_id from new_crm_batches)
        ),
        changed_aliases as (
            select nullif(trim(versions.queue_member_name), '') as alias
            from {{ source('crm', 'crm_agents') }} as versions
            where versions.agent_id in (select agent_id from changed_agents)
            union
            select nullif(trim(versions.extension), '')
            from {{ source('crm', 'crm_agents') }} as versions
            where versions.agent_id in (select agent_id from changed_agents)
        ),
        changed_evaluations as (
            select evaluation_id from {{ source('call_centre', 'qa_evaluations') }}
            where _batch_id > {{ calls_mark }} and _batch_id in (select batch_id from new_calls_batches)
            union
            select qa.evaluation_id
            from {{ ref('int_queue_calls_assembled') }} as calls
            inner join {{ ref('int_calls_qa_matched') }} as qa on qa.call_id = calls.call_id
            where calls.source_batch_id > {{ calls_mark }}
        ),
        candidates as (
            select calls.call_id from {{ ref('int_queue_calls_assembled') }} as calls
            where calls.caller_digits in (select phone_digits from changed_numbers)
            union
            select stored.call_id from {{ this }} as stored
            where stored.agent_member_name in (select alias from changed_aliases)
            union
            select stored.call_id from {{ this }} as stored
            where stored.qa_evaluation_id in (select evaluation_id from changed_evaluations)
            union
            select qa.call_id from {{ ref('int_calls_qa_matched') }} as qa
            where qa.evaluation_id in (select evaluation_id from changed_evaluations)
        )
        select call_id from candidates;
        {%- endif %}
        analyze fct_calls_refresh_candidates;
        with
        fresh as (
            select
                stored.call_id,
                phones.customer_id,
                {{ calls_resolve_agent('stored.agent_member_name', 'stored.entered_at') }} as agent_id,
                qa.evaluation_id as qa_evaluation_id,
                qa.total_score as qa_total_score,
                qa.is_fatal_error as qa_is_fatal_error
            from fct_calls_refresh_candidates as candidates
            inner join {{ this }} as stored on stored.call_id = candidates.call_id
            -- the caller's clear digits stay out of the marts: take them from the assembly
            left join {{ ref('int_queue_calls_assembled') }} as assembled on assembled.call_id = candidates.call_id
            left join {{ ref('int_calls_customer_phones') }} as phones on phones.phone_digits = assembled.caller_digits
            left join {{ ref('int_calls_qa_matched') }} as qa on qa.call_id = candidates.call_id
        )
        update {{ this }} as stored
        set customer_id = fresh.customer_id,
            agent_id = fresh.agent_id,
            is_unknown_agent = (stored.agent_member_name is not null and fresh.agent_id is null),
            qa_evaluation_id = fresh.qa_evaluation_id,
            qa_total_score = fresh.qa_total_score,
            qa_is_fatal_error = fresh.qa_is_fatal_error,
            crm_batch_id = {{ crm_now }}
        from fresh
        where stored.call_id = fresh.call_id
            and (stored.customer_id, stored.agent_id, stored.qa_evaluation_id, stored.qa_total_score, stored.qa_is_fatal_error)
                is distinct from
                (fresh.customer_id, fresh.agent_id, fresh.qa_evaluation_id, fresh.qa_total_score, fresh.qa_is_fatal_error)
    {%- endif %}
{%- endmacro %}

{#
    Pre-hook of the call models' whole builds (a first build, --full-refresh): no nested loops in
    this model's transaction. The staging views drop a row that a later batch delivered again
    with a lateral probe (left join lateral … limit 1, kept where it found nothing); the planner
    cannot estimate that filter and takes it to keep 0.5 % of the rows, so over the whole
    history it expected 174 queue entries where there were 1.7 M and joined them to the CDR legs
    in a nested loop: a new installation's first build at 88 days of `large` ran for over 20
    minutes without an end in sight (1.7 M entries × 2 M legs). Hash joins do not care how wrong
    the estimate is. A night's incremental build reads a few dates through indexes and keeps the
    planner's choice. Empty otherwise (dbt runs no empty hook).
#}
{% macro calls_whole_build_settings() -%}
    {%- if execute and not is_incremental() -%}
        set local enable_nestloop = off
    {%- endif -%}
{%- endmacro %}

{# Pre-hook: delete the dates about to be recomputed (inside the model's transaction). #}
{% macro calls_delete_dates(dates) -%}
    {%- if dates is not none and is_incremental() -%}
        delete from {{ this }} where local_date = any({{ calls_date_array(dates) }})
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{# The dates widened by up to `around` days on each side, sorted ISO strings. #}
{% macro _calls_widened_dates(dates, around) -%}
    {%- set widened = [] -%}
    {%- for d in dates -%}
        {%- set day = modules.datetime.date.fromisoformat(d | string) -%}
        {%- for shift in range(-around, around + 1) -%}
            {%- set other = (day + modules.datetime.timedelta(days=shift)).isoformat() -%}
            {%- if other not in widened -%}{%- do widened.append(other) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(widened | sort) }}
{%- endmacro %}

{# SQL filter: the column within the dates (shifted by up to `around` days, a number), true when not incremental. #}
{% macro calls_in_dates(column, dates, around=0) -%}
    {%- if dates is none -%}
        true
    {%- elif around == 0 -%}
        {{ column }} = any({{ calls_date_array(dates) }})
    {%- else -%}
        {#- a literal list, widened here: a subquery would hide the few dates from the planner,
            which then reads the staging views' whole history before filtering (measured:
            docs/DECISIONS.md, "Performance") -#}
        {{ column }} = any({{ calls_date_array(_calls_widened_dates(dates, around)) }})
    {%- endif -%}
{%- endmacro %}

{#
    SQL filter: a timestamptz column within the local days of the dates (widened by up to
    `around` days, a number), as ranges of the column itself: one range per run of consecutive
    days, from local midnight to local midnight, so exactly the rows whose local date is one of
    those days. Filter a timestamp's local days with this, not with calls_in_dates on its local
    date: that is an expression no index of a raw table holds, so the assembly read all of
    raw.queue_log and raw.cdr each night (15 s at 368 days of `large`), and beside these ranges
    it makes the planner expect a handful of rows (nested loops over 75 000 calls). The ranges
    let the BRIN indexes on raw event_at / start_at find the few days. True when not incremental.
    (Where clocks fall back across midnight, PostgreSQL reads the ambiguous local midnight as
    standard time, so the first hour of such a day belongs to the range before it; consecutive
    days share one range, so only a day at the edge of a list can lose that hour.)
#}
{% macro calls_in_local_days(column, dates, around=0) -%}
    {%- if dates is none -%}
        true
    {%- elif not dates -%}
        false
    {%- else -%}
        {%- set days = _calls_widened_dates(dates, around) -%}
        {%- set one_day = modules.datetime.timedelta(days=1) -%}
        {%- set ranges = [] -%}
        {%- for d in days -%}
            {%- set day = modules.datetime.date.fromisoformat(d) -%}
            {%- if ranges and ranges[-1][1] == day -%}
                {%- set run = ranges.pop() -%}
                {%- do ranges.append([run[0], day + one_day]) -%}
            {%- else -%}
                {%- do ranges.append([day, day + one_day]) -%}
            {%- endif -%}
        {%- endfor -%}
        (
        {%- for start, stop in ranges %}
            ({{ column }} >= (timestamp '{{ start.isoformat() }}' at time zone '{{ var("centre_tz") }}')
                and {{ column }} < (timestamp '{{ stop.isoformat() }}' at time zone '{{ var("centre_tz") }}'))
            {{- " or" if not loop.last }}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{#
    int_calls_qa_matched, incremental by uniqueid. A QA form only ever matches calls whose callid
    is its call_uniqueid, so the matching splits by uniqueid: a night recomputes the uniqueids a
    newer calls batch touches and keeps every other row. Those are:
      - every uniqueid any version of a form named, for the forms with a version in a newer
        batch (a corrected form that names another call must leave the first one);
      - the callids of the calls a newer batch changed (source_batch_id past the mark: a later
        call of a reused uniqueid can take a form over).
    The mark is the greatest loaded calls batch when the table was last built (calls_batch_id,
    stamped on the rows it wrote). Everything is recomputed on a first build, a full refresh,
    when the table predates these columns, or when a calls batch was replaced since the mark (a
    corrected day: its old rows leave raw and no newer row points at them).
    Measured: rebuilding every match read all 7.5 M assembled calls, 4.8 s a night at a year of
    `large` against 1.2 s at 106 days.
#}
{% macro calls_qa_plan() -%}
    {%- if not (execute and is_incremental()) or missing_columns(['calls_batch_id', 'call_uniqueid']) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set mark = run_query("select max(calls_batch_id) from " ~ this).columns[0].values()[0] -%}
    {%- if mark is none -%}{{ return(none) }}{%- endif -%}
    {%- set replaced = run_query(
        "select exists (select 1 from " ~ source('audit', 'load_batches') ~ " where source = 'calls'"
        ~ " and status = 'replaced' and replaced_by > " ~ (mark | int) ~ ")").columns[0].values()[0] -%}
    {{ return(none if replaced else mark | int) }}
{%- endmacro %}

{# Pre-hook of int_calls_qa_matched: the uniqueids to recompute (temporary table
   calls_qa_affected, read by the model) and their stored rows deleted; every row when the plan
   is a whole rebuild (macros/recompute.sql). #}
{% macro calls_qa_prepare(mark, now) -%}
    {%- call recompute_prepare(mark, 'calls_qa_affected', 'call_uniqueid', 'uniqueid') -%}
        with
        new_versions as (
            select evaluation_id from {{ source('call_centre', 'qa_evaluations') }}
            where _batch_id > {{ mark }} and _batch_id <= {{ now }}
                and _batch_id in (
                    select batch_id from {{ source('audit', 'load_batches') }}
                    where source = 'calls' and status = 'loaded' and batch_id > {{ mark }})
        )
        select nullif(trim(versions.call_uniqueid), '') as uniqueid
        from {{ source('call_centre', 'qa_evaluations') }} as versions
        where versions.evaluation_id in (select evaluation_id from new_versions)
        union
        select calls.callid
        from {{ ref('int_queue_calls_assembled') }} as calls
        where calls.source_batch_id > {{ mark }}
    {%- endcall -%}
{%- endmacro %}
