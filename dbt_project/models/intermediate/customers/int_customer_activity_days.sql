-- One row per customer and local day with any invoice or contact (call, complaint, repair,
-- survey), up to as of — what "active" and "silent" are measured on.
-- The grain is a unique index (a duplicate fails the build, naming the key): a unique test of the
-- concatenated key re-read every row (13 s a night at a year of `large`).
-- Incremental by customer (macros/customers_incremental.sql): a night recomputes the days of the
-- customers something happened to from the first day that can have changed, and keeps every
-- other row (a rebuild: 20 s a night at a year of `large`).
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ customers_incremental_prepare() }}",
        post_hook=["{{ customers_incremental_store() }}", "{{ ensure_config_indexes() }}"],
        indexes=[{'columns': ['customer_id', 'activity_date'], 'unique': true}],
    )
}}
-- depends_on: {{ ref('base_crm__customers') }}, {{ ref('base_crm__invoices') }}, {{ ref('base_crm__complaints') }}, {{ ref('base_crm__surveys') }}, {{ ref('base_field_service__work_orders') }}
{%- set plan = customers_incremental_plan() %}
with

invoices as (
    select customer_id, invoiced_date as activity_date, 'invoice' as activity
    from {{ ref('stg_crm__invoices') }}
    where invoiced_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'invoiced_at', plan, timestamp=true) }}
),

calls as (
    select customer_id, local_date as activity_date, 'call' as activity
    from {{ ref('fct_calls') }}
    where customer_id is not null and entered_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'local_date', plan) }}
),

complaints as (
    select customer_id, received_date as activity_date, 'complaint' as activity
    from {{ ref('stg_crm__complaints') }}
    where received_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'received_at', plan, timestamp=true) }}
),

repairs as (
    select customer_id, reported_date as activity_date, 'repair' as activity
    from {{ ref('stg_field_service__work_orders') }}
    where reported_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'reported_at', plan, timestamp=true) }}
),

surveys as (
    select customer_id, surveyed_date as activity_date, 'survey' as activity
    from {{ ref('stg_crm__surveys') }}
    where surveyed_at < {{ as_of() }} and {{ customers_in_affected('customer_id', 'surveyed_at', plan, timestamp=true) }}
),

unioned as (
    select * from invoices
    union all
    select * from calls
    union all
    select * from complaints
    union all
    select * from repairs
    union all
    select * from surveys
),

final as (
    select
        customer_id,
        activity_date,
        count(*) as activities,
        string_agg(distinct activity, ',' order by activity) as activity_kinds
    from unioned
    where customer_id is not null and activity_date is not null
    group by customer_id, activity_date
)

select * from final
