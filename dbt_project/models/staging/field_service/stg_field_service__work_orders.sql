-- One row per work order (维修单): its latest state. Latest = greatest updated_at compared as
-- instants (lines carry different offsets; timestamptz compares instants), then the later day's
-- file, then the later line. Unknown customer / technician ids are kept and flagged.
with

latest as (
    select * from {{ ref('base_field_service__work_orders') }}
),

customers as (
    select customer_id from {{ ref('stg_crm__customers') }}
),

agents as (
    select agent_id from {{ ref('stg_crm__agents') }}
),

final as (
    select
        latest.work_order_id,
        latest.customer_id,
        latest.technician_id,
        lower(trim(latest.source_channel)) as source_channel,
        lower(trim(latest.category)) as category,
        lower(trim(latest.urgency)) as urgency,
        latest.description,
        latest.reported_at,
        {{ local_date('latest.reported_at') }} as reported_date,
        latest.appointment_start,
        latest.appointment_end,
        latest.dispatched_at,
        latest.arrived_at,
        latest.completed_at,
        {{ local_date('latest.completed_at') }} as completed_date,
        lower(trim(latest.status)) as status,
        lower(trim(latest.inspection_result)) as inspection_result,
        latest.inspected_at,
        latest.fee_amount,
        upper(trim(latest.fee_currency)) as fee_currency,
        latest.fee_paid as is_fee_paid,
        latest.customer_signed as is_customer_signed,
        latest.parts,
        latest.callback_called_at,
        latest.callback_satisfied as is_callback_satisfied,
        latest.callback_score,
        coalesce(latest.safety_incident, false) as has_safety_incident,
        latest.customer_id is not null
            and not exists (select 1 from customers where customers.customer_id = latest.customer_id)
            as is_unknown_customer,
        latest.technician_id is not null
            and not exists (select 1 from agents where agents.agent_id = latest.technician_id)
            as is_unknown_technician,
        latest.updated_at,
        latest._batch_id,
        latest._logical_date,
        latest._line_number
    from latest
)

select * from final
