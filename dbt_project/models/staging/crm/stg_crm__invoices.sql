-- One row per invoice: the latest extracted version (paid_at fills in later).
with

latest as (
    select * from {{ ref('base_crm__invoices') }}
),

customers as (
    select customer_id from {{ ref('stg_crm__customers') }}
),

final as (
    select
        latest.invoice_id,
        latest.customer_id,
        latest.invoiced_at,
        {{ local_date('latest.invoiced_at') }} as invoiced_date,
        latest.amount,
        upper(trim(latest.currency)) as currency,
        latest.paid_at,
        latest.paid_at is not null as is_paid,
        latest.customer_id is not null
            and not exists (select 1 from customers where customers.customer_id = latest.customer_id)
            as is_unknown_customer,
        latest.updated_at,
        latest._batch_id,
        latest._logical_date
    from latest
)

select * from final
