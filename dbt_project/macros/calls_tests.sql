{#
    Generic data tests of the call-centre models (prefix calls_). Each returns the failing rows.
#}

{#
    Integrity between raw and the mart: the distinct ENTERQUEUE events (callid + queue + epoch)
    of live batches are exactly the queue calls in the model — none lost, none invented.

    In a run with an as-of date (every pipeline run) it reconciles the local dates a night can
    change: the last five days up to as of, and the day before, of and after every calls batch
    loaded since the first batch of those five days (a corrected or backfilled old day) —
    calls_reconciled_dates(). A call exists in the mart because of its ENTERQUEUE alone, so the
    other dates cannot change; reading them every night made the test grow with history (19 s
    at 90 days of the large preset). Without as_of_date (`svcwh dbt -- test`) it reads everything.
#}
{% macro calls_reconciled_dates() -%}
    {%- if not execute or var('as_of_date', none) is none -%}{{ return(none) }}{%- endif -%}
    {%- set as_of = "date '" ~ var('as_of_date') ~ "'" -%}
    {%- set sql -%}
        with
        window_start as (
            select coalesce(min(batch_id), 0) as batch_id
            from {{ source('audit', 'load_batches') }}
            where source = 'calls' and status = 'loaded' and logical_date > {{ as_of }} - 5
        )
        select series.day::date
        from generate_series({{ as_of }} - 4, {{ as_of }}, interval '1 day') as series (day)
        union
        select batches.logical_date + shift.days
        from {{ source('audit', 'load_batches') }} as batches
        cross join window_start
        cross join (values (-1), (0), (1)) as shift (days)
        where batches.source = 'calls' and batches.status = 'loaded' and batches.batch_id >= window_start.batch_id
        order by 1
    {%- endset -%}
    {{ return(_calls_query_dates(sql)) }}
{%- endmacro %}

{% test calls_matches_enterqueue_events(model) %}
    {%- set dates = calls_reconciled_dates() %}
    with
    raw_calls as (
        select distinct
            trim(queue_log.callid) || '|' || trim(queue_log.queuename) || '|' || queue_log.event_epoch::text as call_id
        from {{ source('call_centre', 'queue_log') }} as queue_log
        inner join {{ source('audit', 'load_batches') }} as batches
            on queue_log._batch_id = batches.batch_id
            and batches.status = 'loaded'
        where upper(trim(queue_log.event)) = 'ENTERQUEUE'
            and upper(trim(queue_log.callid)) not in ('NONE', 'MANAGER', 'CLI', 'REALTIME', '')
            and upper(trim(queue_log.queuename)) <> 'NONE'
        {%- if dates is not none %}
            -- a day's events are in its own file or a neighbour's (rotation overlap): the BRIN
            -- index on the logical date reads those files only
            and ({% for d in dates %}queue_log._logical_date between date '{{ d }}' - 2 and date '{{ d }}' + 2{{ ' or ' if not loop.last }}{% else %}false{% endfor %})
            and {{ local_date('queue_log.event_at') }} = any({{ calls_date_array(dates) }})
        {%- endif %}
    ),
    mart_calls as (
        select call_id from {{ model }}
        {%- if dates is not none %}
        where local_date = any({{ calls_date_array(dates) }})
        {%- endif %}
    )
    -- anti-joins, not `not in (subquery)`: once the subquery outgrows work_mem PostgreSQL
    -- searches it row by row (quadratic: minutes at 90 days of large)
    select 'in raw, missing from the mart' as problem, raw_calls.call_id from raw_calls
    where not exists (select 1 from mart_calls where mart_calls.call_id = raw_calls.call_id)
    union all
    select 'in the mart, not in raw' as problem, mart_calls.call_id from mart_calls
    where not exists (select 1 from raw_calls where raw_calls.call_id = mart_calls.call_id)
{% endtest %}

{# No two rows share the combination of columns (a compound primary key). #}
{% test calls_unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as rows_with_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
