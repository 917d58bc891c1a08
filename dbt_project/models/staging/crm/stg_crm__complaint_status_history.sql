-- One row per status change of a complaint. The CRM appends these; overlapping extracts deliver
-- some twice, so a change is one (complaint_id, status, changed_at). `status_seq` orders them.
with

history as (
    select *
    from {{ source('crm', 'crm_complaint_status_history') }}
    where _batch_id in (
        select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
    )
),

deduplicated as (
    select
        complaint_id,
        lower(trim(status)) as status,
        changed_at,
        changed_by,
        _batch_id,
        _logical_date,
        row_number() over (
            partition by complaint_id, lower(trim(status)), changed_at
            order by _logical_date desc, _batch_id desc, _line_number desc
        ) as _version_rank
    from history
),

final as (
    select
        complaint_id || '|' || status || '|' || to_char(changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
            as status_change_id,
        complaint_id,
        status,
        changed_at,
        {{ local_date('changed_at') }} as changed_date,
        changed_by,
        row_number() over (partition by complaint_id order by changed_at, status) as status_seq,
        _batch_id,
        _logical_date
    from deduplicated
    where _version_rank = 1
)

select * from final
