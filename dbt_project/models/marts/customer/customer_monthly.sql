-- Customer × local month (客户月度往来): calls, complaints, repairs, invoiced amount, surveys,
-- mean overall score, and whether the customer was active (any invoice or contact). Months run
-- from the customer's opening month (or the first month with any data, if later) to the as-of
-- month.
-- Incremental by customer (macros/customers_incremental.sql): a night recomputes the months of
-- the customers something happened to from the first month that can have changed; every other
-- customer only gains the months after the last as-of month, which hold no data of it (any
-- would have made it one to recompute). A rebuild of the 4 M rows cost 28 s a night at a year
-- of `large`.
-- indexes: what the dashboards filter on (bench/suite.py part 6, docs/benchmarks.md); unique, so
-- it also holds the grain (a data test of it read all 2.6 M rows again: 6 s a night at a year)
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ customers_incremental_prepare(monthly=true) }}",
        post_hook=["{{ customers_incremental_store(first_month=true) }}", "{{ ensure_config_indexes() }}"],
        indexes=[{'columns': ['customer_id', 'month'], 'unique': true}],
    )
}}
-- depends_on: {{ ref('base_crm__customers') }}, {{ ref('base_crm__invoices') }}, {{ ref('base_crm__complaints') }}, {{ ref('base_crm__surveys') }}, {{ ref('base_field_service__work_orders') }}
{%- set plan = customers_incremental_plan(first_month=true) %}
{%- set incremental = plan is not none and not plan['all'] %}
with

customers as (
    select customer_id, customer_type, region, created_date from {{ ref('stg_crm__customers') }}
),

calls as (
    select customer_id, date_trunc('month', local_date)::date as month, count(*) as calls
    from {{ ref('fct_calls') }}
    where customer_id is not null and entered_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'local_date', plan) }}
    group by 1, 2
),

complaints as (
    select customer_id, date_trunc('month', received_date)::date as month, count(*) as complaints
    from {{ ref('stg_crm__complaints') }}
    where received_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'received_at', plan, timestamp=true) }}
    group by 1, 2
),

repairs as (
    select customer_id, date_trunc('month', reported_date)::date as month, count(*) as repairs
    from {{ ref('stg_field_service__work_orders') }}
    where reported_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'reported_at', plan, timestamp=true) }}
    group by 1, 2
),

invoices as (
    select customer_id, date_trunc('month', invoiced_date)::date as month, sum(amount) as invoiced_amount,
        count(*) as invoices
    from {{ ref('stg_crm__invoices') }}
    where invoiced_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'invoiced_at', plan, timestamp=true) }}
    group by 1, 2
),

surveys as (
    select customer_id, date_trunc('month', surveyed_date)::date as month, count(*) as surveys,
        avg(score_overall) as avg_score_overall
    from {{ ref('stg_crm__surveys') }}
    where surveyed_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'surveyed_at', plan, timestamp=true) }}
    group by 1, 2
),

data_months as (
    -- the first month with any data, read at compile time (index probes; the incremental plan
    -- recomputes everything when it moves); none while parsing
    select {{ "date '" ~ plan['now']['first_month'] ~ "'" if plan is not none and plan['now']['first_month'] else 'null::date' }} as first_month
),

customer_months as (
    {%- if not incremental %}
    {{ customer_month_grid() }}
    {%- else %}
    {%- set stored_month = "date_trunc('month', date '" ~ plan['stored']['as_of_date'] ~ "')::date" %}
    -- the customers to recompute: their months from the first one that can have changed, up to
    -- the stored as-of month
    {{ customer_month_grid(first='affected.since',
                           last="least(date_trunc('month', " ~ as_of_date() ~ ")::date, " ~ stored_month ~ ")",
                           join='inner join customers_affected as affected on affected.customer = customers.customer_id') }}
    union all
    -- every customer: the months after the stored as-of month (a customer with data there is
    -- one to recompute, and its rows there come from the same aggregates)
    {{ customer_month_grid(first='(' ~ stored_month ~ " + interval '1 month')::date") }}
    {%- endif %}
),

final as (
    select
        customer_months.customer_id,
        customer_months.month,
        customer_months.customer_type,
        customer_months.region,
        coalesce(calls.calls, 0) as calls,
        coalesce(complaints.complaints, 0) as complaints,
        coalesce(repairs.repairs, 0) as repairs,
        coalesce(invoices.invoices, 0) as invoices,
        coalesce(invoices.invoiced_amount, 0) as invoiced_amount,
        coalesce(surveys.surveys, 0) as surveys,
        round(surveys.avg_score_overall, 4) as avg_score_overall,
        (
            coalesce(calls.calls, 0) + coalesce(complaints.complaints, 0) + coalesce(repairs.repairs, 0)
            + coalesce(invoices.invoices, 0) + coalesce(surveys.surveys, 0)
        ) > 0 as is_active
    from customer_months
    left join calls using (customer_id, month)
    left join complaints using (customer_id, month)
    left join repairs using (customer_id, month)
    left join invoices using (customer_id, month)
    left join surveys using (customer_id, month)
)

select * from final
