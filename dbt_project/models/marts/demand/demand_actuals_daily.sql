-- What happened, per demand series and local date: the actuals forecasts are scored on.
-- Series ids as the forecast step builds them (calls:<queue>, complaints:<category>,
-- repairs:<category>:<urgency>). Days without a row had none (0), up to the last loaded day.
{{ config(materialized='ephemeral', contract={'enforced': false}) }}

with

call_kpis as (
    select * from {{ ref('call_kpis_daily') }}
),

complaints as (
    select * from {{ ref('fct_complaints') }}
),

repairs as (
    select * from {{ ref('fct_repairs') }}
),

calls_daily as (
    select local_date, 'calls:' || queue as series_id, offered::double precision as actual
    from call_kpis
),

complaints_daily as (
    select
        {{ local_date('received_at') }} as local_date,
        'complaints:' || coalesce(category, 'unknown') as series_id,
        count(*)::double precision as actual
    from complaints
    where received_at is not null
    group by 1, 2
),

repairs_daily as (
    select
        {{ local_date('reported_at') }} as local_date,
        'repairs:' || coalesce(category, 'unknown') || ':' || coalesce(urgency, 'unknown') as series_id,
        count(*)::double precision as actual
    from repairs
    where reported_at is not null
    group by 1, 2
),

final as (
    select * from calls_daily
    union all
    select * from complaints_daily
    union all
    select * from repairs_daily
)

select * from final
