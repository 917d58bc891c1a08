-- One row per CDR leg of a live (`loaded`) batch, typed and renamed; times are UTC instants
-- (the loader converted them from the CDR time zone). The same leg delivered in two batches is
-- kept once, from the later batch. A queue call's outcome never comes from here: Queue()
-- answers the caller, so an abandoned queue call shows as ANSWERED in the CDR.
with

cdr as (
    select * from {{ source('call_centre', 'cdr') }}
),

live_batches as (
    select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
),

live as (
    select cdr.*
    from cdr
    inner join live_batches
        on cdr._batch_id = live_batches.batch_id
),

-- an anti-join on the raw table itself, probing its index on the uniqueid (a copy of a leg has
-- the same one): a query for a few dates reads only those dates' legs and their copies, so the
-- nightly cost does not grow with history (see stg_call_centre__queue_log).
deduplicated as (
    select live.*
    from live
    where not exists (
        select 1
        from {{ source('call_centre', 'cdr') }} as later_copy
        inner join live_batches as later_batch
            on later_copy._batch_id = later_batch.batch_id
        where coalesce(later_copy.uniqueid, '') = coalesce(live.uniqueid, '')
            and later_copy._batch_id > live._batch_id
            and row(later_copy.uniqueid, later_copy.channel, later_copy.dstchannel, later_copy.lastapp,
                    later_copy.lastdata, later_copy.dst, later_copy.start_at, later_copy.end_at,
                    later_copy.sequence)::text
                = row(live.uniqueid, live.channel, live.dstchannel, live.lastapp, live.lastdata, live.dst,
                      live.start_at, live.end_at, live.sequence)::text
    )
),

final as (
    select
        md5(_batch_id::text || ':' || _line_number::text) as cdr_id,
        nullif(trim(uniqueid), '') as uniqueid,
        nullif(trim(linkedid), '') as linkedid,
        nullif(trim(src), '') as caller_number,
        {{ calls_digits('src') }} as caller_digits,
        nullif(trim(dst), '') as destination,
        nullif(trim(dcontext), '') as destination_context,
        nullif(trim(clid), '') as caller_id_text,
        nullif(trim(channel), '') as channel,
        nullif(trim(dstchannel), '') as destination_channel,
        nullif(trim(lastapp), '') as last_app,
        nullif(trim(lastdata), '') as last_data,
        start_at as started_at,
        answer_at as answered_at,
        end_at as ended_at,
        {{ local_date('start_at') }} as local_date,
        duration as duration_seconds,
        billsec as billable_seconds,
        upper(trim(disposition)) as disposition,
        nullif(trim(accountcode), '') as account_code,
        nullif(trim(amaflags), '') as ama_flags,
        nullif(trim(userfield), '') as user_field,
        nullif(trim(peeraccount), '') as peer_account,
        sequence,
        column_count,
        'bad_bytes_replaced' = any(_flags) as has_bad_bytes,
        _batch_id as batch_id,
        _logical_date as logical_date,
        _source_file as source_file,
        _line_number as line_number,
        array_to_string(_flags, ',') as flags
    from deduplicated
)

select * from final
