{#
    Generic data tests of the call-centre models (prefix calls_). Each returns the failing rows.
#}

{#
    Integrity between raw and the mart: the distinct ENTERQUEUE events (callid + queue + epoch)
    of live batches are exactly the queue calls in the model — none lost, none invented.
#}
{% test calls_matches_enterqueue_events(model) %}
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
    ),
    mart_calls as (
        select call_id from {{ model }}
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
