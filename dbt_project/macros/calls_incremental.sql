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
    Every date of the model and of its input: what an incremental run rebuilds when the stored
    table predates a column the date logic reads (a release added it): a whole rebuild, without
    a manual --full-refresh.
#}
{% macro _calls_missing_columns(required) -%}
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
    {%- if _calls_missing_columns(['source_batch_id', 'local_date']) -%}
        {{ return(_calls_query_dates(
            "select local_date from " ~ ref('stg_call_centre__queue_log') ~ " where local_date is not null"
            ~ " union select local_date from " ~ this ~ " where local_date is not null order by 1")) }}
    {%- endif -%}
    {%- set sql -%}
        with
        high_water as (
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
        touched as (
            select logical_date as local_date from new_batches
            union
            -- the raw rows of the new batches (their BRIN index on _batch_id), not the staging
            -- views: the views' de-duplication reads every batch ever loaded, and a line the views
            -- keep from a new batch is in these rows anyway (same dates)
            select distinct {{ local_date('event_at') }} from {{ source('call_centre', 'queue_log') }}
            where _batch_id in (select batch_id from new_batches)
            union
            select distinct {{ local_date('start_at') }} from {{ source('call_centre', 'cdr') }}
            where _batch_id in (select batch_id from new_batches)
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
      3. dates where what the call's row took from slowly changing inputs differs from what the
         inputs now say: customer by phone, agent by member name, the QA evaluation, the policy
         thresholds (a seed edit reflows without a full refresh).
#}
{% macro calls_fct_rebuild_dates() -%}
    {%- if not (execute and is_incremental()) -%}{{ return(none) }}{%- endif -%}
    {%- set read = ['local_date', 'source_batch_id', 'is_fcr_final', 'customer_id', 'agent_id',
                    'agent_member_name', 'entered_at', 'call_id', 'qa_evaluation_id', 'qa_total_score',
                    'qa_is_fatal_error', 'outcome', 'exit_event', 'wait_seconds', 'answered_at',
                    'is_answered_within_threshold', 'repeat_window_days'] -%}
    {%- if _calls_missing_columns(read) -%}
        {{ return(_calls_query_dates(
            "select local_date from " ~ ref('int_queue_calls_assembled')
            ~ " union select local_date from " ~ this ~ " where local_date is not null order by 1")) }}
    {%- endif -%}
    {%- set window = policy('repeat_contact_window_days') ~ '::integer' -%}
    {%- set sql -%}
        with
        high_water as (
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
            select distinct local_date from {{ this }} where not is_fcr_final
            union
            select distinct local_date from {{ ref('int_queue_calls_assembled') }}
            where local_date >= {{ as_of_date() }} - ({{ window }} + 1)
        ),
        drifted as (
            select distinct stored.local_date
            from {{ this }} as stored
            -- the caller's clear digits stay out of the marts: take them from the assembly
            left join {{ ref('int_queue_calls_assembled') }} as assembled
                on stored.call_id = assembled.call_id
            left join {{ ref('int_calls_customer_phones') }} as phones
                on assembled.caller_digits = phones.phone_digits
            left join {{ ref('int_calls_qa_matched') }} as qa
                on stored.call_id = qa.call_id
            where stored.customer_id is distinct from phones.customer_id
                or stored.agent_id is distinct from {{ calls_resolve_agent('stored.agent_member_name', 'stored.entered_at') }}
                or (stored.qa_evaluation_id, stored.qa_total_score, stored.qa_is_fatal_error)
                    is distinct from (qa.evaluation_id, qa.total_score, qa.is_fatal_error)
                or stored.outcome is distinct from {{ calls_outcome('stored.exit_event', 'stored.wait_seconds', 'stored.answered_at is not null') }}
                or stored.is_answered_within_threshold is distinct from
                    {{ calls_within_threshold('stored.answered_at is not null', 'stored.wait_seconds') }}
                -- a new repeat window changes repeats everywhere: every date is rebuilt
                or stored.repeat_window_days is distinct from {{ window }}
        ),
        wanted as (
            select local_date from widened
            union select local_date from provisional
            union select local_date from drifted
        )
        select wanted.local_date
        from wanted
        where wanted.local_date in (
            select local_date from {{ ref('int_queue_calls_assembled') }}
            union
            select local_date from {{ this }}
        )
        order by 1
    {%- endset -%}
    {{ return(_calls_query_dates(sql)) }}
{%- endmacro %}

{# Pre-hook: delete the dates about to be recomputed (inside the model's transaction). #}
{% macro calls_delete_dates(dates) -%}
    {%- if dates is not none and is_incremental() -%}
        delete from {{ this }} where local_date = any({{ calls_date_array(dates) }})
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{# SQL filter: the column within the dates (shifted by up to `around` days), true when not incremental. #}
{% macro calls_in_dates(column, dates, around=0) -%}
    {%- if dates is none -%}
        true
    {%- elif around == 0 -%}
        {{ column }} = any({{ calls_date_array(dates) }})
    {%- elif around is number -%}
        {#- a literal list, widened here: a subquery would hide the few dates from the planner,
            which then reads the staging views' whole history before filtering (measured:
            docs/DECISIONS.md, "Performance") -#}
        {%- set widened = [] -%}
        {%- for d in dates -%}
            {%- set day = modules.datetime.date.fromisoformat(d | string) -%}
            {%- for shift in range(-around, around + 1) -%}
                {%- set other = (day + modules.datetime.timedelta(days=shift)).isoformat() -%}
                {%- if other not in widened -%}{%- do widened.append(other) -%}{%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {{ column }} = any({{ calls_date_array(widened | sort) }})
    {%- else -%}
        {{ column }} in (
            select listed.d + shift.days
            from unnest({{ calls_date_array(dates) }}) as listed (d)
            cross join generate_series(-({{ around }}), {{ around }}) as shift (days)
        )
    {%- endif -%}
{%- endmacro %}
