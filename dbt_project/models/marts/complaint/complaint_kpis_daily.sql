-- indexes: what the dashboards filter on (bench/suite.py part 6, docs/benchmarks.md)
{{ config(indexes=[{'columns': ['local_date']}]) }}
-- Complaint KPIs per local date × category × severity × channel × region (the customer's current
-- region). received counts by the local date of received_at; resolved, resolved_within_sla and
-- the resolution measures by the local date of the FINAL resolution; the backlog is what was
-- received by the end of the day and not (finally) resolved by then. A row exists for every
-- day and group with anything to show, up to the as-of date.
with

complaints as (
    select
        complaint_id,
        coalesce(category, 'unknown') as category,
        coalesce(severity, 'unknown') as severity,
        coalesce(channel, 'unknown') as channel,
        coalesce(region, 'unknown') as region,
        received_date,
        resolved_date,
        resolution_hours,
        resolution_breach_at,
        is_resolution_sla_met,
        is_reopened,
        has_callback,
        is_callback_satisfied
    from {{ ref('fct_complaints') }}
    where received_date <= {{ as_of_date() }}
),

received as (
    select
        received_date as local_date, category, severity, channel, region,
        count(*) as received
    from complaints
    group by 1, 2, 3, 4, 5
),

resolved as (
    select
        resolved_date as local_date, category, severity, channel, region,
        count(*) as resolved,
        count(*) filter (where is_resolution_sla_met) as resolved_within_sla,
        percentile_cont(0.5) within group (order by resolution_hours) as median_resolution_hours,
        percentile_cont(0.9) within group (order by resolution_hours) as p90_resolution_hours,
        count(*) filter (where is_reopened) as reopened,
        count(*) filter (where has_callback) as with_callback,
        count(*) filter (where is_callback_satisfied) as callback_satisfied
    from complaints
    where resolved_date <= {{ as_of_date() }}
    group by 1, 2, 3, 4, 5
),

backlog as (
    -- one row per complaint per local day it was open at the end of
    select
        open_days.local_date, complaints.category, complaints.severity, complaints.channel, complaints.region,
        count(*) as open_backlog,
        count(*) filter (
            where complaints.resolution_breach_at
                < ((open_days.local_date + 1)::timestamp at time zone '{{ var("centre_tz") }}')
        ) as breached_backlog
    from complaints
    cross join lateral (
        select series.day::date as local_date
        from generate_series(
            complaints.received_date,
            least(coalesce(complaints.resolved_date - 1, {{ as_of_date() }}), {{ as_of_date() }}),
            interval '1 day'
        ) as series (day)
    ) as open_days
    group by 1, 2, 3, 4, 5
),

keys as (
    select local_date, category, severity, channel, region from received
    union
    select local_date, category, severity, channel, region from resolved
    union
    select local_date, category, severity, channel, region from backlog
),

final as (
    select
        keys.local_date,
        keys.category,
        keys.severity,
        keys.channel,
        keys.region,
        coalesce(received.received, 0) as received,
        coalesce(resolved.resolved, 0) as resolved,
        coalesce(resolved.resolved_within_sla, 0) as resolved_within_sla,
        resolved.resolved_within_sla::numeric / nullif(resolved.resolved, 0) as timely_resolution_rate,
        round(resolved.median_resolution_hours::numeric, 4) as median_resolution_hours,
        round(resolved.p90_resolution_hours::numeric, 4) as p90_resolution_hours,
        resolved.reopened::numeric / nullif(resolved.resolved, 0) as reopen_rate,
        resolved.with_callback::numeric / nullif(resolved.resolved, 0) as callback_rate,
        resolved.callback_satisfied::numeric / nullif(resolved.with_callback, 0) as callback_satisfaction_rate,
        coalesce(backlog.open_backlog, 0) as open_backlog,
        coalesce(backlog.breached_backlog, 0) as breached_backlog
    from keys
    left join received using (local_date, category, severity, channel, region)
    left join resolved using (local_date, category, severity, channel, region)
    left join backlog using (local_date, category, severity, channel, region)
)

select * from final
