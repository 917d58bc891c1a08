-- Daily demand forecasts (客户需求预测), every vintage up to the build's as-of date: series ×
-- method × day forecast, the 80 % interval where the method has one, the champion the
-- backtest picked, and beside each day forecast what actually happened once it has.
with

vintages as (
    select * from {{ ref('demand_vintages_as_of') }}
),

forecasts as (
    select * from {{ source('forecast', 'daily_forecasts') }}
),

actuals as (
    select * from {{ ref('demand_actuals_daily') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

final as (
    select
        forecasts.series_id::text as series_id,
        forecasts.series_kind::text as series_kind,
        forecasts.queue::text as queue,
        forecasts.category::text as category,
        forecasts.urgency::text as urgency,
        forecasts.method::text as method,
        forecasts.forecast_made_on::date as forecast_made_on,
        vintages.run_id::text as run_id,
        vintages.is_latest::boolean as is_latest_vintage,
        forecasts.is_champion::boolean as is_champion,
        forecasts.local_date::date as local_date,
        forecasts.horizon_days::integer as horizon_days,
        round(forecasts.forecast::numeric, 2)::numeric as forecast,
        round(forecasts.lower_80::numeric, 2)::numeric as lower_80,
        round(forecasts.upper_80::numeric, 2)::numeric as upper_80,
        (case when forecasts.local_date <= as_of.as_of_date then coalesce(actuals.actual, 0) end)::numeric as actual
    from forecasts
    inner join vintages
        on forecasts.forecast_made_on = vintages.forecast_made_on
    cross join as_of
    left join actuals
        on actuals.series_id = forecasts.series_id
        and actuals.local_date = forecasts.local_date
)

select * from final
