-- indexes: what the dashboards filter on (bench/suite.py part 6, docs/benchmarks.md)
{{ config(indexes=[{'columns': ['is_at_risk', 'value_grade']}]) }}
-- One row per customer, current state as of the run: classification (客户分类: tenure), value
-- grade (客户分级 A/B/C), credit (授信), risk (危险客户) — and no personal data beyond the masked
-- phone (客户资料保密制度).
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

graded as (
    select * from {{ ref('int_customers_graded') }}
),

at_risk as (
    select * from {{ ref('int_customers_at_risk') }}
),

churned as (
    select customer_id, churn_date, churn_reason from {{ ref('int_customers_churned') }}
),

first_activity as (
    select customer_id, min(activity_date) as first_activity_date
    from {{ ref('int_customer_activity_days') }}
    group by customer_id
),

final as (
    select
        customers.customer_id,
        customers.customer_name,
        customers.customer_type,
        customers.industry,
        customers.size_class,
        customers.region,
        customers.city,
        customers.phone_masked,
        customers.account_manager_id,
        customers.is_key_account,
        customers.created_at,
        case
            when customers.created_date is null then null
            when extract(year from age(({{ as_of_date() }} + 1)::date, customers.created_date)) < 1 then 'new'
            when extract(year from age(({{ as_of_date() }} + 1)::date, customers.created_date)) < 3 then 'established'
            else 'loyal'
        end as tenure_class,
        extract(year from age(({{ as_of_date() }} + 1)::date, customers.created_date))::integer as tenure_years,
        graded.value_grade,
        graded.revenue_12m,
        customers.credit_limit,
        graded.invoiced_last_30d,
        graded.outstanding_amount,
        case
            when customers.credit_limit is not null then graded.outstanding_amount > customers.credit_limit
        end as is_over_credit_limit,
        at_risk.is_at_risk,
        at_risk.risk_reasons,
        at_risk.complaints_90d,
        at_risk.open_critical_complaints,
        at_risk.latest_score_overall,
        least(
            customers.created_at,
            (first_activity.first_activity_date)::timestamp at time zone '{{ var("centre_tz") }}'
        ) as first_seen_at,
        customers.status,
        churned.churn_date,
        churned.churn_reason,
        customers._batch_id as source_batch_id
    from customers
    inner join graded
        on graded.customer_id = customers.customer_id
    inner join at_risk
        on at_risk.customer_id = customers.customer_id
    left join churned
        on churned.customer_id = customers.customer_id
    left join first_activity
        on first_activity.customer_id = customers.customer_id
)

select * from final
