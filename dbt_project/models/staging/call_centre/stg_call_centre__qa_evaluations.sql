-- One row per QA evaluation (呼叫质量监控表): the latest version of each evaluation_id from live
-- batches (a later day's export may correct an evaluation). Unknown agent / inspector ids are
-- kept and flagged (the CRM of the same night lands in parallel, so only here can we know).
with

evaluations as (
    select * from {{ source('call_centre', 'qa_evaluations') }}
),

live_batches as (
    select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
),

agents as (
    select agent_id from {{ ref('stg_crm__agents') }}
),

ranked as (
    select
        evaluations.*,
        row_number() over (
            partition by evaluation_id
            order by _logical_date desc, _batch_id desc, _line_number desc
        ) as _version_rank
    from evaluations
    inner join live_batches
        on evaluations._batch_id = live_batches.batch_id
),

final as (
    select
        ranked.evaluation_id,
        nullif(trim(ranked.call_uniqueid), '') as call_uniqueid,
        nullif(trim(ranked.agent_id), '') as agent_id,
        nullif(trim(ranked.inspector_id), '') as inspector_id,
        ranked.evaluated_at,
        {{ local_date('ranked.evaluated_at') }} as evaluated_date,
        ranked.greeting as greeting_score,
        ranked.listening as listening_score,
        ranked.accuracy as accuracy_score,
        ranked.compliance as compliance_score,
        ranked.closing as closing_score,
        ranked.total_score,
        coalesce(ranked.fatal_error, false) as is_fatal_error,
        ranked.comment,
        ranked.source_encoding,
        nullif(trim(ranked.agent_id), '') is not null and agent.agent_id is null as is_unknown_agent,
        nullif(trim(ranked.inspector_id), '') is not null and inspector.agent_id is null as is_unknown_inspector,
        ranked._batch_id as batch_id,
        ranked._logical_date as logical_date,
        ranked._source_file as source_file,
        ranked._line_number as line_number
    from ranked
    left join agents as agent
        on trim(ranked.agent_id) = agent.agent_id
    left join agents as inspector
        on trim(ranked.inspector_id) = inspector.agent_id
    where ranked._version_rank = 1
)

select * from final
