-- One row per complaint (客户投诉), its latest state: SLA in calendar and business time,
-- breach instants, reopenings, callback (回访) and stage durations.
with

complaints as (
    select * from {{ ref('stg_crm__complaints') }}
),

sla as (
    select * from {{ ref('int_complaints_sla_timed') }}
),

stages as (
    select * from {{ ref('int_complaints_stages_pivoted') }}
),

customers as (
    select customer_id, region from {{ ref('stg_crm__customers') }}
),

complaint_surveys as (
    select
        subject_id as complaint_id,
        surveyed_at,
        score_overall
    from {{ ref('stg_crm__surveys') }}
    where subject_type = 'complaint'
),

callbacks as (
    -- the first complaint survey within the callback window after the (final) resolution
    select distinct on (complaints.complaint_id)
        complaints.complaint_id,
        complaint_surveys.surveyed_at as callback_at,
        complaint_surveys.score_overall as callback_score_overall
    from complaints
    inner join complaint_surveys
        on complaint_surveys.complaint_id = complaints.complaint_id
        and complaint_surveys.surveyed_at >= complaints.resolved_at
        and complaint_surveys.surveyed_at
            <= complaints.resolved_at + {{ policy('complaint_callback_window_days') }} * interval '1 day'
    order by complaints.complaint_id, complaint_surveys.surveyed_at
),

final as (
    select
        complaints.complaint_id,
        complaints.customer_id,
        complaints.owner_agent_id,
        complaints.related_work_order_id,
        complaints.channel,
        complaints.category,
        complaints.severity,
        complaints.product,
        customers.region,
        complaints.received_at,
        complaints.acknowledged_at,
        complaints.resolved_at,
        complaints.closed_at,
        complaints.received_date,
        complaints.resolved_date,
        complaints.status,
        complaints.is_open,
        sla.first_response_minutes,
        sla.resolution_hours,
        sla.first_response_business_minutes,
        sla.resolution_business_hours,
        sla.response_target_hours,
        sla.resolution_target_hours,
        sla.is_sla_business_time,
        sla.response_breach_at,
        sla.resolution_breach_at,
        sla.is_response_sla_met,
        sla.is_resolution_sla_met,
        sla.is_breached_while_open,
        complaints.reopen_count,
        complaints.reopen_count > 0 as is_reopened,
        complaints.is_escalated,
        callbacks.complaint_id is not null as has_callback,
        callbacks.callback_at,
        callbacks.callback_score_overall,
        callbacks.callback_score_overall >= 4 as is_callback_satisfied,
        stages.first_investigating_at,
        coalesce(stages.hours_open, 0) as hours_open,
        coalesce(stages.hours_acknowledged, 0) as hours_acknowledged,
        coalesce(stages.hours_investigating, 0) as hours_investigating,
        coalesce(stages.hours_reopened, 0) as hours_reopened,
        coalesce(stages.status_changes, 0) as status_changes,
        complaints.root_cause,
        complaints.is_unknown_customer,
        complaints.is_unknown_agent,
        complaints._batch_id as source_batch_id
    from complaints
    inner join sla
        on sla.complaint_id = complaints.complaint_id
    left join stages
        on stages.complaint_id = complaints.complaint_id
    left join customers
        on customers.customer_id = complaints.customer_id
    left join callbacks
        on callbacks.complaint_id = complaints.complaint_id
)

select * from final
