-- Value grade (客户分级, ABC / Pareto) and credit figures of every customer as of the run.
-- step 1: revenue = invoices with as of − 12 calendar months ≤ invoiced_at < as of
-- step 2: rank by revenue descending, ties by customer_id; the share of total revenue held by
--         the customers ranked before decides: A while < 80 %, B while < 95 %, else C;
--         no or non-positive revenue is C
-- step 3: invoiced in the last 30 days and outstanding (invoiced before as of, unpaid at as of)
with

customers as (
    select customer_id from {{ ref('stg_crm__customers') }}
),

invoices as (
    select customer_id, invoiced_at, amount, paid_at from {{ ref('stg_crm__invoices') }}
),

window_bounds as (
    select
        {{ as_of() }} as as_of_at,
        (({{ as_of_date() }} + 1) - interval '12 months')::timestamp at time zone '{{ var("centre_tz") }}'
            as revenue_from,
        (({{ as_of_date() }} + 1) - 30)::timestamp at time zone '{{ var("centre_tz") }}' as recent_from
),

per_customer as (
    select
        invoices.customer_id,
        coalesce(sum(invoices.amount) filter (
            where invoices.invoiced_at >= window_bounds.revenue_from and invoices.invoiced_at < window_bounds.as_of_at
        ), 0) as revenue_12m,
        coalesce(sum(invoices.amount) filter (
            where invoices.invoiced_at >= window_bounds.recent_from and invoices.invoiced_at < window_bounds.as_of_at
        ), 0) as invoiced_last_30d,
        coalesce(sum(invoices.amount) filter (
            where invoices.invoiced_at < window_bounds.as_of_at
                and (invoices.paid_at is null or invoices.paid_at >= window_bounds.as_of_at)
        ), 0) as outstanding_amount
    from invoices
    cross join window_bounds
    where invoices.customer_id is not null
    group by invoices.customer_id
),

ranked as (
    select
        customer_id,
        revenue_12m,
        coalesce(
            sum(revenue_12m) over (
                order by revenue_12m desc, customer_id rows between unbounded preceding and 1 preceding
            ),
            0
        ) / sum(revenue_12m) over () as share_before
    from per_customer
    where revenue_12m > 0
),

final as (
    select
        customers.customer_id,
        coalesce(per_customer.revenue_12m, 0) as revenue_12m,
        ranked.share_before as revenue_share_before,
        case
            when ranked.share_before < {{ policy('value_grade_a_share') }} then 'A'
            when ranked.share_before < {{ policy('value_grade_b_share') }} then 'B'
            else 'C'
        end as value_grade,
        coalesce(per_customer.invoiced_last_30d, 0) as invoiced_last_30d,
        coalesce(per_customer.outstanding_amount, 0) as outstanding_amount
    from customers
    left join per_customer
        on per_customer.customer_id = customers.customer_id
    left join ranked
        on ranked.customer_id = customers.customer_id
)

select * from final
