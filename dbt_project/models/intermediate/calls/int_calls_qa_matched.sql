{%- set mark = calls_qa_plan() %}
{%- set now = loaded_high_water('calls') %}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ calls_qa_prepare(calls_qa_plan(), loaded_high_water('calls')) }}",
        post_hook="{{ ensure_config_indexes() }}",
        indexes=[
            {'columns': ['call_id'], 'unique': true},
            {'columns': ['evaluation_id'], 'unique': true},
            {'columns': ['call_uniqueid']},
        ],
    )
}}
-- The QA evaluation (呼叫质量监控表) of each evaluated queue call. An evaluation names the
-- caller's uniqueid, which one callid can share across several queue entries (and, after a
-- reboot, across days): it goes to the latest entry of that uniqueid that entered before the
-- evaluation, preferring the answered one. A call evaluated twice keeps the latest evaluation.
-- Incremental by uniqueid: a night recomputes the uniqueids its batches touch (the pre-hook
-- lists them in calls_qa_affected; macros/calls_incremental.sql says which).
with

evaluations as (
    select * from {{ ref('stg_call_centre__qa_evaluations') }}
    where call_uniqueid is not null
    {%- if mark is not none %}
        and call_uniqueid in (select uniqueid from calls_qa_affected)
        -- by the form (the view ranks a form's versions: a filter on the form id reaches raw)
        and evaluation_id in (
            select versions.evaluation_id from {{ source('call_centre', 'qa_evaluations') }} as versions
            where nullif(trim(versions.call_uniqueid), '') in (select uniqueid from calls_qa_affected))
    {%- endif %}
),

calls as (
    select call_id, callid, entered_at, answered_at
    from {{ ref('int_queue_calls_assembled') }}
    {%- if mark is not none %}
    where callid in (select uniqueid from calls_qa_affected)
    {%- endif %}
),

candidates as (
    select
        evaluations.evaluation_id,
        evaluations.evaluated_at,
        evaluations.total_score,
        evaluations.is_fatal_error,
        evaluations.agent_id as evaluated_agent_id,
        calls.call_id,
        calls.callid,
        row_number() over (
            partition by evaluations.evaluation_id
            order by (calls.answered_at is not null) desc, calls.entered_at desc, calls.call_id
        ) as call_rank
    from evaluations
    inner join calls
        on calls.callid = evaluations.call_uniqueid
        -- evaluated after the call entered, and within 30 days of it (uniqueids repeat after reboots)
        and (
            evaluations.evaluated_at is null
            or (calls.entered_at <= evaluations.evaluated_at
                and calls.entered_at > evaluations.evaluated_at - interval '30 days')
        )
),

per_call as (
    select
        candidates.*,
        row_number() over (
            partition by call_id
            order by evaluated_at desc nulls last, evaluation_id desc
        ) as evaluation_rank
    from candidates
    where call_rank = 1
),

final as (
    select
        call_id,
        evaluation_id,
        evaluated_at,
        total_score,
        is_fatal_error,
        evaluated_agent_id,
        callid as call_uniqueid,
        {{ now }}::bigint as calls_batch_id
    from per_call
    where evaluation_rank = 1
)

select * from final
