-- One row per queue_log event of a live (`loaded`) batch, typed and renamed.
-- The same line delivered in two batches (e.g. a rotated file that overlaps a day) is kept once,
-- from the later batch; identical lines inside one batch are all kept (they are real events).
-- Data fields stay text here: their meaning depends on the event (see int_queue_calls_assembled).
with

queue_log as (
    select * from {{ source('call_centre', 'queue_log') }}
),

live_batches as (
    select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
),

live as (
    select queue_log.*
    from queue_log
    inner join live_batches
        on queue_log._batch_id = live_batches.batch_id
),

-- an anti-join on the raw table itself, probing its event_epoch index (a copy of a line has the
-- same epoch): a query for a few dates reads only those dates' events and their copies, so the
-- nightly cost does not grow with history. (A fingerprint CTE read twice would be materialised
-- over every event ever loaded on each query; measured in docs/DECISIONS.md, "Performance".)
deduplicated as (
    select live.*
    from live
    where not exists (
        select 1
        from {{ source('call_centre', 'queue_log') }} as later_copy
        inner join live_batches as later_batch
            on later_copy._batch_id = later_batch.batch_id
        where later_copy.event_epoch = live.event_epoch
            and later_copy._batch_id > live._batch_id
            -- the whole line; row()::text tells NULL from '' apart
            and row(later_copy.event_epoch, later_copy.callid, later_copy.queuename, later_copy.agent,
                    later_copy.event, later_copy.data1, later_copy.data2, later_copy.data3, later_copy.data4,
                    later_copy.data5, later_copy.data_extra)::text
                = row(live.event_epoch, live.callid, live.queuename, live.agent, live.event, live.data1,
                      live.data2, live.data3, live.data4, live.data5, live.data_extra)::text
    )
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
