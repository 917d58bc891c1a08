-- Agent performance by local month (座席员考核): calls handled, AHT (talk time), FCR, QA.
-- A call counts for the agent that answered it (CONNECT member, resolved through the CRM
-- aliases) in the local month it entered the queue. Calls whose member name resolves to no CRM
-- agent are not here: fct_calls flags them (is_unknown_agent).
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

final as (
    select
        agent_id::text as agent_id,
        month::date as month,
        handled::integer as handled,
        round(aht_seconds, 2)::numeric as aht_seconds,
        talk_seconds::bigint as talk_seconds,
        transferred::integer as transferred,
        round(transferred::numeric / nullif(handled, 0), 6)::numeric as transfer_rate,
        first_contact_resolved::integer as first_contact_resolved,
        is_fcr_final::boolean as is_fcr_final,
        round(case when is_fcr_final then first_contact_resolved::numeric / nullif(handled, 0) end, 6)::numeric as fcr_rate,
        qa_evaluations::integer as qa_evaluations,
        round(qa_avg_score, 2)::numeric as qa_avg_score,
        round(qa_fatal_errors::numeric / nullif(qa_evaluations, 0), 6)::numeric as qa_fatal_rate
    from counted
)

select * from final
