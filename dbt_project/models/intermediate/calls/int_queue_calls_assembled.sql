{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook=["{{ calls_whole_build_settings() }}", "{{ calls_delete_dates(calls_assembly_rebuild_dates()) }}"],
        post_hook="{{ ensure_config_indexes() }}",
        indexes=[
            {'columns': ['local_date']},
            {'columns': ['callid']},
            {'columns': ['call_id'], 'unique': true},
            {'columns': ['caller_digits']},
            {'columns': ['source_batch_id']},
        ],
    )
}}
-- (call_id's index is unique: its unique test reads the index, not the 7 M calls of a year;
-- macros/catalog_held_tests.sql)
-- One row per queue call (one ENTERQUEUE event), assembled from its queue_log events and matched
-- to the caller's CDR leg. Facts only (no policy thresholds, no CRM): fct_calls applies the rules.
--
-- step 1: the ENTERQUEUE events of the dates to (re)build, each with the next ENTERQUEUE of the
--         same callid + queue (a caller sent back to a queue enters it again with the same callid)
-- step 2: attach every later call event of that callid + queue up to the next entry (events of
--         a call that ends after midnight are in the next day's file: read one day more)
-- step 3: first CONNECT, first exit event, first completion / transfer event
-- step 4: match the CDR leg with the same uniqueid within 12 h (uniqueid counters restart after
--         a reboot, so the match is never global); prefer the Queue() leg, then the closest start
{%- set rebuild_dates = calls_assembly_rebuild_dates() %}

with

events as (
    select * from {{ ref('stg_call_centre__queue_log') }}
    where is_call_event
        and {{ calls_in_local_days('event_at', rebuild_dates, around=1) }}
),

cdr as (
    select * from {{ ref('stg_call_centre__cdr') }}
    where uniqueid is not null
        and {{ calls_in_local_days('started_at', rebuild_dates, around=1) }}
),

enters as (
    select
        events.callid || '|' || events.queue_name || '|' || events.event_epoch::text as call_id,
        events.callid,
        events.queue_name,
        events.event_epoch as enter_epoch,
        events.event_at as entered_at,
        events.local_date,
        events.logical_date as enter_logical_date,
        events.line_number as enter_line_number,
        nullif(trim(events.data2), '') as queue_log_callerid,
        {{ calls_int('events.data3') }} as entry_position,
        events.batch_id as enter_batch_id,
        lead(array[events.event_epoch, (events.logical_date - date '2000-01-01')::bigint, events.line_number]) over (
            partition by events.callid, events.queue_name
            order by events.event_epoch, events.logical_date, events.line_number
        ) as next_enter_key
    from events
    where events.event_type = 'ENTERQUEUE'
),

call_events as (
    select
        enters.call_id,
        events.*,
        case
            when events.event_type = 'CONNECT' then 'connect'
            when events.event_type in ('ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY', 'WITHDRAW', 'SYSCOMPAT')
                then 'exit'
            when events.event_type in ('COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER')
                then 'completion'
        end as event_class,
        events.event_type in ('TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER') as is_transfer_event
    from enters
    inner join events
        on events.callid = enters.callid
        and events.queue_name = enters.queue_name
        and events.event_type <> 'ENTERQUEUE'
        and array[events.event_epoch, (events.logical_date - date '2000-01-01')::bigint, events.line_number]
            > array[enters.enter_epoch, (enters.enter_logical_date - date '2000-01-01')::bigint, enters.enter_line_number]
        and (
            enters.next_enter_key is null
            or array[events.event_epoch, (events.logical_date - date '2000-01-01')::bigint, events.line_number]
                < enters.next_enter_key
        )
),

ranked_events as (
    select
        call_events.*,
        row_number() over (
            partition by call_id, event_class
            order by event_epoch, logical_date, line_number
        ) as class_rank
    from call_events
    where event_class is not null
),

firsts as (
    select
        call_id,
        max(event_at) filter (where event_class = 'connect' and class_rank = 1) as answered_at,
        max(agent_name) filter (where event_class = 'connect' and class_rank = 1) as connect_member_name,
        max({{ calls_int('data1') }}) filter (where event_class = 'connect' and class_rank = 1) as connect_holdtime_seconds,
        max({{ calls_int('data3') }}) filter (where event_class = 'connect' and class_rank = 1) as ring_seconds,
        max(event_type) filter (where event_class = 'exit' and class_rank = 1) as exit_event,
        max(event_at) filter (where event_class = 'exit' and class_rank = 1) as exit_at,
        max(
            case
                when event_type = 'EXITWITHKEY' then {{ calls_int('data4') }}
                when event_type in ('ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'WITHDRAW') then {{ calls_int('data3') }}
            end
        ) filter (where event_class = 'exit' and class_rank = 1) as exit_waittime_seconds,
        max(agent_name) filter (where event_class = 'exit' and class_rank = 1 and upper(agent_name) <> 'NONE')
            as exit_member_name,
        max(event_type) filter (where event_class = 'completion' and class_rank = 1) as completion_event,
        max(event_at) filter (where event_class = 'completion' and class_rank = 1) as completed_at,
        max(agent_name) filter (where event_class = 'completion' and class_rank = 1) as completion_member_name,
        max(
            case
                when event_type in ('COMPLETECALLER', 'COMPLETEAGENT') then {{ calls_int('data2') }}
                when event_type in ('TRANSFER', 'BLINDTRANSFER') then {{ calls_int('data4') }}
                -- ATTENDEDTRANSFER LINK|chan1|chan2|hold|call|pos: calltime is data field 5
                -- (split: a realtime store keeps "call|pos" in data5)
                when event_type = 'ATTENDEDTRANSFER' and upper(data1) = 'LINK'
                    then {{ calls_int("split_part(data5, '|', 1)") }}
                when event_type = 'ATTENDEDTRANSFER' then {{ calls_int('data4') }}
            end
        ) filter (where event_class = 'completion' and class_rank = 1) as completion_calltime_seconds,
        bool_or(is_transfer_event) as is_transferred,
        max(event_type) filter (where is_transfer_event) as transfer_event,
        count(*) as event_count,
        max(batch_id) as max_event_batch_id
    from ranked_events
    group by call_id
),

cdr_matches as (
    select
        enters.call_id,
        cdr.cdr_id,
        cdr.caller_number as cdr_caller_number,
        cdr.linkedid,
        cdr.disposition as cdr_disposition,
        cdr.batch_id as cdr_batch_id,
        row_number() over (
            partition by enters.call_id
            order by
                (cdr.last_app = 'Queue') desc,
                abs(extract(epoch from cdr.started_at - enters.entered_at)),
                cdr.cdr_id
        ) as match_rank
    from enters
    inner join cdr
        on cdr.uniqueid = enters.callid
        and cdr.started_at between enters.entered_at - interval '12 hours' and enters.entered_at + interval '12 hours'
),

final as (
    select
        enters.call_id,
        enters.callid,
        enters.queue_name,
        enters.enter_epoch,
        enters.entered_at,
        enters.local_date,
        enters.entry_position,
        enters.queue_log_callerid,
        cdr_matches.cdr_caller_number,
        coalesce(enters.queue_log_callerid, cdr_matches.cdr_caller_number) as caller_number,
        {{ calls_digits('coalesce(enters.queue_log_callerid, cdr_matches.cdr_caller_number)') }} as caller_digits,
        cdr_matches.cdr_id,
        cdr_matches.cdr_id is not null as has_cdr,
        cdr_matches.linkedid,
        cdr_matches.cdr_disposition,
        firsts.answered_at,
        coalesce(firsts.connect_member_name, firsts.completion_member_name) as member_name,
        firsts.connect_holdtime_seconds,
        firsts.ring_seconds,
        firsts.exit_event,
        firsts.exit_at,
        firsts.exit_waittime_seconds,
        firsts.exit_member_name,
        -- a completion only counts after the CONNECT it completes
        case when firsts.answered_at is not null then firsts.completion_event end as completion_event,
        case when firsts.answered_at is not null then firsts.completed_at end as completed_at,
        case when firsts.answered_at is not null then firsts.completion_calltime_seconds end as talk_seconds,
        coalesce(firsts.answered_at is not null and firsts.is_transferred, false) as is_transferred,
        case when firsts.answered_at is not null then firsts.transfer_event end as transfer_event,
        case
            when firsts.answered_at is not null then firsts.connect_holdtime_seconds
            else firsts.exit_waittime_seconds
        end as wait_seconds,
        case
            when firsts.answered_at is not null then firsts.completed_at
            else firsts.exit_at
        end as ended_at,
        coalesce(firsts.event_count, 0) + 1 as event_count,
        greatest(enters.enter_batch_id, firsts.max_event_batch_id, cdr_matches.cdr_batch_id) as source_batch_id
    from enters
    left join firsts
        on enters.call_id = firsts.call_id
    left join cdr_matches
        on enters.call_id = cdr_matches.call_id
        and cdr_matches.match_rank = 1
    where {{ calls_in_dates('enters.local_date', rebuild_dates) }}
)

select * from final
