{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{{ calls_fct_refresh_attribution() }}",
            "{{ calls_delete_dates(calls_fct_rebuild_dates()) }}",
        ],
        post_hook="{{ ensure_config_indexes() }}",
        indexes=[
            {'columns': ['local_date']},
            {'columns': ['call_id'], 'unique': true},
            {'columns': ['source_batch_id']},
            {'columns': ['crm_batch_id']},
            {'columns': ['is_fcr_final', 'local_date']},
            {'columns': ['agent_member_name']},
            {'columns': ['qa_evaluation_id']},
            {'columns': ['customer_id', 'local_date']},
        ],
    )
}}
-- One row per queue call (呼叫电话记录): the assembled call with the department's rules applied.
-- depends_on: {{ ref('stg_crm__customers') }} (the first pre-hook compares customer versions)
--
-- step 1: the calls of the dates to (re)build, and every call within the repeat window of them
-- step 2: agent by queue member name / interface, customer by the caller's phone digits, QA
-- step 3: outcome and service-level flags from the policy seed
--         (a later CRM change or QA form updates the stored rows it touches: the first pre-hook)
-- step 4: repeat contacts — a later call of the same caller number (digits) with another callid,
--         entering more than 0 s and at most the window after; FCR and its finality as of the run
{%- set rebuild_dates = calls_fct_rebuild_dates() %}
{#- the calls within the repeat window of the dates, as a literal list (a subquery of the window
    hid the dates from the planner: every stored call read, 4 s a night at 368 days) -#}
{%- set around = (policy_now('repeat_contact_window_days') | int) + 1 if rebuild_dates is not none else 0 %}

with

calls as (
    select * from {{ ref('int_queue_calls_assembled') }}
    where {{ calls_in_dates('local_date', rebuild_dates, around=around) }}
),

phones as (
    select * from {{ ref('int_calls_customer_phones') }}
),

qa as (
    select * from {{ ref('int_calls_qa_matched') }}
),

repeat_window as (
    select ({{ policy('repeat_contact_window_days') }} || ' days')::interval as length
),

repeats as (
    select
        calls.call_id,
        bool_or(later.entered_at > calls.entered_at) as has_repeat_contact,
        bool_or(later.entered_at < calls.entered_at) as is_repeat_contact
    from calls
    cross join repeat_window
    inner join calls as later
        on later.caller_digits = calls.caller_digits
        and later.callid <> calls.callid
        and later.entered_at <> calls.entered_at
        and later.entered_at between calls.entered_at - repeat_window.length
            and calls.entered_at + repeat_window.length
    group by calls.call_id
),

enriched as (
    select
        calls.*,
        {{ calls_resolve_agent('calls.member_name', 'calls.entered_at') }} as agent_id,
        phones.customer_id,
        qa.evaluation_id as qa_evaluation_id,
        qa.total_score as qa_total_score,
        qa.is_fatal_error as qa_is_fatal_error,
        {{ calls_outcome('calls.exit_event', 'calls.wait_seconds', 'calls.answered_at is not null') }} as outcome,
        {{ calls_within_threshold('calls.answered_at is not null', 'calls.wait_seconds') }} as is_answered_within_threshold,
        coalesce(repeats.is_repeat_contact, false) as is_repeat_contact,
        coalesce(repeats.has_repeat_contact, false) as has_repeat_contact
    from calls
    left join phones
        on calls.caller_digits = phones.phone_digits
    left join qa
        on calls.call_id = qa.call_id
    left join repeats
        on calls.call_id = repeats.call_id
    where {{ calls_in_dates('calls.local_date', rebuild_dates) }}
),

final as (
    select
        enriched.call_id::text as call_id,
        enriched.callid::text as callid,
        enriched.queue_name::text as queue,
        enriched.local_date::date as local_date,
        enriched.agent_id::text as agent_id,
        enriched.member_name::text as agent_member_name,
        (enriched.member_name is not null and enriched.agent_id is null)::boolean as is_unknown_agent,
        ({{ mask_phone('enriched.caller_number') }})::text as caller_number,
        enriched.customer_id::text as customer_id,
        enriched.entered_at::timestamptz as entered_at,
        enriched.answered_at::timestamptz as answered_at,
        enriched.ended_at::timestamptz as ended_at,
        enriched.wait_seconds::integer as wait_seconds,
        enriched.talk_seconds::integer as talk_seconds,
        enriched.ring_seconds::integer as ring_seconds,
        enriched.outcome::text as outcome,
        enriched.exit_event::text as exit_event,
        coalesce(enriched.outcome = 'answered', false)::boolean as is_answered,
        enriched.is_answered_within_threshold::boolean as is_answered_within_threshold,
        enriched.is_transferred::boolean as is_transferred,
        enriched.transfer_event::text as transfer_event,
        enriched.is_repeat_contact::boolean as is_repeat_contact,
        enriched.has_repeat_contact::boolean as has_repeat_contact,
        coalesce(enriched.outcome = 'answered' and not enriched.is_transferred and not enriched.has_repeat_contact, false)::boolean
            as is_first_contact_resolved,
        (enriched.entered_at + (select length from repeat_window) <= {{ as_of() }})::boolean as is_fcr_final,
        enriched.qa_evaluation_id::text as qa_evaluation_id,
        enriched.qa_total_score::integer as qa_total_score,
        enriched.qa_is_fatal_error::boolean as qa_is_fatal_error,
        enriched.has_cdr::boolean as has_cdr,
        enriched.linkedid::text as linkedid,
        (select extract(day from length) from repeat_window)::integer as repeat_window_days,
        {{ policy('short_abandon_seconds') }}::integer as short_abandon_seconds,
        {{ policy('service_level_threshold_seconds') }}::integer as service_level_threshold_seconds,
        enriched.source_batch_id::bigint as source_batch_id,
        {{ calls_crm_high_water() }}::bigint as crm_batch_id
    from enriched
)

select * from final
