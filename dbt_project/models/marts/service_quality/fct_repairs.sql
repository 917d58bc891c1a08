-- One row per work order (维修单), its latest state, with punctuality, timeliness (零修 / 急修
-- 及时), rework (返修), callback (回访) and work points; region is the customer's current region.
with

work_orders as (
    select * from {{ ref('int_work_orders_assessed') }}
),

customers as (
    select customer_id, region from {{ ref('stg_crm__customers') }}
),

final as (
    select
        work_orders.work_order_id,
        work_orders.customer_id,
        work_orders.technician_id,
        work_orders.source_channel,
        work_orders.category,
        work_orders.urgency,
        customers.region,
        work_orders.reported_at,
        work_orders.reported_date,
        work_orders.appointment_start,
        work_orders.appointment_end,
        work_orders.dispatched_at,
        work_orders.arrived_at,
        work_orders.completed_at,
        work_orders.completed_date,
        work_orders.status,
        work_orders.is_punctual,
        work_orders.is_timely,
        work_orders.inspection_result,
        work_orders.is_rework,
        work_orders.turnaround_hours,
        work_orders.on_site_hours,
        work_orders.fee_amount,
        work_orders.is_fee_paid as is_paid,
        work_orders.is_customer_signed as customer_signed,
        work_orders.has_callback,
        work_orders.callback_called_at,
        work_orders.is_callback_satisfied,
        work_orders.callback_score,
        work_orders.has_safety_incident as safety_incident,
        work_orders.work_points,
        work_orders.is_unknown_customer,
        work_orders.is_unknown_technician,
        work_orders._batch_id as source_batch_id
    from work_orders
    left join customers
        on customers.customer_id = work_orders.customer_id
)

select * from final
