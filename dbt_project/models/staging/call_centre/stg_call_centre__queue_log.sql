-- One row per queue_log event of a live (`loaded`) batch, typed and renamed.
-- The same line delivered in two batches (e.g. a rotated file that overlaps a day) is kept once,
-- from the later batch; identical lines inside one batch are all kept (they are real events).
-- Data fields stay text here: their meaning depends on the event (see int_queue_calls_assembled).
with

deduplicated as (
    {{ live_lines_deduplicated(
        source('call_centre', 'queue_log'),
        ['event_epoch', 'callid', 'queuename', 'agent', 'event', 'data1', 'data2', 'data3', 'data4', 'data5', 'data_extra'],
        probe="{t}.event_epoch"
    ) }}
),

final as (
    select
        md5(_batch_id::text || ':' || _line_number::text) as event_id,
        event_epoch,
        event_at,
        {{ local_date('event_at') }} as local_date,
        nullif(trim(callid), '') as callid,
        nullif(trim(queuename), '') as queue_name,
        nullif(trim(agent), '') as agent_name,
        upper(trim(event)) as event_type,
        data1,
        data2,
        data3,
        data4,
        data5,
        data_extra,
        -- call events carry the caller channel's uniqueid; system / member events a keyword
        coalesce(upper(trim(callid)), 'NONE') not in ('NONE', 'MANAGER', 'CLI', 'REALTIME', '')
            and coalesce(upper(trim(queuename)), 'NONE') <> 'NONE' as is_call_event,
        _batch_id as batch_id,
        _logical_date as logical_date,
        _source_file as source_file,
        _line_number as line_number,
        array_to_string(_flags, ',') as flags
    from deduplicated
)

select * from final
