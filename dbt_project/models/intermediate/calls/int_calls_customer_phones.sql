-- Caller number → customer: one customer per phone-digits value. When several customer files
-- share a number, the one still open (not closed) wins, then the most recently created, then
-- the smallest id, so the match is deterministic.
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

ranked as (
    select
        phone_digits,
        customer_id,
        count(*) over (partition by phone_digits) as customers_with_number,
        row_number() over (
            partition by phone_digits
            order by (status = 'closed') asc, created_at desc nulls last, customer_id
        ) as match_rank
    from customers
    where phone_digits is not null
),

final as (
    select phone_digits, customer_id, customers_with_number
    from ranked
    where match_rank = 1
)

select * from final
