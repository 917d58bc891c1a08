-- At-risk customers (危险客户) as of the run, with every reason that applies:
-- ≥ 2 complaints received in (as of − 90 days, as of]; an open critical complaint (status
-- neither resolved nor closed); the latest survey, of any subject, with score_overall ≤ 2.
with

customers as (
    select customer_id from {{ ref('stg_crm__customers') }}
),

complaints as (
    select customer_id, received_at, severity, status from {{ ref('stg_crm__complaints') }}
),

surveys as (
    select customer_id, surveyed_at, score_overall, survey_id from {{ ref('stg_crm__surveys') }}
),

recent_complaints as (
    select
        customer_id,
        count(*) filter (
            where received_at > {{ as_of() }} - {{ policy('at_risk_window_days') }} * interval '1 day'
        ) as complaints_in_window,
        count(*) filter (where severity = 'critical' and status not in ('resolved', 'closed')) as open_critical_complaints
    from complaints
    where received_at <= {{ as_of() }}
    group by customer_id
),

latest_survey as (
    select distinct on (customer_id)
        customer_id,
        score_overall as latest_score_overall
    from surveys
    where surveyed_at < {{ as_of() }}
    order by customer_id, surveyed_at desc, survey_id desc
),

flags as (
    select
        customers.customer_id,
        coalesce(recent_complaints.complaints_in_window, 0) as complaints_90d,
        coalesce(recent_complaints.open_critical_complaints, 0) as open_critical_complaints,
        latest_survey.latest_score_overall,
        coalesce(recent_complaints.complaints_in_window, 0) >= {{ policy('at_risk_complaints_count') }}
            as has_repeated_complaints,
        coalesce(recent_complaints.open_critical_complaints, 0) > 0 as has_open_critical_complaint,
        coalesce(latest_survey.latest_score_overall <= {{ policy('at_risk_max_callback_score') }}, false)
            as has_low_latest_score
    from customers
    left join recent_complaints
        on recent_complaints.customer_id = customers.customer_id
    left join latest_survey
        on latest_survey.customer_id = customers.customer_id
),

final as (
    select
        flags.*,
        has_repeated_complaints or has_open_critical_complaint or has_low_latest_score as is_at_risk,
        nullif(concat_ws(
            ', ',
            case when has_repeated_complaints then 'complaints_90d' end,
            case when has_open_critical_complaint then 'open_critical_complaint' end,
            case when has_low_latest_score then 'low_latest_survey' end
        ), '') as risk_reasons
    from flags
)

select * from final
