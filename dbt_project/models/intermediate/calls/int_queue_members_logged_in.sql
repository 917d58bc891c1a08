-- Agents logged in to each queue per staffing interval (the interval length of the
-- forecast_policy seed), from the queue_log member events: a member is logged in from its
-- ADDMEMBER to its next REMOVEMEMBER in the same queue (a missing REMOVEMEMBER: until its next
-- ADDMEMBER, or the end of the last loaded day). agents_logged_in is the time-weighted mean
-- number of members over the interval (two agents for half of it count 1.0). PAUSE does not log
-- an agent out. Only intervals since the first forecast vintage are kept: they are what
-- staffing_requirements compares with.
with

queue_log as (
    select * from {{ ref('stg_call_centre__queue_log') }}
),

vintages as (
    select * from {{ source('forecast', 'vintages') }}
),

policy as (
    select make_interval(mins => policy_value::integer) as step
    from {{ ref('forecast_policy') }}
    where policy_key = 'interval_minutes'
),

bounds as (
    select
        ((min(forecast_made_on) + 1)::timestamp at time zone '{{ var("centre_tz") }}') as first_at,
        {{ as_of() }} as as_of
    from vintages
),

member_events as (
    select queue_name as queue, agent_name as member, event_at, event_type
    from queue_log
    where event_type in ('ADDMEMBER', 'REMOVEMEMBER')
        and queue_name is not null
        and agent_name is not null
        and event_at < {{ as_of() }}
),

-- step 1: each ADDMEMBER with the member's next event in the queue
sequenced as (
    select
        *,
        lead(event_at) over (partition by queue, member order by event_at, event_type) as next_at
    from member_events
),

sessions as (
    select
        sequenced.queue,
        sequenced.member,
        greatest(sequenced.event_at, bounds.first_at) as joined_at,
        least(coalesce(sequenced.next_at, bounds.as_of), bounds.as_of) as left_at
    from sequenced
    cross join bounds
    where sequenced.event_type = 'ADDMEMBER'
        and bounds.first_at is not null  -- no vintage yet: nothing to compare with (greatest() skips NULL)
),

-- step 2: the intervals each session overlaps, and for how long
session_slots as (
    select
        sessions.queue,
        slot.interval_start,
        extract(epoch from least(slot.interval_start + policy.step, sessions.left_at)
            - greatest(slot.interval_start, sessions.joined_at)) as seconds_logged_in,
        extract(epoch from policy.step) as interval_seconds
    from sessions
    cross join policy
    cross join lateral generate_series(
        date_bin(policy.step, sessions.joined_at, timestamp '2000-01-01' at time zone '{{ var("centre_tz") }}'),
        sessions.left_at - interval '1 microsecond',
        policy.step
    ) as slot (interval_start)
    where sessions.left_at > sessions.joined_at
),

final as (
    select
        queue::text as queue,
        interval_start::timestamptz as interval_start,
        {{ local_date('interval_start') }} as local_date,
        round((sum(seconds_logged_in) / max(interval_seconds))::numeric, 4) as agents_logged_in
    from session_slots
    group by queue, interval_start
)

select * from final
