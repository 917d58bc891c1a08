-- Repair KPIs per local month × category × urgency × region: orders by the month reported;
-- completed and every rate over the orders completed (status completed) in the month of
-- completed_at — 零修及时率 / 急修及时率 (by urgency), punctuality, 维修合格率, 返修率, 回访率.
with

repairs as (
    select
        work_order_id,
        coalesce(category, 'unknown') as category,
        coalesce(urgency, 'unknown') as urgency,
        coalesce(region, 'unknown') as region,
        reported_at,
        completed_at,
        status,
        appointment_start,
        is_punctual,
        is_timely,
        inspection_result,
        is_rework,
        has_callback,
        is_callback_satisfied,
        turnaround_hours,
        fee_amount,
        is_paid
    from {{ ref('fct_repairs') }}
),

reported as (
    select
        {{ local_month('reported_at') }} as month, category, urgency, region,
        count(*) as orders
    from repairs
    where reported_at < {{ as_of() }}
    group by 1, 2, 3, 4
),

completed as (
    select
        {{ local_month('completed_at') }} as month, category, urgency, region,
        count(*) as completed,
        count(*) filter (where is_timely) as timely,
        count(is_timely) as timely_decided,
        count(*) filter (where is_punctual) as punctual,
        count(appointment_start) as with_appointment,
        count(*) filter (where inspection_result = 'pass') as passed,
        count(*) filter (where inspection_result in ('pass', 'fail')) as inspected,
        count(*) filter (where is_rework) as reworked,
        count(*) filter (where has_callback) as with_callback,
        count(*) filter (where has_callback and is_callback_satisfied) as callback_satisfied,
        avg(turnaround_hours) as mean_turnaround_hours,
        coalesce(sum(fee_amount) filter (where is_paid), 0) as paid_revenue
    from repairs
    where status = 'completed' and completed_at < {{ as_of() }}
    group by 1, 2, 3, 4
),

keys as (
    select month, category, urgency, region from reported
    union
    select month, category, urgency, region from completed
),

final as (
    select
        keys.month,
        keys.category,
        keys.urgency,
        keys.region,
        coalesce(reported.orders, 0) as orders,
        coalesce(completed.completed, 0) as completed,
        completed.timely::numeric / nullif(completed.timely_decided, 0) as timely_rate,
        completed.punctual::numeric / nullif(completed.with_appointment, 0) as punctuality_rate,
        completed.passed::numeric / nullif(completed.inspected, 0) as pass_rate,
        completed.reworked::numeric / nullif(completed.completed, 0) as rework_rate,
        1 - completed.reworked::numeric / nullif(completed.completed, 0) as first_time_fix_rate,
        completed.with_callback::numeric / nullif(completed.completed, 0) as callback_rate,
        completed.callback_satisfied::numeric / nullif(completed.with_callback, 0) as callback_satisfaction_rate,
        round(completed.mean_turnaround_hours, 4) as mean_turnaround_hours,
        coalesce(completed.paid_revenue, 0) as paid_revenue
    from keys
    left join reported using (month, category, urgency, region)
    left join completed using (month, category, urgency, region)
)

select * from final
