-- Overall service level (客户服务水平) per local month = services that met their goal ÷ all
-- services: (calls answered within the threshold + complaints resolved within SLA + repairs
-- timely) ÷ (calls offered less short abandons + complaints resolved + repairs completed),
-- with each part beside it. Calls by the day they entered, complaints by the day of their final
-- resolution, repairs by the day completed.
with

call_days as (
    select * from {{ ref('call_kpis_daily') }}
),

complaints as (
    select resolved_date, is_resolution_sla_met from {{ ref('fct_complaints') }}
),

repairs as (
    select completed_date, status, is_timely from {{ ref('fct_repairs') }}
),

calls_monthly as (
    select
        date_trunc('month', local_date)::date as month,
        sum(answered_within_threshold) as calls_within_threshold,
        sum(offered - short_abandons) as calls_offered_net
    from call_days
    where local_date <= {{ as_of_date() }}
    group by 1
),

complaints_monthly as (
    select
        date_trunc('month', resolved_date)::date as month,
        count(*) filter (where is_resolution_sla_met) as complaints_resolved_within_sla,
        count(*) as complaints_resolved
    from complaints
    where resolved_date <= {{ as_of_date() }}
    group by 1
),

repairs_monthly as (
    select
        date_trunc('month', completed_date)::date as month,
        count(*) filter (where is_timely) as repairs_timely,
        count(*) as repairs_completed
    from repairs
    where status = 'completed' and completed_date <= {{ as_of_date() }}
    group by 1
),

months as (
    select month from calls_monthly
    union
    select month from complaints_monthly
    union
    select month from repairs_monthly
),

parts as (
    select
        months.month,
        coalesce(calls_monthly.calls_within_threshold, 0) as calls_within_threshold,
        coalesce(calls_monthly.calls_offered_net, 0) as calls_offered_net,
        coalesce(complaints_monthly.complaints_resolved_within_sla, 0) as complaints_resolved_within_sla,
        coalesce(complaints_monthly.complaints_resolved, 0) as complaints_resolved,
        coalesce(repairs_monthly.repairs_timely, 0) as repairs_timely,
        coalesce(repairs_monthly.repairs_completed, 0) as repairs_completed
    from months
    left join calls_monthly using (month)
    left join complaints_monthly using (month)
    left join repairs_monthly using (month)
),

final as (
    select
        month,
        (calls_within_threshold + complaints_resolved_within_sla + repairs_timely)::numeric
            / nullif(calls_offered_net + complaints_resolved + repairs_completed, 0) as overall_service_level,
        calls_within_threshold::bigint as calls_within_threshold,
        calls_offered_net::bigint as calls_offered_net,
        calls_within_threshold::numeric / nullif(calls_offered_net, 0) as call_service_level,
        complaints_resolved_within_sla,
        complaints_resolved,
        complaints_resolved_within_sla::numeric / nullif(complaints_resolved, 0) as complaint_timely_rate,
        repairs_timely,
        repairs_completed,
        repairs_timely::numeric / nullif(repairs_completed, 0) as repair_timely_rate
    from parts
)

select * from final
