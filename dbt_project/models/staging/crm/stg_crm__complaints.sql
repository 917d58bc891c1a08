-- One row per complaint (客户投诉): the latest extracted version. Reopening clears resolved_at and
-- closed_at in the CRM, so the latest version carries the final resolution only.
-- Unknown customer / owner ids are kept and flagged here (the loaders cannot know them).
with

latest as (
    select * from {{ ref('base_crm__complaints') }}
),

customers as (
    select customer_id from {{ ref('stg_crm__customers') }}
),

agents as (
    select agent_id from {{ ref('stg_crm__agents') }}
),

final as (
    select
        latest.complaint_id,
        latest.customer_id,
        lower(trim(latest.channel)) as channel,
        lower(trim(latest.category)) as category,
        lower(trim(latest.severity)) as severity,
        latest.product,
        latest.subject,
        latest.description,
        latest.received_at,
        latest.acknowledged_at,
        latest.resolved_at,
        latest.closed_at,
        {{ local_date('latest.received_at') }} as received_date,
        {{ local_date('latest.resolved_at') }} as resolved_date,
        lower(trim(latest.status)) as status,
        lower(trim(latest.status)) not in ('resolved', 'closed') as is_open,
        latest.owner_agent_id,
        coalesce(latest.reopen_count, 0) as reopen_count,
        coalesce(latest.is_escalated, false) as is_escalated,
        latest.root_cause,
        latest.resolution,
        latest.related_work_order_id,
        latest.customer_id is not null
            and not exists (select 1 from customers where customers.customer_id = latest.customer_id)
            as is_unknown_customer,
        latest.owner_agent_id is not null
            and not exists (select 1 from agents where agents.agent_id = latest.owner_agent_id)
            as is_unknown_agent,
        latest.updated_at,
        latest._batch_id,
        latest._logical_date
    from latest
)

select * from final
