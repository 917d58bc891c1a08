-- How good the forecasts were (预测误差): per series × method × horizon bucket × month of the day
-- forecast. Two kinds of rows:
--   published  every kept vintage's forecasts scored against the actuals that have arrived
--              (method `champion` = what each vintage flagged as its champion);
--   backtest   the latest vintage's rolling-origin backtest, on which its champions were picked.
-- error = forecast − actual (positive: too high). MAPE leaves out days with no demand; WAPE is
-- Σ|error| ÷ Σ actual. The sums are kept so that dashboards can roll buckets and months up.
with

vintages as (
    select * from {{ ref('demand_vintages_as_of') }}
),

forecasts as (
    select * from {{ source('forecast', 'daily_forecasts') }}
),

backtests as (
    select * from {{ source('forecast', 'backtest_errors') }}
),

actuals as (
    select * from {{ ref('demand_actuals_daily') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

-- step 1: every published forecast whose day has passed, with its actual
scored as (
    select
        forecasts.series_id, forecasts.series_kind, forecasts.queue, forecasts.category, forecasts.urgency,
        forecasts.method, forecasts.is_champion, forecasts.local_date,
        case
            when forecasts.horizon_days <= 1 then 1
            when forecasts.horizon_days <= 7 then 7
            when forecasts.horizon_days <= 14 then 14
            else 28
        end as horizon_bucket,
        forecasts.forecast - coalesce(actuals.actual, 0) as error,
        coalesce(actuals.actual, 0) as actual
    from forecasts
    inner join vintages
        on forecasts.forecast_made_on = vintages.forecast_made_on
    cross join as_of
    left join actuals
        on actuals.series_id = forecasts.series_id
        and actuals.local_date = forecasts.local_date
    where forecasts.local_date <= as_of.as_of_date
),

scored_methods as (
    select * from scored
    union all
    select series_id, series_kind, queue, category, urgency, 'champion' as method, is_champion, local_date,
           horizon_bucket, error, actual
    from scored
    where is_champion
),

published_sums as (
    select
        'published' as forecast_kind,
        series_id, series_kind, queue, category, urgency, method, horizon_bucket,
        date_trunc('month', local_date)::date as month,
        count(*) as n,
        sum(error) as sum_error,
        sum(abs(error)) as sum_abs_error,
        sum(error * error) as sum_sq_error,
        sum(actual) as sum_actual,
        coalesce(sum(abs(error) / actual) filter (where actual > 0), 0) as sum_abs_pct_error,
        count(*) filter (where actual > 0) as n_pct
    from scored_methods
    group by series_id, series_kind, queue, category, urgency, method, horizon_bucket, date_trunc('month', local_date)
),

-- step 2: the latest vintage's backtest, already as sums
backtest_sums as (
    select
        'backtest' as forecast_kind,
        series_id, series_kind, queue, category, urgency, method, horizon_bucket, month,
        n, sum_error, sum_abs_error, sum_sq_error, sum_actual, sum_abs_pct_error, n_pct
    from backtests
    where forecast_made_on = (select forecast_made_on from vintages where is_latest)
),

sums as (
    select * from published_sums
    union all
    select * from backtest_sums
),

final as (
    select
        forecast_kind::text as forecast_kind,
        series_id::text as series_id,
        series_kind::text as series_kind,
        queue::text as queue,
        category::text as category,
        urgency::text as urgency,
        method::text as method,
        horizon_bucket::integer as horizon_bucket,
        month::date as month,
        n::integer as n,
        round((sum_error / n)::numeric, 4)::numeric as mean_error,
        round((sum_abs_error / n)::numeric, 4)::numeric as mae,
        round((sum_sq_error / n)::numeric, 4)::numeric as mse,
        round(sqrt(sum_sq_error / n)::numeric, 4)::numeric as rmse,
        round(case when n > 1 then sqrt(greatest(sum_sq_error - sum_error * sum_error / n, 0) / (n - 1)) end::numeric, 4)
            ::numeric as error_sd,
        round((sum_abs_pct_error / nullif(n_pct, 0))::numeric, 4)::numeric as mape,
        round((sum_abs_error / nullif(sum_actual, 0))::numeric, 4)::numeric as wape,
        round(sum_abs_error::numeric, 4)::numeric as sum_abs_error,
        round(sum_actual::numeric, 4)::numeric as sum_actual
    from sums
)

select * from final
