-- When each customer churned (客户流失), if it did, as of the run — counted once, on the first of:
-- step 1: the day its status first became closed (from the customer file's versions)
-- step 2: the 180th silent day: the first day d + 180 such that the customer had activity (or
--         opened its file) on d and no invoice or contact on d+1 … d+180, all before as of.
--         Silence is only measured where the warehouse can see: a file opened before the first
--         day with any activity data starts its clock on that day (otherwise every customer
--         older than the loaded history would look silent since its opening).
with

customers as (
    select customer_id, created_date from {{ ref('stg_crm__customers') }}
),

closings as (
    select customer_id, min(updated_date) as closed_date
    from {{ ref('stg_crm__customer_versions') }}
    where status = 'closed' and updated_at < {{ as_of() }}
    group by customer_id
),

observed as (
    select min(activity_date) as first_observed_date from {{ ref('int_customer_activity_days') }}
),

activity_days as (
    -- union all: an opening day that is also an activity day only adds a gap of zero days, which
    -- is never a silence; de-duplicating sorted every activity day ever (2 s of 6.5 at a year)
    select customer_id, activity_date from {{ ref('int_customer_activity_days') }}
    union all
    select customers.customer_id, greatest(customers.created_date, observed.first_observed_date)
    from customers
    cross join observed
    where customers.created_date is not null
),

gaps as (
    select
        customer_id,
        activity_date,
        lead(activity_date) over (partition by customer_id order by activity_date) as next_activity_date
    from activity_days
    where activity_date <= {{ as_of_date() }}
),

silences as (
    select
        customer_id,
        min(activity_date + {{ policy('churn_silence_days') }}::integer) as silent_churn_date
    from gaps
    where activity_date + {{ policy('churn_silence_days') }}::integer <= {{ as_of_date() }}
        and (next_activity_date is null or next_activity_date > activity_date + {{ policy('churn_silence_days') }}::integer)
    group by customer_id
),

final as (
    select
        customers.customer_id,
        closings.closed_date,
        silences.silent_churn_date,
        least(closings.closed_date, silences.silent_churn_date) as churn_date,
        case
            when closings.closed_date <= silences.silent_churn_date or silences.silent_churn_date is null then 'closed'
            when silences.silent_churn_date is not null then 'silent'
        end as churn_reason
    from customers
    left join closings
        on closings.customer_id = customers.customer_id
    left join silences
        on silences.customer_id = customers.customer_id
    where closings.closed_date is not null or silences.silent_churn_date is not null
)

select * from final
