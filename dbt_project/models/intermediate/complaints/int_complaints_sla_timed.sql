-- Each complaint's response and resolution times in calendar and business time, its SLA breach
-- instants and whether the SLA was met, as of the end of the last loaded day.
-- step 1: the business-time clock over the local days any complaint's clock can run on
-- step 2: the clock's reading at received / acknowledged / resolved / as of
-- step 3: breach instants = received + target (on the business clock when the severity says so)
-- step 4: met = done by the breach instant; false once past it while still open; else NULL
with

complaints as (
    select
        complaint_id,
        severity,
        received_at,
        acknowledged_at,
        resolved_at
    from {{ ref('stg_crm__complaints') }}
),

sla_targets as (
    select
        severity,
        response_target_hours,
        resolution_target_hours,
        is_business_time
    from {{ ref('complaint_sla_targets') }}
),

clock_range as (
    -- the clock must reach every breach: targets are at most `max target` business hours, and
    -- a working day has at least one business hour, so that many days (plus holidays) suffice
    select
        min({{ local_date('received_at') }}) - 1 as first_day,
        greatest(
            max({{ local_date('coalesce(resolved_at, acknowledged_at, received_at)') }}),
            {{ as_of_date() }}
        ) + 31 + (select ceil(max(greatest(response_target_hours, resolution_target_hours)))::integer from sla_targets)
            as last_day
    from complaints
),

business_intervals as (
    {{ bt_business_intervals(
        '(select first_day from clock_range)',
        '(select last_day from clock_range)'
    ) }}
),

as_of_clock as (
    select
        {{ as_of() }} as as_of_at
),

-- the instants each complaint's clock is read at, keyed complaint | which
instants as (
    select complaint_id || '|received' as key, received_at as at from complaints
    union all
    select complaint_id || '|acknowledged', acknowledged_at from complaints
    union all
    select complaint_id || '|resolved', resolved_at from complaints
),

positions as (
    {{ bt_clock_positions('instants', 'business_intervals') }}
),

clock_readings as (
    select
        complaints.complaint_id,
        complaints.severity,
        complaints.received_at,
        complaints.acknowledged_at,
        complaints.resolved_at,
        as_of_clock.as_of_at,
        sla_targets.response_target_hours,
        sla_targets.resolution_target_hours,
        sla_targets.is_business_time,
        received_clock.position_seconds as received_position,
        acknowledged_clock.position_seconds as acknowledged_position,
        resolved_clock.position_seconds as resolved_position
    from complaints
    cross join as_of_clock
    left join sla_targets
        on sla_targets.severity = complaints.severity
    left join positions as received_clock
        on received_clock.key = complaints.complaint_id || '|received'
    left join positions as acknowledged_clock
        on acknowledged_clock.key = complaints.complaint_id || '|acknowledged'
    left join positions as resolved_clock
        on resolved_clock.key = complaints.complaint_id || '|resolved'
),

-- the clock positions the targets run out at (business-time severities only)
target_positions as (
    select complaint_id || '|response' as key, received_position + response_target_hours * 3600 as position
    from clock_readings
    where is_business_time
    union all
    select complaint_id || '|resolution', received_position + resolution_target_hours * 3600
    from clock_readings
    where is_business_time
),

breach_instants as (
    {{ bt_instants_at_positions('target_positions', 'business_intervals') }}
),

breaches as (
    select
        clock_readings.*,
        case
            when clock_readings.is_business_time then response_breach.instant_at
            else clock_readings.received_at + clock_readings.response_target_hours * interval '1 hour'
        end as response_breach_at,
        case
            when clock_readings.is_business_time then resolution_breach.instant_at
            else clock_readings.received_at + clock_readings.resolution_target_hours * interval '1 hour'
        end as resolution_breach_at
    from clock_readings
    left join breach_instants as response_breach
        on response_breach.key = clock_readings.complaint_id || '|response'
    left join breach_instants as resolution_breach
        on resolution_breach.key = clock_readings.complaint_id || '|resolution'
),

final as (
    select
        complaint_id,
        severity,
        response_target_hours,
        resolution_target_hours,
        is_business_time as is_sla_business_time,
        round(extract(epoch from acknowledged_at - received_at) / 60, 2) as first_response_minutes,
        round(extract(epoch from resolved_at - received_at) / 3600, 4) as resolution_hours,
        round((acknowledged_position - received_position) / 60, 2) as first_response_business_minutes,
        round((resolved_position - received_position) / 3600, 4) as resolution_business_hours,
        response_breach_at,
        resolution_breach_at,
        case
            when acknowledged_at is not null then acknowledged_at <= response_breach_at
            when as_of_at > response_breach_at then false
        end as is_response_sla_met,
        case
            when resolved_at is not null then resolved_at <= resolution_breach_at
            when as_of_at > resolution_breach_at then false
        end as is_resolution_sla_met,
        resolved_at is null and as_of_at > resolution_breach_at as is_breached_while_open
    from breaches
)

select * from final
