-- The latest vintage's call forecast per queue × staffing interval for the next days: each
-- queue's daily champion spread over the day by the interval profile of recent same-type days,
-- with the forecast AHT of the interval.
with

vintages as (
    select * from {{ ref('demand_vintages_as_of') }}
),

intraday as (
    select * from {{ source('forecast', 'intraday_forecasts') }}
),

latest as (
    select forecast_made_on from vintages where is_latest
),

final as (
    select
        intraday.queue::text as queue,
        intraday.interval_start::timestamptz as interval_start,
        (intraday.interval_start + make_interval(mins => intraday.interval_minutes))::timestamptz as interval_end,
        intraday.local_date::date as local_date,
        intraday.interval_minutes::integer as interval_minutes,
        intraday.forecast_made_on::date as forecast_made_on,
        round(intraday.forecast_calls::numeric, 3)::numeric as forecast_calls,
        round(intraday.forecast_aht_seconds::numeric, 1)::numeric as forecast_aht_seconds
    from intraday
    inner join latest
        on intraday.forecast_made_on = latest.forecast_made_on
)

select * from final
