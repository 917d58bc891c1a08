-- indexes: what the dashboards filter on (bench/suite.py part 6, docs/benchmarks.md)
{{ config(indexes=[{'columns': ['local_date', 'queue']}]) }}
-- Call-centre KPIs by local date × queue (呼叫中心日报), from fct_calls. Definitions are the
-- department's (marts.md "Exact boundaries › Calls"): short abandons leave the service-level
-- and abandon-rate denominators; timeouts, key exits, empty-queue exits and calls without an
-- exit event stay in them; AHT is talk time (queue_log has no after-call work). Rates are
-- rounded to 6 decimals, seconds to 2.
with

calls as (
    select * from {{ ref('fct_calls') }}
),

counted as (
    select
        local_date,
        queue,
        count(*) as offered,
        count(*) filter (where outcome = 'answered') as answered,
        count(*) filter (where outcome = 'abandoned') as abandoned,
        count(*) filter (where outcome = 'short_abandon') as short_abandons,
        count(*) filter (where outcome = 'timeout') as timeouts,
        count(*) filter (where outcome = 'exit_key') as exit_keys,
        count(*) filter (where outcome = 'exit_empty') as exit_empties,
        count(*) filter (where outcome is null) as without_outcome,
        count(*) filter (where is_answered_within_threshold) as answered_within_threshold,
        avg(wait_seconds) filter (where outcome = 'answered') as asa_seconds,
        avg(talk_seconds) filter (where outcome = 'answered') as aht_seconds,
        count(*) filter (where outcome = 'answered' and is_transferred) as transferred,
        count(*) filter (where is_first_contact_resolved) as first_contact_resolved,
        bool_and(is_fcr_final) as is_fcr_final,
        count(qa_total_score) as qa_evaluations,
        avg(qa_total_score) as qa_avg_score,
        count(*) filter (where qa_is_fatal_error) as qa_fatal_errors
    from calls
    group by local_date, queue
),

final as (
    select
        local_date::date as local_date,
        queue::text as queue,
        offered::integer as offered,
        answered::integer as answered,
        abandoned::integer as abandoned,
        short_abandons::integer as short_abandons,
        timeouts::integer as timeouts,
        exit_keys::integer as exit_keys,
        exit_empties::integer as exit_empties,
        without_outcome::integer as without_outcome,
        answered_within_threshold::integer as answered_within_threshold,
        round(answered_within_threshold::numeric / nullif(offered - short_abandons, 0), 6)::numeric as service_level,
        round(asa_seconds, 2)::numeric as asa_seconds,
        round(abandoned::numeric / nullif(offered - short_abandons, 0), 6)::numeric as abandon_rate,
        round(aht_seconds, 2)::numeric as aht_seconds,
        transferred::integer as transferred,
        round(transferred::numeric / nullif(answered, 0), 6)::numeric as transfer_rate,
        first_contact_resolved::integer as first_contact_resolved,
        is_fcr_final::boolean as is_fcr_final,
        round(case when is_fcr_final then first_contact_resolved::numeric / nullif(answered, 0) end, 6)::numeric as fcr_rate,
        qa_evaluations::integer as qa_evaluations,
        round(qa_avg_score, 2)::numeric as qa_avg_score,
        round(qa_fatal_errors::numeric / nullif(qa_evaluations, 0), 6)::numeric as qa_fatal_rate
    from counted
)

select * from final
