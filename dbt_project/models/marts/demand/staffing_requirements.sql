-- Agents needed per queue × staffing interval (Erlang C for the service-level target of the
-- policy seeds), from the freshest forecast made before the interval's day: the latest vintage
-- for what is ahead, the plan that was in force for what has passed. Beside a past interval:
-- the calls actually offered, the agents actually logged in and the service level achieved.
with

vintages as (
    select * from {{ ref('demand_vintages_as_of') }}
),

intraday as (
    select * from {{ source('forecast', 'intraday_forecasts') }}
),

calls as (
    select * from {{ ref('fct_calls') }}
),

logged_in as (
    select * from {{ ref('int_queue_members_logged_in') }}
),

-- step 1: per interval, the plan of the latest vintage made before its day
planned as (
    select distinct on (intraday.queue, intraday.interval_start) intraday.*
    from intraday
    inner join vintages
        on intraday.forecast_made_on = vintages.forecast_made_on
    order by intraday.queue, intraday.interval_start, intraday.forecast_made_on desc
),

-- step 2: what happened in the intervals that have passed
offered as (
    select
        calls.queue,
        date_bin(make_interval(mins => planned_step.minutes), calls.entered_at,
                 timestamp '2000-01-01' at time zone '{{ var("centre_tz") }}') as interval_start,
        count(*) as offered_calls,
        count(*) filter (where calls.outcome = 'short_abandon') as short_abandons,
        count(*) filter (where calls.is_answered_within_threshold) as answered_within_threshold
    from calls
    cross join (select max(interval_minutes) as minutes from planned) as planned_step
    where calls.entered_at >= (select min(interval_start) from planned)
    group by 1, 2
),

final as (
    select
        planned.queue::text as queue,
        planned.interval_start::timestamptz as interval_start,
        (planned.interval_start + make_interval(mins => planned.interval_minutes))::timestamptz as interval_end,
        planned.local_date::date as local_date,
        planned.interval_minutes::integer as interval_minutes,
        planned.forecast_made_on::date as forecast_made_on,
        round(planned.forecast_calls::numeric, 3)::numeric as forecast_calls,
        round(planned.forecast_aht_seconds::numeric, 1)::numeric as forecast_aht_seconds,
        round(planned.traffic_erlangs::numeric, 4)::numeric as traffic_erlangs,
        planned.agents_required::integer as agents_required,
        round(planned.forecast_service_level::numeric, 4)::numeric as forecast_service_level,
        round(planned.forecast_asa_seconds::numeric, 1)::numeric as forecast_asa_seconds,
        round(planned.occupancy::numeric, 4)::numeric as occupancy,
        planned.scheduled_headcount::integer as scheduled_headcount,
        planned.service_level_target::numeric as service_level_target,
        planned.service_level_threshold_seconds::numeric as service_level_threshold_seconds,
        planned.occupancy_cap::numeric as occupancy_cap,
        planned.shrinkage::numeric as shrinkage,
        (planned.interval_start + make_interval(mins => planned.interval_minutes) <= {{ as_of() }})::boolean
            as is_past,
        (case when planned.interval_start + make_interval(mins => planned.interval_minutes) <= {{ as_of() }}
            then coalesce(offered.offered_calls, 0) end)::integer as offered_calls,
        (case when planned.interval_start + make_interval(mins => planned.interval_minutes) <= {{ as_of() }}
            then coalesce(logged_in.agents_logged_in, 0) end)::numeric as agents_logged_in,
        round(offered.answered_within_threshold::numeric
            / nullif(offered.offered_calls - offered.short_abandons, 0), 4)::numeric as service_level_achieved
    from planned
    left join offered
        on offered.queue = planned.queue
        and offered.interval_start = planned.interval_start
    left join logged_in
        on logged_in.queue = planned.queue
        and logged_in.interval_start = planned.interval_start
)

select * from final
