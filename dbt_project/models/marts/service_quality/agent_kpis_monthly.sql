-- Agent performance by local month (座席员考核): calls handled, AHT (talk time), FCR, QA, and
-- the complaints the agent owns (投诉处理效率).
-- A call counts for the agent that answered it (CONNECT member, resolved through the CRM
-- aliases) in the local month it entered the queue. Calls whose member name resolves to no CRM
-- agent are not here: fct_calls flags them (is_unknown_agent). A complaint counts as owned in the
-- local month it was received, and as resolved within SLA in the month it was resolved.
with

calls as (
    select * from {{ ref('fct_calls') }}
    where outcome = 'answered'
        and agent_id is not null
),

counted as (
    select
        agent_id,
        date_trunc('month', local_date)::date as month,
        count(*) as handled,
        avg(talk_seconds) as aht_seconds,
        sum(talk_seconds) as talk_seconds,
        count(*) filter (where is_transferred) as transferred,
        count(*) filter (where is_first_contact_resolved) as first_contact_resolved,
        bool_and(is_fcr_final) as is_fcr_final,
        count(qa_total_score) as qa_evaluations,
        avg(qa_total_score) as qa_avg_score,
        count(*) filter (where qa_is_fatal_error) as qa_fatal_errors
    from calls
    group by agent_id, date_trunc('month', local_date)
),

agents as (
    select agent_id from {{ ref('stg_crm__agents') }}
),

complaints as (
    select * from {{ ref('fct_complaints') }}
    where owner_agent_id in (select agent_id from agents)
),

owned as (
    select
        owner_agent_id as agent_id,
        date_trunc('month', received_date)::date as month,
        count(*) as complaints_owned
    from complaints
    where received_date is not null
    group by owner_agent_id, date_trunc('month', received_date)
),

resolved as (
    select
        owner_agent_id as agent_id,
        date_trunc('month', resolved_date)::date as month,
        count(*) as complaints_resolved,
        count(*) filter (where is_resolution_sla_met) as complaints_resolved_within_sla
    from complaints
    where resolved_date is not null
    group by owner_agent_id, date_trunc('month', resolved_date)
),

agent_months as (
    select agent_id, month from counted
    union
    select agent_id, month from owned
    union
    select agent_id, month from resolved
),

final as (
    select
        agent_months.agent_id::text as agent_id,
        agent_months.month::date as month,
        coalesce(counted.handled, 0)::integer as handled,
        round(counted.aht_seconds, 2)::numeric as aht_seconds,
        coalesce(counted.talk_seconds, 0)::bigint as talk_seconds,
        coalesce(counted.transferred, 0)::integer as transferred,
        round(counted.transferred::numeric / nullif(counted.handled, 0), 6)::numeric as transfer_rate,
        coalesce(counted.first_contact_resolved, 0)::integer as first_contact_resolved,
        coalesce(counted.is_fcr_final, true)::boolean as is_fcr_final,
        round(
            case when counted.is_fcr_final then counted.first_contact_resolved::numeric / nullif(counted.handled, 0) end, 6
        )::numeric as fcr_rate,
        coalesce(counted.qa_evaluations, 0)::integer as qa_evaluations,
        round(counted.qa_avg_score, 2)::numeric as qa_avg_score,
        round(counted.qa_fatal_errors::numeric / nullif(counted.qa_evaluations, 0), 6)::numeric as qa_fatal_rate,
        coalesce(owned.complaints_owned, 0)::integer as complaints_owned,
        coalesce(resolved.complaints_resolved, 0)::integer as complaints_resolved,
        coalesce(resolved.complaints_resolved_within_sla, 0)::integer as complaints_resolved_within_sla,
        round(resolved.complaints_resolved_within_sla::numeric / nullif(resolved.complaints_resolved, 0), 6)::numeric
            as complaint_timely_resolution_rate
    from agent_months
    left join counted
        on agent_months.agent_id = counted.agent_id
        and agent_months.month = counted.month
    left join owned
        on agent_months.agent_id = owned.agent_id
        and agent_months.month = owned.month
    left join resolved
        on agent_months.agent_id = resolved.agent_id
        and agent_months.month = resolved.month
)

select * from final
