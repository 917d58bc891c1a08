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

customer_month_status as (
    select
        months.month,
        customers.customer_type,
        customers.value_grade,
        customers.customer_id,
        customers.created_date < months.month
            and (customers.churn_date is null or customers.churn_date >= months.month) as is_at_start,
        customers.created_date < months.next_month
            and (customers.churn_date is null or customers.churn_date >= months.next_month) as is_at_end,
        customers.created_date >= months.month and customers.created_date < months.next_month as is_new,
        customers.churn_date >= months.month and customers.churn_date < months.next_month as is_churned
    from months
    cross join customers
),

customer_counts as (
    select
        month,
        coalesce(customer_type, 'all') as customer_type,
        coalesce(value_grade, 'all') as value_grade,
        count(*) filter (where is_at_start) as customers_at_start,
        count(*) filter (where is_at_end) as customers_at_end,
        count(*) filter (where is_new) as new_customers,
        count(*) filter (where is_churned) as churned_customers
    from customer_month_status
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
