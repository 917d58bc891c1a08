-- One row per CDR leg of a live (`loaded`) batch, typed and renamed; times are UTC instants
-- (the loader converted them from the CDR time zone). The same leg delivered in two batches is
-- kept once, from the later batch. A queue call's outcome never comes from here: Queue()
-- answers the caller, so an abandoned queue call shows as ANSWERED in the CDR.
with

deduplicated as (
    {{ live_lines_deduplicated(
        source('call_centre', 'cdr'),
        ['uniqueid', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'dst', 'start_at', 'end_at', 'sequence'],
        probe="coalesce({t}.uniqueid, '')"
    ) }}
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
