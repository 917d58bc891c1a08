-- Customer relationship KPIs per local month (客户关系月报), overall and by customer type and
-- value grade ('all' marks the rolled-up level): customers at start and end, new, churned
-- (counted once, in the month it happened), churn and growth rates, csat (top-2 box) and NPS.
-- Type and grade are the customer's current ones.
with

customers as (
    select
        customers.customer_id,
        coalesce(customers.customer_type, 'unknown') as customer_type,
        graded.value_grade,
        customers.created_date,
        churned.churn_date
    from {{ ref('stg_crm__customers') }} as customers
    inner join {{ ref('int_customers_graded') }} as graded
        on graded.customer_id = customers.customer_id
    left join {{ ref('int_customers_churned') }} as churned
        on churned.customer_id = customers.customer_id
),

surveys as (
    select customer_id, surveyed_date, score_overall, nps_score
    from {{ ref('stg_crm__surveys') }}
    where surveyed_at < {{ as_of() }}
),

months as (
    select
        series.month::date as month,
        least((series.month + interval '1 month')::date, {{ as_of_date() }} + 1) as next_month
    from generate_series(
        (select date_trunc('month', least(min(created_date), {{ as_of_date() }}))::date from customers),
        date_trunc('month', {{ as_of_date() }})::date,
        interval '1 month'
    ) as series (month)
),

-- step 1: each customer is +1 from its opening date and −1 from its churn date (never before
--         its opening; a customer without an opening date is not counted): customers at the
--         start of a month are the sum of the steps before it.
--         One row per customer, not per customer and month: the cost does not grow with the
--         months of history (a cross join of months × customers did, 52 s at 90 days of `large`).
steps as (
    select customer_type, value_grade, created_date as step_date, 1 as step, 1 as opened, 0 as churned
    from customers
    where created_date is not null
    union all
    select customer_type, value_grade, greatest(created_date, churn_date), -1, 0, 0
    from customers
    where created_date is not null and churn_date is not null
    union all
    -- counted in the month it happened; a file closed before it was opened (a CRM data error:
    -- one customer in 362 days of the large preset) churns in the month it opened, so that
    -- customers at end = at start + new − churned holds in every month and cell
    select customer_type, value_grade, greatest(created_date, churn_date), 0, 0, 1
    from customers
    where created_date is not null and churn_date is not null
),

-- every month's window ends by as of + 1 day: a step after as of counts nowhere
step_months as (
    select
        customer_type,
        value_grade,
        date_trunc('month', step_date)::date as month,
        sum(step) as net_step,
        sum(opened) as new_customers,
        sum(churned) as churned_customers
    from steps
    where step_date <= {{ as_of_date() }}
    group by 1, 2, 3
),

cells as (
    select distinct customer_type, value_grade from customers
),

-- step 2: per month and type × grade cell: at start = the steps of the months before, at end =
--         those and the month's own
cell_months as (
    select
        months.month,
        cells.customer_type,
        cells.value_grade,
        coalesce(sum(step_months.net_step) over cell_so_far, 0) - coalesce(step_months.net_step, 0) as customers_at_start,
        coalesce(sum(step_months.net_step) over cell_so_far, 0) as customers_at_end,
        coalesce(step_months.new_customers, 0) as new_customers,
        coalesce(step_months.churned_customers, 0) as churned_customers
    from months
    cross join cells
    left join step_months
        on step_months.month = months.month
        and step_months.customer_type is not distinct from cells.customer_type
        and step_months.value_grade is not distinct from cells.value_grade
    window cell_so_far as (partition by cells.customer_type, cells.value_grade order by months.month)
),

-- step 3: the cells rolled up (counts of customers add up: each customer is in one cell)
customer_counts as (
    select
        month,
        coalesce(customer_type, 'all') as customer_type,
        coalesce(value_grade, 'all') as value_grade,
        sum(customers_at_start)::bigint as customers_at_start,
        sum(customers_at_end)::bigint as customers_at_end,
        sum(new_customers)::bigint as new_customers,
        sum(churned_customers)::bigint as churned_customers
    from cell_months
    group by grouping sets ((month), (month, customer_type), (month, value_grade), (month, customer_type, value_grade))
),

survey_counts as (
    select
        date_trunc('month', surveys.surveyed_date)::date as month,
        coalesce(customers.customer_type, 'all') as customer_type,
        coalesce(customers.value_grade, 'all') as value_grade,
        count(*) as surveys,
        count(*) filter (where surveys.score_overall >= 4) as surveys_top2,
        count(surveys.score_overall) as surveys_scored,
        count(surveys.nps_score) as nps_responses,
        count(*) filter (where surveys.nps_score >= 9) as promoters,
        count(*) filter (where surveys.nps_score <= 6) as detractors
    from surveys
    inner join customers
        on customers.customer_id = surveys.customer_id
    group by grouping sets (
        (date_trunc('month', surveys.surveyed_date)::date),
        (date_trunc('month', surveys.surveyed_date)::date, customers.customer_type),
        (date_trunc('month', surveys.surveyed_date)::date, customers.value_grade),
        (date_trunc('month', surveys.surveyed_date)::date, customers.customer_type, customers.value_grade)
    )
),

final as (
    select
        customer_counts.month,
        customer_counts.customer_type,
        customer_counts.value_grade,
        customer_counts.customers_at_start,
        customer_counts.customers_at_end,
        customer_counts.new_customers,
        customer_counts.churned_customers,
        customer_counts.churned_customers::numeric / nullif(customer_counts.customers_at_start, 0) as churn_rate,
        (customer_counts.customers_at_end - customer_counts.customers_at_start)::numeric
            / nullif(customer_counts.customers_at_start, 0) as growth_rate,
        coalesce(survey_counts.surveys, 0) as surveys,
        survey_counts.surveys_top2::numeric / nullif(survey_counts.surveys_scored, 0) as csat,
        coalesce(survey_counts.nps_responses, 0) as nps_responses,
        round(
            100.0 * (survey_counts.promoters - survey_counts.detractors) / nullif(survey_counts.nps_responses, 0),
            4
        ) as nps
    from customer_counts
    left join survey_counts
        on survey_counts.month = customer_counts.month
        and survey_counts.customer_type = customer_counts.customer_type
        and survey_counts.value_grade = customer_counts.value_grade
)

select * from final
