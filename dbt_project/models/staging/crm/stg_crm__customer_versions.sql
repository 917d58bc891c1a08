-- Every distinct extracted version of every customer file (one per customer and updated_at),
-- for the dates status changes happened (a customer closing is a churn in that month).
with

versions as (
    select *
    from {{ source('crm', 'crm_customers') }}
    where _batch_id in (
        select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
    )
),

deduplicated as (
    select
        versions.*,
        row_number() over (
            partition by customer_id, updated_at
            order by _logical_date desc, _batch_id desc, _line_number desc
        ) as _version_rank
    from versions
),

final as (
    select
        customer_id || '|' || to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as customer_version_id,
        customer_id,
        lower(trim(status)) as status,
        region,
        is_key_account,
        updated_at,
        {{ local_date('updated_at') }} as updated_date,
        _batch_id,
        _logical_date
    from deduplicated
    where _version_rank = 1
)

select * from final
