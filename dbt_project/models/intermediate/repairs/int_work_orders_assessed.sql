-- Each work order (维修单) judged by the department's rules (policy values from seeds):
-- step 1: punctual (准时) — arrived ≤ appointment_start + grace
-- step 2: timely (及时) — emergency (急修): arrived within the limit of reported_at; routine (零修):
--         completed by appointment_end, or within the limit of reported_at without one.
--         NULL while the time that decides it is missing.
-- step 3: rework (返修) — another order of the same customer and category reported more than 0
--         and at most the window after this one completed; the flag sits on the earlier order
-- step 4: work points (服务点数) by category coefficient, for completed orders
--
-- Incremental by customer: a night recomputes every order of the customers its batches touch
-- (the pre-hook lists the orders in repairs_recompute; macros/repairs_incremental.sql says which).
{%- set plan = repairs_assessed_plan() %}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ repairs_assessed_prepare(repairs_assessed_plan()) }}",
        post_hook="{{ ensure_config_indexes() }}",
        indexes=[{'columns': ['work_order_id'], 'unique': true}, {'columns': ['customer_id']}],
    )
}}
with

work_orders as (
    select * from {{ ref('stg_field_service__work_orders') }}
    {%- if plan is not none %}
    where work_order_id in (select work_order_id from repairs_recompute)
    {%- endif %}
),

category_points as (
    select category, work_points from {{ ref('repair_category_points') }}
),

policy as (
    select
        {{ policy('repair_punctuality_grace_minutes') }} as grace_minutes,
        {{ policy('emergency_arrival_limit_minutes') }} as emergency_limit_minutes,
        {{ policy('routine_completion_limit_hours') }} as routine_limit_hours,
        {{ policy('rework_window_days') }} as rework_window_days
),

flagged as (
    select
        work_orders.*,
        case
            when work_orders.appointment_start is not null and work_orders.arrived_at is not null
                then work_orders.arrived_at
                    <= work_orders.appointment_start + policy.grace_minutes * interval '1 minute'
        end as is_punctual,
        case
            when work_orders.urgency = 'emergency' then
                case
                    when work_orders.arrived_at is not null
                        then work_orders.arrived_at - work_orders.reported_at
                            <= policy.emergency_limit_minutes * interval '1 minute'
                end
            when work_orders.completed_at is null then null
            when work_orders.appointment_end is not null
                then work_orders.completed_at <= work_orders.appointment_end
            else work_orders.completed_at - work_orders.reported_at
                <= policy.routine_limit_hours * interval '1 hour'
        end as is_timely,
        policy.rework_window_days
    from work_orders
    cross join policy
),

reworked as (
    select distinct earlier.work_order_id
    from flagged as earlier
    inner join work_orders as later
        on later.customer_id = earlier.customer_id
        and later.category = earlier.category
        and later.work_order_id <> earlier.work_order_id
        and later.reported_at > earlier.completed_at
        and later.reported_at <= earlier.completed_at + earlier.rework_window_days * interval '1 day'
    where earlier.completed_at is not null
),

final as (
    select
        flagged.work_order_id,
        flagged.customer_id,
        flagged.technician_id,
        flagged.source_channel,
        flagged.category,
        flagged.urgency,
        flagged.reported_at,
        flagged.reported_date,
        flagged.appointment_start,
        flagged.appointment_end,
        flagged.dispatched_at,
        flagged.arrived_at,
        flagged.completed_at,
        flagged.completed_date,
        flagged.status,
        flagged.is_punctual,
        flagged.is_timely,
        flagged.inspection_result,
        case
            when flagged.completed_at is not null then reworked.work_order_id is not null
        end as is_rework,
        round(extract(epoch from flagged.completed_at - flagged.reported_at) / 3600, 4) as turnaround_hours,
        round(extract(epoch from flagged.completed_at - flagged.arrived_at) / 3600, 4) as on_site_hours,
        flagged.fee_amount,
        flagged.fee_currency,
        flagged.is_fee_paid,
        flagged.is_customer_signed,
        flagged.callback_called_at,
        flagged.callback_called_at is not null as has_callback,
        flagged.is_callback_satisfied,
        flagged.callback_score,
        flagged.has_safety_incident,
        case
            when flagged.status = 'completed'
                then coalesce(
                    category_points.work_points,
                    (select other.work_points from category_points as other where other.category = 'other'),
                    0
                )
            else 0
        end as work_points,
        flagged.is_unknown_customer,
        flagged.is_unknown_technician,
        flagged._batch_id,
        {{ loaded_high_water('repairs') }}::bigint as repairs_batch_id,
        {{ loaded_high_water('crm') }}::bigint as crm_batch_id,
        '{{ repairs_policy_fingerprint() }}'::text as policy_fingerprint
    from flagged
    left join reworked
        on reworked.work_order_id = flagged.work_order_id
    left join category_points
        on category_points.category = flagged.category
)

select * from final
